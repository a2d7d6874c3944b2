/**
 * Face regions of the RAN. A region is a box in normalised face coordinates (0..1, top-left origin);
 * the network cuts it from a shared feature map and resizes it to a common size, so that all regions go
 * through the shared tail of the backbone as one batch (as the paper resizes every crop to one input).
 */
import * as tf from '@tensorflow/tfjs-core';
import { resizeBilinear } from '../nn/resize.js';

export interface RegionBox {
  name: string;
  /** [top, left, bottom, right] as fractions of the face. */
  box: [number, number, number, number];
}

/** The default fixed crops: the whole face first, then 5 regions (see docs/regions.svg). */
export const DEFAULT_REGIONS: RegionBox[] = [
  { name: 'face', box: [0, 0, 1, 1] },
  { name: 'upper-left', box: [0, 0, 2 / 3, 2 / 3] },
  { name: 'upper-right', box: [0, 1 / 3, 2 / 3, 1] },
  { name: 'lower', box: [1 / 3, 1 / 6, 1, 5 / 6] },
  { name: 'center', box: [1 / 6, 1 / 6, 5 / 6, 5 / 6] },
  { name: 'tight', box: [1 / 12, 1 / 12, 11 / 12, 11 / 12] },
];

/** A box snapped to whole cells of a `size` x `size` map: [top, left, height, width]. */
export function cellsOf(box: RegionBox['box'], size: number): [number, number, number, number] {
  const [t, l, b, r] = box.map((v) => Math.round(v * size));
  if (b <= t || r <= l) throw new Error(`region ${box.join(',')} is empty on a ${size}x${size} map`);
  return [t, l, b - t, r - l];
}

/**
 * Cuts every region from `map` [N, H, W, C] and resizes it to `out` x `out`, returning
 * [N * k, out, out, C] in sample-major order (sample 0's k regions, then sample 1's, ...).
 */
export function cropFixedRegions(map: tf.Tensor4D, regions: RegionBox[], out: number): tf.Tensor4D {
  const [n, h, , c] = map.shape;
  const crops = regions.map((r) => {
    const [t, l, hh, ww] = cellsOf(r.box, h);
    let crop = tf.slice(map, [0, t, l, 0], [n, hh, ww, c]);
    if (hh !== out || ww !== out) crop = resizeBilinear(crop, [out, out]);
    return crop;
  });
  // [k * N, ...] -> [N, k, ...] -> [N * k, out, out, C]. (tf.stack's gradient, Unpack, is ~20x slower
  // on WASM than this concat + 3-D transpose.)
  const k = regions.length;
  const regionMajor = tf.reshape(tf.concat(crops, 0), [k, n, out * out * c]);
  return tf.reshape(tf.transpose(regionMajor, [1, 0, 2]), [n * k, out, out, c]);
}

/**
 * Landmark mode: per-sample boxes (normalised [top, left, bottom, right], k per sample, sample-major)
 * cut from `map` and resized to `out` x `out` (inference only: crop-and-resize has no gradient).
 */
export function cropBoxes(map: tf.Tensor4D, boxes: Float32Array, k: number, out: number): tf.Tensor4D {
  const n = map.shape[0];
  if (boxes.length !== n * k * 4) throw new Error(`expected ${n * k} boxes, got ${boxes.length / 4}`);
  const indices = Int32Array.from({ length: n * k }, (_, i) => Math.floor(i / k));
  // Crop-and-resize samples output o at y1 (H - 1) + o (y2 - y1) (H - 1) / (out - 1); choose y1, y2 so
  // that this matches bilinear resizing with half-pixel centres of the region [top H, bottom H), i.e.
  // sample top H + (o + 0.5) h / out - 0.5 with h = (bottom - top) H. Fixed regions then agree exactly.
  const size = map.shape[1];
  const scaled = new Float32Array(boxes.length);
  for (let i = 0; i < boxes.length; i += 2) {
    // Pairs (top, left) then (bottom, right) share the formula through their own start and extent.
    const isStart = i % 4 === 0;
    const j = isStart ? i : i - 2;
    for (let a = 0; a < 2; a++) {
      const start = boxes[j + a] * size;
      const extent = (boxes[j + 2 + a] - boxes[j + a]) * size;
      const o = isStart ? 0 : out - 1;
      scaled[i + a] = (start + ((o + 0.5) * extent) / out - 0.5) / (size - 1);
    }
  }
  return tf.image.cropAndResize(map, tf.tensor2d(scaled, [n * k, 4]), tf.tensor1d(indices, 'int32'), [
    out,
    out,
  ]);
}

/** Point indices of the 68-point (iBUG / Dlib) landmark layout. */
const LANDMARK_GROUPS = {
  leftBrowEye: [17, 18, 19, 20, 21, 36, 37, 38, 39, 40, 41],
  rightBrowEye: [22, 23, 24, 25, 26, 42, 43, 44, 45, 46, 47],
  nose: [27, 28, 29, 30, 31, 32, 33, 34, 35],
  mouth: [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67],
} as const;

/**
 * Which landmarks each named fixed region is replaced by in landmark mode ('all': every point). The RAN
 * treats its regions alike (shared tail and attention layers), so this pairing changes only which name an
 * attention weight is reported under: each box goes to the fixed region that covers the same part.
 */
const LANDMARK_REGION: Record<string, readonly number[] | 'whole' | 'all'> = {
  face: 'whole',
  'upper-left': LANDMARK_GROUPS.leftBrowEye,
  'upper-right': LANDMARK_GROUPS.rightBrowEye,
  lower: LANDMARK_GROUPS.mouth,
  center: LANDMARK_GROUPS.nose,
  tight: 'all',
};

/** The region names landmark mode can replace (those of `DEFAULT_REGIONS`). */
export const LANDMARK_REGION_NAMES: readonly string[] = Object.keys(LANDMARK_REGION);

/** The names among `regions` that landmark mode has no landmarks for. */
export function regionsWithoutLandmarks(regions: readonly string[]): string[] {
  return regions.filter((r) => !Object.hasOwn(LANDMARK_REGION, r));
}

/**
 * Landmark mode: one box per named region from a face's 68 landmarks (x, y in the face crop,
 * normalised 0..1). For the default regions, in their order: the whole face, the left and right
 * eye-and-brow regions, the mouth (lower), the nose (center), and the landmarks' bounding box (tight),
 * each a square around its points with a margin, clipped to the face. A model with a subset of these
 * regions (e.g. the wide-tail preset's face, lower, center, tight) gets the matching subset.
 * Returns [top, left, bottom, right] per region.
 */
export function landmarkBoxes(
  landmarks: ArrayLike<number>,
  regions: readonly string[] = LANDMARK_REGION_NAMES,
  margin = 0.25,
): Float32Array {
  if (landmarks.length !== 136)
    throw new Error(`expected 68 (x, y) landmarks, got ${landmarks.length / 2} points`);
  const unknown = regionsWithoutLandmarks(regions);
  if (unknown.length)
    throw new Error(
      `landmark mode has no landmarks for region(s) ${unknown.join(', ')} (known: ${LANDMARK_REGION_NAMES.join(', ')})`,
    );
  const box = (indices: readonly number[]): number[] => {
    const xs = indices.map((i) => landmarks[2 * i]);
    const ys = indices.map((i) => landmarks[2 * i + 1]);
    const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
    const cy = (Math.min(...ys) + Math.max(...ys)) / 2;
    const half =
      (Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / 2) * (1 + margin);
    const clip = (v: number) => Math.min(1, Math.max(0, v));
    return [clip(cy - half), clip(cx - half), clip(cy + half), clip(cx + half)];
  };
  const all = Array.from({ length: 68 }, (_, i) => i);
  return Float32Array.from(
    regions.flatMap((r) => {
      const source = LANDMARK_REGION[r];
      return source === 'whole' ? [0, 0, 1, 1] : box(source === 'all' ? all : source);
    }),
  );
}
