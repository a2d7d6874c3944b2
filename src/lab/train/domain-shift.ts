/**
 * Augmentation toward faces of other domains (lab photos, phone photos, colour pictures converted to
 * grey): FERPlus faces are small, soft, web-compressed and lit in every way; posed datasets and users'
 * photos are sharper, evenly or sideways lit, and compressed differently. Each change is drawn per face:
 * - a tone curve (gamma), as different exposures and grey conversions of colour photos give;
 * - a linear light gradient across the face in a random direction (side lighting);
 * - a Gaussian blur or an unsharp mask (softer or sharper than the training faces);
 * - JPEG compression at a random quality (8x8 block DCT quantised with the standard luminance table);
 * - Gaussian sensor noise.
 * The image is in 0..1 grey here (normalisation comes after).
 */
import type { Rng } from '../../util/rng.js';

export interface DomainShiftConfig {
  /** Gamma drawn log-uniformly in [e^-gamma, e^gamma] (0: off). */
  gamma: number;
  /** Largest brightness difference (0..1 range) between two opposite edges of the face (0: off). */
  illumination: number;
  /** Gaussian blur with this probability, sigma uniform up to maxSigma pixels. */
  blur: { p: number; maxSigma: number };
  /** Unsharp mask with this probability (when not blurred), amount uniform up to maxAmount. */
  sharpen: { p: number; maxAmount: number };
  /** JPEG round trip with this probability at a quality uniform in [minQuality, maxQuality]. */
  jpeg: { p: number; minQuality: number; maxQuality: number };
  /** Gaussian noise, sigma uniform up to this (0..1 range). */
  noise: number;
}

export const DEFAULT_DOMAIN_SHIFT: DomainShiftConfig = {
  gamma: 0.35,
  illumination: 0.25,
  blur: { p: 0.2, maxSigma: 0.8 },
  sharpen: { p: 0.3, maxAmount: 1.5 },
  jpeg: { p: 0.3, minQuality: 20, maxQuality: 85 },
  noise: 0.02,
};

/** Separable Gaussian blur of a size x size image, edges replicated. */
export function gaussianBlur(img: Float32Array, size: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
    sum += k[i + r];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const tmp = new Float32Array(img.length);
  const out = new Float32Array(img.length);
  const clamp = (v: number) => (v < 0 ? 0 : v >= size ? size - 1 : v);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * img[y * size + clamp(x + i)];
      tmp[y * size + x] = s;
    }
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * tmp[clamp(y + i) * size + x];
      out[y * size + x] = s;
    }
  return out;
}

/** The JPEG standard's luminance quantisation table (quality 50), row-major 8x8. */
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** DCT-II basis: C[u][x] = c(u) cos((2x + 1) u pi / 16), orthonormal. */
const DCT = Array.from({ length: 8 }, (_, u) =>
  Array.from(
    { length: 8 },
    (_, x) => (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16),
  ),
);

/** The table of a JPEG quality (1..100), libjpeg's scaling. */
export function quantTable(quality: number): number[] {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return LUMA_Q.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** A JPEG round trip of the luma of a size x size image in 0..1 (size a multiple of 8; 8-bit levels). */
export function jpegRoundTrip(img: Float32Array, size: number, quality: number): Float32Array {
  if (size % 8 !== 0) throw new Error(`JPEG blocks need a side that is a multiple of 8, got ${size}`);
  const table = quantTable(quality);
  const out = new Float32Array(img.length);
  const block = new Float64Array(64);
  const coef = new Float64Array(64);
  for (let by = 0; by < size; by += 8)
    for (let bx = 0; bx < size; bx += 8) {
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) block[y * 8 + x] = Math.round(img[(by + y) * size + bx + x] * 255) - 128;
      for (let u = 0; u < 8; u++)
        for (let v = 0; v < 8; v++) {
          let s = 0;
          for (let y = 0; y < 8; y++)
            for (let x = 0; x < 8; x++) s += DCT[u][y] * DCT[v][x] * block[y * 8 + x];
          const q = table[u * 8 + v];
          coef[u * 8 + v] = Math.round(s / q) * q;
        }
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let u = 0; u < 8; u++)
            for (let v = 0; v < 8; v++) s += DCT[u][y] * DCT[v][x] * coef[u * 8 + v];
          const level = Math.min(255, Math.max(0, Math.round(s + 128)));
          out[(by + y) * size + bx + x] = level / 255;
        }
    }
  return out;
}

/** Applies one random draw of the domain changes to `img` (size x size, 0..1), in place. */
export function domainShift(img: Float32Array, size: number, cfg: DomainShiftConfig, rng: Rng): void {
  let a = img;
  if (cfg.gamma > 0) {
    const g = Math.exp(rng.uniform(-cfg.gamma, cfg.gamma));
    for (let i = 0; i < a.length; i++) a[i] = a[i] > 0 ? Math.min(1, a[i]) ** g : 0;
  }
  if (cfg.illumination > 0) {
    const angle = rng.uniform(0, 2 * Math.PI);
    const amp = rng.uniform(0, cfg.illumination);
    const dx = Math.cos(angle);
    const dy = Math.sin(angle);
    const c = (size - 1) / 2;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) a[y * size + x] += (amp * ((x - c) * dx + (y - c) * dy)) / (size - 1);
  }
  const blurred = rng.float() < cfg.blur.p;
  if (blurred) a = gaussianBlur(a, size, rng.uniform(0.3, Math.max(0.3, cfg.blur.maxSigma)));
  else if (rng.float() < cfg.sharpen.p) {
    const amount = rng.uniform(0, cfg.sharpen.maxAmount);
    const soft = gaussianBlur(a, size, 1);
    for (let i = 0; i < a.length; i++) a[i] += amount * (a[i] - soft[i]);
  }
  for (let i = 0; i < a.length; i++) a[i] = Math.min(1, Math.max(0, a[i]));
  if (rng.float() < cfg.jpeg.p)
    a = jpegRoundTrip(a, size, rng.uniform(cfg.jpeg.minQuality, cfg.jpeg.maxQuality));
  if (cfg.noise > 0) {
    const sigma = rng.uniform(0, cfg.noise);
    for (let i = 0; i < a.length; i++) a[i] += sigma * rng.normal();
  }
  if (a !== img) img.set(a);
}
