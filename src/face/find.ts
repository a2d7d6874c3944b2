/**
 * Finding the faces of an image: the detector on the whole image (and, for small faces in large photos,
 * on overlapping tiles, duplicates merged), a bordered retry for tight crops it misses, or the whole image
 * as one face (crop mode). Browser-safe.
 */
import { addBorder } from './border.js';
import type { DetectedFace, FaceDetector } from './detector.js';
import { type QuarterTurn, rotateRgb, unrotatePoint } from './rotate.js';

/** How the faces of an image are found. */
export interface FaceFinding {
  /**
   * `detect` (default): the face detector finds every face of the image. `crop`: the image is one face
   * (a crop cut around it, as in most datasets); its landmarks are found on the whole image and it is
   * aligned like any detected face, with the whole image as its box and a score of 1.
   */
  faces?: 'detect' | 'crop';
  /**
   * When detection finds no face, it is tried once more on a canvas with a border of this fraction of the
   * image's longer side on every side (default 1; 0: no retry). Tight crops, which detectors miss, are
   * found this way.
   */
  retryBorder?: number;
  /**
   * Also detect on overlapping tiles of this side (pixels) when the image is larger, and merge the faces
   * found twice. Faces too small for the detector's input on the whole image are found on the tiles, at the
   * cost of one detection per tile; a face found only on a tile must score `TILE_MIN_SCORE` or more. 0: off.
   * `auto` (default): tiles of 512 px for images of 1600 px or more (after decoding: a longer side of at
   * most 2048 px), where faces of a group or crowd shrink below the detector's reach; none for smaller ones.
   */
  tileSize?: number | 'auto';
  /**
   * When no upright face is found, or none scores `UNSURE_UPRIGHT`, also look for faces in the image turned
   * by 90°, 270° and 180° (photos taken sideways or upside down): the turn whose best face scores highest
   * (at least `TURN_MIN_TOP`, and `TURN_MARGIN` above unsure upright faces) gives the faces, in the
   * image's own coordinates, with `rotation` set. Default true; video frames turn it off.
   */
  rotations?: boolean;
}

/** The turns tried when no upright face is found. */
export const TURNS: readonly Exclude<QuarterTurn, 0>[] = [90, 270, 180];

/**
 * A turned image is a second guess: its best face must score `TURN_MIN_TOP` (the glass table of bbt1.jpg
 * turned 270° shows a 0.61 "face"; the shared photos turned back score 0.71-0.99), and its other faces
 * `TURNED_MIN_SCORE`.
 */
export const TURN_MIN_TOP = 0.7;
export const TURNED_MIN_SCORE = 0.5;

/**
 * Upright faces all scoring under this are unsure: the turned image is tried too, and wins if its best face
 * scores `TURN_MARGIN` more. (On the shared photos turned 180°, the upside-down faces scored 0.26-0.34
 * upright and 0.79-0.99 once turned back; neutral.jpg upright scores 0.33 and 0.71 upside down.)
 */
export const UNSURE_UPRIGHT = 0.5;
export const TURN_MARGIN = 0.4;

/** What `tileSize: 'auto'` tiles: images with a longer side of at least `minSide`, in tiles of `tile`. */
export const AUTO_TILING = { minSide: 1600, tile: 512 } as const;

/**
 * The least score of a face found on a tile but not on the whole image. Tiles show the detector many
 * more windows than one pass, so it finds more faceless patterns there; on a 3x3 mosaic of bbt1.jpg in
 * tiles of 512 the false ones scored 0.26-0.50, the true faces 0.57 or more.
 */
export const TILE_MIN_SCORE = 0.5;

/** The tile side for an image by a `tileSize` option (0: no tiles). */
export function tileSideFor(option: FaceFinding['tileSize'], width: number, height: number): number {
  const side = option ?? 'auto';
  if (side === 'auto') return Math.max(width, height) >= AUTO_TILING.minSide ? AUTO_TILING.tile : 0;
  if (!(Number.isInteger(side) && side >= 0))
    throw new RangeError(`tileSize must be a whole number >= 0 or 'auto', got ${side}`);
  return side;
}

/**
 * How much two boxes are one face: their intersection over the smaller box (a face cut by a tile's edge
 * lies mostly inside the whole face's box, with a small IoU).
 */
function overlap(a: DetectedFace['box'], b: DetectedFace['box']): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  return (w * h) / Math.min(a.width * a.height, b.width * b.height);
}

/** Keeps the highest-scoring face of every group whose boxes overlap by more than `threshold`. */
export function mergeDuplicates(faces: DetectedFace[], threshold = 0.5): DetectedFace[] {
  const kept: DetectedFace[] = [];
  for (const f of [...faces].sort((a, b) => b.score - a.score))
    if (kept.every((k) => overlap(k.box, f.box) <= threshold)) kept.push(f);
  return kept;
}

/** Moves faces found at (dx, dy) of the image back into the image's coordinates. */
function shifted(faces: DetectedFace[], dx: number, dy: number): DetectedFace[] {
  return faces.map((f) => ({
    box: { ...f.box, x: f.box.x + dx, y: f.box.y + dy },
    score: f.score,
    landmarks: f.landmarks.map((v, i) => v + (i % 2 === 0 ? dx : dy)),
  }));
}

/** Tile origins along one side: tiles of `tile` overlapping by a quarter, the last flush with the end. */
function tileStarts(side: number, tile: number): number[] {
  if (side <= tile) return [0];
  const step = Math.round(0.75 * tile);
  const starts: number[] = [];
  for (let s = 0; s + tile < side; s += step) starts.push(s);
  starts.push(side - tile);
  return starts;
}

/** The faces of the whole image and of its overlapping tiles, duplicates merged. */
export async function detectTiled(
  rgb: Uint8Array,
  width: number,
  height: number,
  detector: FaceDetector,
  tile: number,
): Promise<DetectedFace[]> {
  const found = await detector.detect(rgb, width, height);
  if (Math.max(width, height) <= tile) return found;
  const tw = Math.min(tile, width);
  const th = Math.min(tile, height);
  const part = new Uint8Array(tw * th * 3);
  for (const y0 of tileStarts(height, th))
    for (const x0 of tileStarts(width, tw)) {
      for (let y = 0; y < th; y++)
        part.set(rgb.subarray(3 * ((y0 + y) * width + x0), 3 * ((y0 + y) * width + x0 + tw)), 3 * y * tw);
      const onTile = (await detector.detect(part, tw, th)).filter((f) => f.score >= TILE_MIN_SCORE);
      found.push(...shifted(onTile, x0, y0));
    }
  return mergeDuplicates(found);
}

/** The faces of an RGB image by `options.faces`, with the bordered retry when detection finds none. */
export async function findFaces(
  rgb: Uint8Array,
  width: number,
  height: number,
  detector: FaceDetector,
  options: FaceFinding = {},
): Promise<DetectedFace[]> {
  if (options.faces === 'crop') {
    const landmarks = await detector.cropLandmarks(rgb, width, height);
    return [{ box: { x: 0, y: 0, width, height }, score: 1, landmarks }];
  }
  const tile = tileSideFor(options.tileSize, width, height);
  // A box mostly inside a better-scored one is a part of that face (detectors find a second, inner box
  // on faces that fill the image), not another face.
  const found =
    tile > 0
      ? await detectTiled(rgb, width, height, detector, tile)
      : mergeDuplicates(await detector.detect(rgb, width, height));
  const top = Math.max(0, ...found.map((f) => f.score));
  if (found.length === 0) {
    const bordered = await detectWithBorder(rgb, width, height, detector, options.retryBorder ?? 1);
    if (bordered.length > 0 || options.rotations === false) return bordered;
  } else if (options.rotations === false || top >= UNSURE_UPRIGHT) return found;
  // No upright face, or only unsure ones: the detector also finds some faces upside down or sideways, at
  // lower scores than upright, so the turn whose best face scores highest stands the photo up, and it
  // replaces unsure upright faces only when it scores far higher.
  const best = await bestTurn(rgb, width, height, detector);
  if (!best || (found.length > 0 && best.top < top + TURN_MARGIN)) return found;
  return best.faces.map((f) => unturned(f, width, height, best.turn));
}

/** The faces of the turn whose best face scores highest (at least `TURN_MIN_TOP`), if any does. */
async function bestTurn(
  rgb: Uint8Array,
  width: number,
  height: number,
  detector: FaceDetector,
): Promise<{ turn: Exclude<QuarterTurn, 0>; faces: DetectedFace[]; top: number } | undefined> {
  let best: { turn: Exclude<QuarterTurn, 0>; faces: DetectedFace[]; top: number } | undefined;
  for (const turn of TURNS) {
    const turned = rotateRgb(rgb, width, height, turn);
    const faces = mergeDuplicates(await detector.detect(turned.data, turned.width, turned.height)).filter(
      (f) => f.score >= TURNED_MIN_SCORE,
    );
    const top = Math.max(0, ...faces.map((f) => f.score));
    if (top >= TURN_MIN_TOP && top > (best?.top ?? 0)) best = { turn, faces, top };
  }
  return best;
}

/** The bordered retry of a tight crop (border 0: none). */
async function detectWithBorder(
  rgb: Uint8Array,
  width: number,
  height: number,
  detector: FaceDetector,
  border: number,
): Promise<DetectedFace[]> {
  if (border <= 0) return [];
  const canvas = addBorder(rgb, width, height, border);
  const again = mergeDuplicates(await detector.detect(canvas.data, canvas.width, canvas.height));
  return shifted(again, -canvas.offsetX, -canvas.offsetY);
}

/** A face found in the image turned by `turn`, in the original image's coordinates. */
function unturned(
  f: DetectedFace,
  width: number,
  height: number,
  turn: Exclude<QuarterTurn, 0>,
): DetectedFace {
  const { x, y, width: w, height: h } = f.box;
  const corners = [
    unrotatePoint(x, y, width, height, turn),
    unrotatePoint(x + w, y + h, width, height, turn),
  ];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const landmarks = new Float32Array(f.landmarks.length);
  for (let i = 0; i < f.landmarks.length; i += 2) {
    const [px, py] = unrotatePoint(f.landmarks[i], f.landmarks[i + 1], width, height, turn);
    landmarks[i] = px;
    landmarks[i + 1] = py;
  }
  return {
    box: {
      x: Math.min(...xs),
      y: Math.min(...ys),
      width: Math.abs(xs[1] - xs[0]),
      height: Math.abs(ys[1] - ys[0]),
    },
    score: f.score,
    landmarks,
    rotation: turn,
  };
}
