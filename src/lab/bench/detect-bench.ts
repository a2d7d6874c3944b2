/**
 * `ranfer bench detect`: face detection on images built from the shared photos whose face counts are
 * known, for each detector setting in one run:
 * - group photos (a row each): mosaics of the photos (each single-face photo has 1 face, bbt1.jpg 4)
 *   where faces shrink as in a crowd, and bbt1.jpg itself;
 * - tight crops: each single-face photo cut to the box the default detector gives it (a face filling the
 *   image is one face);
 * - turned photos: each single-face photo turned by 90, 180 and 270 degrees;
 * - no faces: a blank wall, a page of text, and the bookshelves and glass table of bbt1.jpg.
 * Per set: faces, faces found (at most the true count of each cell), false faces (beyond it) and the
 * mean milliseconds per image. Images go through the same decoding as `recognize()` (a longer side of at
 * most 2048 px) and the same face finding (bordered retry, turns, tiles as the setting says).
 */
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { BackendChoice } from '../../engine/backend.js';
import { type DetectorKind, FaceDetector } from '../../face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../../face/face-api-node.js';
import { findFaces } from '../../face/find.js';
import { loadRgbImage } from '../../face/image.js';

/** The shared photos with their true face counts. */
export const GROUP_PHOTOS: readonly [string, number][] = [
  ['angry.jpg', 1],
  ['disgusted.jpg', 1],
  ['fearful.jpg', 1],
  ['happy.jpg', 1],
  ['neutral.jpg', 1],
  ['sad.jpg', 1],
  ['surprised.jpg', 1],
  ['bbt1.jpg', 4],
];

const SINGLE = GROUP_PHOTOS.filter(([, n]) => n === 1).map(([f]) => f);

export interface GroupMosaic {
  name: string;
  /** Cells per side. */
  grid: number;
  /** Cell size in pixels. */
  cellWidth: number;
  cellHeight: number;
  /** Only bbt1.jpg in every cell (else the photos in turn). */
  bbtOnly?: boolean;
}

export const GROUP_MOSAICS: readonly GroupMosaic[] = [
  { name: 'bbt1 (1366x768)', grid: 1, cellWidth: 1366, cellHeight: 768, bbtOnly: true },
  { name: 'bbt1 3x3 (4098x2304)', grid: 3, cellWidth: 1366, cellHeight: 768, bbtOnly: true },
  { name: 'photos 4x4 (2560x1440)', grid: 4, cellWidth: 640, cellHeight: 360 },
  { name: 'photos 6x6 (2560x1440)', grid: 6, cellWidth: 427, cellHeight: 240 },
];

export interface DetectorSetting {
  name: string;
  detector: DetectorKind;
  tinyInputSize?: number;
  tileSize: number | 'auto';
}

export const DETECTOR_SETTINGS: readonly DetectorSetting[] = [
  { name: 'tiny 512, automatic tiles (default)', detector: 'tiny', tileSize: 'auto' },
  { name: 'tiny 512, no tiles', detector: 'tiny', tileSize: 0 },
  { name: 'tiny 1024', detector: 'tiny', tinyInputSize: 1024, tileSize: 0 },
  { name: 'tiny 512, tiles of 512', detector: 'tiny', tileSize: 512 },
  { name: 'ssd', detector: 'ssd', tileSize: 0 },
];

/** One image of a set: its bytes and the true face count of each cell of a grid over it. */
export interface DetectImage {
  set: string;
  name: string;
  bytes: Buffer;
  grid: number;
  truth: number[];
}

export interface DetectBenchRow {
  setting: string;
  set: string;
  images: number;
  faces: number;
  found: number;
  /** found / faces (null for the set without faces). */
  recall: number | null;
  falseFaces: number;
  msPerImage: number;
}

/** Builds a mosaic: every cell a photo fitted inside it on grey. */
export async function buildMosaic(photosDir: string, m: GroupMosaic): Promise<DetectImage> {
  const width = m.grid * m.cellWidth;
  const height = m.grid * m.cellHeight;
  const truth: number[] = [];
  const layers: OverlayOptions[] = [];
  for (let i = 0; i < m.grid * m.grid; i++) {
    const [file, count] = m.bbtOnly ? ['bbt1.jpg', 4] : GROUP_PHOTOS[i % GROUP_PHOTOS.length];
    truth.push(count);
    const cell = await sharp(path.join(photosDir, file))
      .resize(m.cellWidth, m.cellHeight, { fit: 'contain', background: '#808080' })
      .toBuffer();
    layers.push({
      input: cell,
      left: (i % m.grid) * m.cellWidth,
      top: Math.floor(i / m.grid) * m.cellHeight,
    });
  }
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer();
  return { set: m.name, name: m.name, bytes, grid: m.grid, truth };
}

/** A detected box as a sharp extract area inside the photo (a detector's box may reach past its edge). */
export function insidePhoto(
  b: { x: number; y: number; width: number; height: number },
  photo: { width?: number; height?: number },
): { left: number; top: number; width: number; height: number } {
  const left = Math.max(0, Math.round(b.x));
  const top = Math.max(0, Math.round(b.y));
  return {
    left,
    top,
    width: Math.min(Math.round(b.x + b.width), photo.width ?? 0) - left,
    height: Math.min(Math.round(b.y + b.height), photo.height ?? 0) - top,
  };
}

/** Regions of bbt1.jpg (1366x768) without a face: the bookshelves behind the sofa and the glass table. */
const BBT1_BACKGROUNDS = [
  { name: 'bbt1 upper shelves', left: 360, top: 0, width: 560, height: 110 },
  { name: 'bbt1 left shelf', left: 0, top: 150, width: 90, height: 330 },
  { name: 'bbt1 table', left: 150, top: 620, width: 900, height: 148 },
];

/** Every image of the benchmark. `boxOf` gives the box the default detector finds in a photo. */
export async function buildDetectImages(
  photosDir: string,
  boxOf: (file: string) => Promise<{ x: number; y: number; width: number; height: number }>,
  mosaics: readonly GroupMosaic[] = GROUP_MOSAICS,
): Promise<DetectImage[]> {
  const images: DetectImage[] = [];
  for (const m of mosaics) images.push(await buildMosaic(photosDir, m));
  for (const file of SINGLE) {
    const b = await boxOf(path.join(photosDir, file));
    const bytes = await sharp(path.join(photosDir, file))
      .extract(insidePhoto(b, await sharp(path.join(photosDir, file)).metadata()))
      .png()
      .toBuffer();
    images.push({ set: 'tight crops', name: file, bytes, grid: 1, truth: [1] });
  }
  for (const angle of [90, 180, 270])
    for (const file of SINGLE) {
      const bytes = await sharp(path.join(photosDir, file)).rotate(angle).jpeg({ quality: 90 }).toBuffer();
      images.push({ set: 'turned photos', name: `${file} ${angle}`, bytes, grid: 1, truth: [1] });
    }
  const wall = await sharp({ create: { width: 1024, height: 768, channels: 3, background: '#d8d0c0' } })
    .composite([
      {
        input: Buffer.from(Array.from({ length: 512 * 384 * 3 }, (_, i) => (i * 2654435761) % 23)),
        raw: { width: 512, height: 384, channels: 3 },
        blend: 'add',
        tile: true,
      },
    ])
    .jpeg()
    .toBuffer();
  images.push({ set: 'no faces', name: 'blank wall', bytes: wall, grid: 1, truth: [0] });
  const lines = Array.from(
    { length: 14 },
    (_, i) =>
      `<text x="40" y="${60 + 50 * i}" font-family="sans-serif" font-size="32">Line ${i + 1}: the quick brown fox jumps over the lazy dog, 0123456789</text>`,
  ).join('');
  const text = await sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="760"><rect width="100%" height="100%" fill="white"/>${lines}</svg>`,
    ),
  )
    .jpeg()
    .toBuffer();
  images.push({ set: 'no faces', name: 'page of text', bytes: text, grid: 1, truth: [0] });
  for (const r of BBT1_BACKGROUNDS) {
    const bytes = await sharp(path.join(photosDir, 'bbt1.jpg')).extract(r).png().toBuffer();
    images.push({ set: 'no faces', name: r.name, bytes, grid: 1, truth: [0] });
  }
  return images;
}

export async function runDetectBench(o: {
  photosDir: string;
  backend: BackendChoice;
  settings?: readonly DetectorSetting[];
  mosaics?: readonly GroupMosaic[];
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<DetectBenchRow[]> {
  const faceapi = await loadFaceApi(o.backend);
  const settings = o.settings ?? DETECTOR_SETTINGS;
  const load = (net: Parameters<Parameters<typeof FaceDetector.create>[1]>[0]) =>
    net.loadFromDisk(faceApiModelDir());
  const reference = await FaceDetector.create(faceapi, load);
  const images = await buildDetectImages(
    o.photosDir,
    async (file) => {
      const image = await loadRgbImage(file);
      const [face] = await findFaces(image.data, image.width, image.height, reference);
      const s = image.scale;
      return { x: face.box.x * s, y: face.box.y * s, width: face.box.width * s, height: face.box.height * s };
    },
    o.mosaics,
  );
  const decoded = [];
  for (const im of images) decoded.push({ ...im, image: await loadRgbImage(im.bytes) });
  const rows: DetectBenchRow[] = [];
  let done = 0;
  for (const s of settings) {
    const detector = await FaceDetector.create(faceapi, load, {
      detector: s.detector,
      tinyInputSize: s.tinyInputSize,
    });
    const bySet = new Map<string, DetectBenchRow>();
    for (const { set, grid, truth, image } of decoded) {
      const t = performance.now();
      const faces = await findFaces(image.data, image.width, image.height, detector, {
        tileSize: s.tileSize,
      });
      const ms = performance.now() - t;
      // Each face counts in the cell its box centre falls in.
      const perCell = new Array<number>(truth.length).fill(0);
      for (const f of faces) {
        const cx = ((f.box.x + f.box.width / 2) / image.width) * grid;
        const cy = ((f.box.y + f.box.height / 2) / image.height) * grid;
        perCell[
          Math.min(grid - 1, Math.max(0, Math.floor(cy))) * grid +
            Math.min(grid - 1, Math.max(0, Math.floor(cx)))
        ]++;
      }
      const row = bySet.get(set) ?? {
        setting: s.name,
        set,
        images: 0,
        faces: 0,
        found: 0,
        recall: null,
        falseFaces: 0,
        msPerImage: 0,
      };
      row.images++;
      row.faces += truth.reduce((a, b) => a + b, 0);
      row.found += perCell.reduce((n, c, i) => n + Math.min(c, truth[i]), 0);
      row.falseFaces += perCell.reduce((n, c, i) => n + Math.max(0, c - truth[i]), 0);
      row.msPerImage += ms;
      bySet.set(set, row);
      o.onProgress?.(s.name, ++done, settings.length * decoded.length);
    }
    for (const row of bySet.values()) {
      row.recall = row.faces > 0 ? row.found / row.faces : null;
      row.msPerImage /= row.images;
      rows.push(row);
    }
  }
  return rows;
}
