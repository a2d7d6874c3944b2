/**
 * Training augmentation of 48x48 grey faces, in plain JS on the main thread (a few ms per batch, while
 * the workers compute the previous one): horizontal flip, a small random affine (rotation, scale, shift;
 * bilinear, edges replicated), brightness and contrast, optionally the changes toward other domains
 * (domain-shift.ts: tone, lighting, blur or sharpening, JPEG, noise), and random erasing (synthetic occlusion).
 */
import { INPUT_MEAN, INPUT_STD } from '../../model/preprocess.js';
import type { Rng } from '../../util/rng.js';
import { type DomainShiftConfig, domainShift } from './domain-shift.js';

export interface AugmentConfig {
  flip: boolean;
  /** Maximum rotation in degrees (uniform in +-). */
  rotate: number;
  /** Maximum relative scale change (uniform in 1 +- scale). */
  scale: number;
  /** Maximum shift as a fraction of the size (uniform in +-). */
  shift: number;
  /** Maximum brightness offset (of the 0..1 range) and contrast factor change. */
  brightness: number;
  contrast: number;
  /** Random erasing: probability, and the erased area range as fractions of the image. */
  erase: { p: number; minArea: number; maxArea: number; minAspect: number };
  /** Changes toward faces of other domains, before contrast and brightness (absent: off). */
  domain?: DomainShiftConfig;
}

export const DEFAULT_AUGMENT: AugmentConfig = {
  flip: true,
  rotate: 10,
  scale: 0.1,
  shift: 0.08,
  brightness: 0.15,
  contrast: 0.25,
  erase: { p: 0.5, minArea: 0.02, maxArea: 0.25, minAspect: 0.3 },
};

export const NO_AUGMENT: AugmentConfig = {
  flip: false,
  rotate: 0,
  scale: 0,
  shift: 0,
  brightness: 0,
  contrast: 0,
  erase: { p: 0, minArea: 0, maxArea: 0, minAspect: 1 },
};

/** One geometric and photometric transform of a face (what `augmentImage` draws at random). */
export interface FaceWarp {
  flip: boolean;
  /** Rotation in radians. */
  angle: number;
  /** Zoom factor (> 1 enlarges the face). */
  scale: number;
  /** Shift in pixels. */
  tx: number;
  ty: number;
  /** Contrast factor and brightness offset (of the 0..1 range). */
  contrast: number;
  brightness: number;
}

export const IDENTITY_WARP: FaceWarp = {
  flip: false,
  angle: 0,
  scale: 1,
  tx: 0,
  ty: 0,
  contrast: 1,
  brightness: 0,
};

/** Writes `src` (uint8, size x size) transformed by `w` and normalised into `out` (bilinear, edges replicated). */
export function warpImage(src: Uint8Array, size: number, w: FaceWarp, out: Float32Array): void {
  // Inverse map: output pixel -> source position.
  const c = (size - 1) / 2;
  const cos = Math.cos(w.angle) / w.scale;
  const sin = Math.sin(w.angle) / w.scale;
  const last = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const ox = (w.flip ? last - x : x) - c - w.tx;
      const oy = y - c - w.ty;
      let sx = cos * ox + sin * oy + c;
      let sy = -sin * ox + cos * oy + c;
      sx = sx < 0 ? 0 : Math.min(sx, last);
      sy = sy < 0 ? 0 : Math.min(sy, last);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = x0 < last ? x0 + 1 : x0;
      const y1 = y0 < last ? y0 + 1 : y0;
      const fx = sx - x0;
      const fy = sy - y0;
      const top = src[y0 * size + x0] * (1 - fx) + src[y0 * size + x1] * fx;
      const bottom = src[y1 * size + x0] * (1 - fx) + src[y1 * size + x1] * fx;
      const v = (top * (1 - fy) + bottom * fy) / 255;
      out[y * size + x] = ((v - 0.5) * w.contrast + 0.5 + w.brightness - INPUT_MEAN) / INPUT_STD;
    }
  }
}

/** Writes one augmented, normalised image (size x size) from `src` (uint8) into `out`. */
export function augmentImage(
  src: Uint8Array,
  size: number,
  cfg: AugmentConfig,
  rng: Rng,
  out: Float32Array,
): void {
  const flip = cfg.flip && rng.float() < 0.5;
  const angle = (rng.uniform(-cfg.rotate, cfg.rotate) * Math.PI) / 180;
  const scale = 1 + rng.uniform(-cfg.scale, cfg.scale);
  const tx = rng.uniform(-cfg.shift, cfg.shift) * size;
  const ty = rng.uniform(-cfg.shift, cfg.shift) * size;
  const contrast = 1 + rng.uniform(-cfg.contrast, cfg.contrast);
  const brightness = rng.uniform(-cfg.brightness, cfg.brightness);
  const warp = { flip, angle, scale, tx, ty, contrast, brightness };
  if (cfg.domain) {
    // Geometry first, then the domain changes on 0..1 grey, then contrast, brightness and normalisation.
    warpImage(src, size, { ...warp, contrast: 1, brightness: 0 }, out);
    for (let i = 0; i < out.length; i++) out[i] = out[i] * INPUT_STD + INPUT_MEAN;
    domainShift(out, size, cfg.domain, rng);
    for (let i = 0; i < out.length; i++)
      out[i] = ((out[i] - 0.5) * contrast + 0.5 + brightness - INPUT_MEAN) / INPUT_STD;
  } else warpImage(src, size, warp, out);
  const e = cfg.erase;
  if (e.p > 0 && rng.float() < e.p) {
    const area = rng.uniform(e.minArea, e.maxArea) * size * size;
    const logAspect = rng.uniform(Math.log(e.minAspect), -Math.log(e.minAspect));
    const aspect = Math.exp(logAspect);
    const h = Math.min(size, Math.max(1, Math.round(Math.sqrt(area * aspect))));
    const w = Math.min(size, Math.max(1, Math.round(Math.sqrt(area / aspect))));
    const top = rng.int(0, size - h);
    const left = rng.int(0, size - w);
    const fill = (rng.float() - INPUT_MEAN) / INPUT_STD;
    for (let y = top; y < top + h; y++) out.fill(fill, y * size + left, y * size + left + w);
  }
}
