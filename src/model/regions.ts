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
  // crop-and-resize boxes are [y1, x1, y2, x2] over [0, 1] mapping to pixel centres 0 .. size - 1.
  const h = map.shape[1];
  const scaled = boxes.map((v) => (v * h - 0.5) / (h - 1));
  return tf.image.cropAndResize(map, tf.tensor2d(scaled, [n * k, 4]), tf.tensor1d(indices, 'int32'), [
    out,
    out,
  ]);
}
