/**
 * `ranfer bench groups`: face detection on group photos made from the shared photos, where the true
 * number of faces in every cell is known (each single-face photo has 1 face, bbt1.jpg 4). For each
 * detector setting: recall (faces found, at most the true count per cell), false positives (faces beyond
 * the true count of their cell) and the time per photo. The mosaics go through the same decoding as
 * `recognize()` (downsized to a longer side of 2048 px).
 */
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { BackendChoice } from '../engine/backend.js';
import { type DetectorKind, FaceDetector } from '../face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../face/face-api-node.js';
import { findFaces } from '../face/find.js';
import { loadRgbImage } from '../face/image.js';

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

export const GROUP_SETTINGS: readonly DetectorSetting[] = [
  { name: 'tiny 512, automatic tiles (default)', detector: 'tiny', tileSize: 'auto' },
  { name: 'tiny 512, no tiles', detector: 'tiny', tileSize: 0 },
  { name: 'tiny 1024', detector: 'tiny', tinyInputSize: 1024, tileSize: 0 },
  { name: 'tiny 512, tiles of 512', detector: 'tiny', tileSize: 512 },
  { name: 'ssd', detector: 'ssd', tileSize: 0 },
];

export interface GroupBenchRow {
  setting: string;
  mosaic: string;
  faces: number;
  found: number;
  recall: number;
  falsePositives: number;
  msPerPhoto: number;
}

/** Builds a mosaic: every cell a photo fitted inside it on grey; returns the JPEG and the truth per cell. */
export async function buildMosaic(
  photosDir: string,
  m: GroupMosaic,
): Promise<{ jpeg: Buffer; truth: number[]; width: number; height: number }> {
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
  const jpeg = await sharp({ create: { width, height, channels: 3, background: '#808080' } })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer();
  return { jpeg, truth, width, height };
}

export async function runGroupBench(o: {
  photosDir: string;
  backend: BackendChoice;
  settings?: readonly DetectorSetting[];
  mosaics?: readonly GroupMosaic[];
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<GroupBenchRow[]> {
  const faceapi = await loadFaceApi(o.backend);
  const settings = o.settings ?? GROUP_SETTINGS;
  const mosaics = o.mosaics ?? GROUP_MOSAICS;
  const built = [];
  for (const m of mosaics) {
    const b = await buildMosaic(o.photosDir, m);
    built.push({ m, ...b, image: await loadRgbImage(b.jpeg) });
  }
  const rows: GroupBenchRow[] = [];
  let done = 0;
  for (const s of settings) {
    const detector = await FaceDetector.create(faceapi, (net) => net.loadFromDisk(faceApiModelDir()), {
      detector: s.detector,
      tinyInputSize: s.tinyInputSize,
    });
    for (const { m, truth, image } of built) {
      const t = performance.now();
      const faces = await findFaces(image.data, image.width, image.height, detector, {
        tileSize: s.tileSize,
        retryBorder: 0,
      });
      const ms = performance.now() - t;
      // Each face counts in the cell its box centre falls in (the mosaic's pixels).
      const perCell = new Array<number>(truth.length).fill(0);
      for (const f of faces) {
        const cx = ((f.box.x + f.box.width / 2) * image.scale) / m.cellWidth;
        const cy = ((f.box.y + f.box.height / 2) * image.scale) / m.cellHeight;
        const cell =
          Math.min(m.grid - 1, Math.max(0, Math.floor(cy))) * m.grid +
          Math.min(m.grid - 1, Math.max(0, Math.floor(cx)));
        perCell[cell]++;
      }
      const total = truth.reduce((a, b) => a + b, 0);
      const found = perCell.reduce((n, c, i) => n + Math.min(c, truth[i]), 0);
      rows.push({
        setting: s.name,
        mosaic: m.name,
        faces: total,
        found,
        recall: found / total,
        falsePositives: perCell.reduce((n, c, i) => n + Math.max(0, c - truth[i]), 0),
        msPerPhoto: ms,
      });
      o.onProgress?.(s.name, ++done, settings.length * built.length);
    }
  }
  return rows;
}
