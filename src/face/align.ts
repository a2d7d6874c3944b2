/**
 * Alignment: a similarity transform (rotation, scale, shift) that levels the eyes and frames the face the
 * way FERPlus faces are framed, then an anti-aliased resample to the model's grey input.
 *
 * The framing template is measured, not guessed: `scripts/calibrate-framing.ts` runs face-api's 68-point
 * landmark network on 600 FER2013 training faces and takes the median eye and mouth centres (as fractions
 * of the 48x48 crop). The transform levels the eyes exactly and fits scale and shift to those three points
 * by least squares, so a turned face (short eye distance) is still framed by its eye-to-mouth height.
 */
import { RanferError } from '../util/errors.js';

/** Median landmark centres of FERPlus faces, as fractions of the crop (x right, y down). */
export const FERPLUS_FRAMING = {
  leftEye: [0.3034, 0.3706],
  rightEye: [0.6712, 0.369],
  mouth: [0.4913, 0.7604],
} as const;

/** Landmarks that do not define a face (eyes on one point, mouth above the eyes): no alignment exists. */
export class AlignmentError extends RanferError {
  override name = 'AlignmentError';
  constructor(message: string) {
    super(message, 'RANFER_ALIGNMENT');
  }
}

/** An affine map x' = a x + b y + c, y' = d x + e y + f as [a, b, c, d, e, f]. */
export type Affine = [number, number, number, number, number, number];

export interface AlignedFace {
  /** size x size grey pixels. */
  pixels: Uint8Array;
  size: number;
  /** The 68 landmarks in the aligned face, as fractions of its side (136 values). */
  landmarks: Float32Array;
  /** Maps aligned-face pixel coordinates to image pixel coordinates. */
  faceToImage: Affine;
}

function centre(landmarks: ArrayLike<number>, from: number, to: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i++) {
    x += landmarks[2 * i];
    y += landmarks[2 * i + 1];
  }
  return [x / (to - from), y / (to - from)];
}

/** The similarity transform taking image coordinates to aligned-face coordinates (side `size`). */
export function alignmentTransform(landmarks: ArrayLike<number>, size: number): Affine {
  if (landmarks.length !== 136)
    throw new Error(`expected 68 (x, y) landmarks, got ${landmarks.length / 2} points`);
  const src = [centre(landmarks, 36, 42), centre(landmarks, 42, 48), centre(landmarks, 48, 68)];
  const dst = [FERPLUS_FRAMING.leftEye, FERPLUS_FRAMING.rightEye, FERPLUS_FRAMING.mouth].map(
    ([x, y]) => [x * size, y * size] as const,
  );
  const angle = Math.atan2(src[1][1] - src[0][1], src[1][0] - src[0][0]);
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  const rotated = src.map(([x, y]) => [cos * x - sin * y, sin * x + cos * y] as const);
  const mean = (pts: readonly (readonly [number, number])[]) =>
    [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length] as const;
  const [pmx, pmy] = mean(rotated);
  const [qmx, qmy] = mean(dst);
  let num = 0;
  let den = 0;
  for (let i = 0; i < 3; i++) {
    const px = rotated[i][0] - pmx;
    const py = rotated[i][1] - pmy;
    num += px * (dst[i][0] - qmx) + py * (dst[i][1] - qmy);
    den += px * px + py * py;
  }
  if (!(den > 1e-6) || !(num > 0)) throw new AlignmentError('degenerate landmarks: cannot align the face');
  const s = num / den;
  return [s * cos, -s * sin, qmx - s * pmx, s * sin, s * cos, qmy - s * pmy];
}

/** The inverse of a (non-singular) affine map. */
export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new AlignmentError('singular transform');
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

/** Pixels to align from: grey (1 channel) or RGB (3, converted to BT.601 luma as sampled). */
export interface SourceImage {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * Resamples the image's grey values into a size x size image through `faceToImage`, averaging k x k
 * bilinear samples per output pixel (k = source pixels per output pixel, rounded up) so that downsizing
 * does not alias. Outside the image the nearest edge pixel is used. Only the pixels the face covers are
 * read (an RGB photo is not converted as a whole).
 */
export function warpGrey(image: SourceImage, faceToImage: Affine, size: number): Uint8Array {
  const { width, height } = image;
  const [a, b, c, d, e, f] = faceToImage;
  const step = Math.hypot(a, d);
  const k = Math.min(16, Math.max(1, Math.ceil(step)));
  // The grey values of the window the face's samples fall in, computed once each.
  const xs = [0, size].flatMap((u) => [0, size].map((v) => a * u + b * v + c));
  const ys = [0, size].flatMap((u) => [0, size].map((v) => d * u + e * v + f));
  // Sample indices are clamped into the image: the window spans the clamped extremes and one pixel more.
  const first = (vs: number[], n: number) => Math.floor(clamp(Math.min(...vs) - 0.5, 0, n - 1));
  const last = (vs: number[], n: number) =>
    Math.min(n - 1, Math.floor(clamp(Math.max(...vs) - 0.5, 0, n - 1)) + 1);
  const [left, right] = [first(xs, width), last(xs, width)];
  const [top, bottom] = [first(ys, height), last(ys, height)];
  const w = right - left + 1;
  const grey = greyWindow(image, left, top, w, bottom - top + 1);
  const out = new Uint8Array(size * size);
  const W1 = width - 1;
  const H1 = height - 1;
  // a * u and d * u of a pixel's k sample columns, and b * v and e * v of a sample row, hoisted out of the
  // sample loop (the sums keep their order, so the values are those of the full expressions).
  const au = new Float64Array(k);
  const du = new Float64Array(k);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      for (let i = 0; i < k; i++) {
        const u = ox + (i + 0.5) / k;
        au[i] = a * u;
        du[i] = d * u;
      }
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const v = oy + (j + 0.5) / k;
        const bv = b * v;
        const ev = e * v;
        for (let i = 0; i < k; i++) {
          // Continuous coordinates (pixel i spans [i, i + 1)) to sample indices, the nearest edge outside.
          let sx = au[i] + bv + c - 0.5;
          sx = sx < 0 ? 0 : Math.min(sx, W1);
          let sy = du[i] + ev + f - 0.5;
          sy = sy < 0 ? 0 : Math.min(sy, H1);
          const x0 = sx | 0;
          const y0 = sy | 0;
          const x1 = (x0 < W1 ? x0 + 1 : W1) - left;
          const y1 = (y0 < H1 ? y0 + 1 : H1) - top;
          const fx = sx - x0;
          const fy = sy - y0;
          const r0 = (y0 - top) * w;
          const r1 = y1 * w;
          const upper = grey[r0 + x0 - left] * (1 - fx) + grey[r0 + x1] * fx;
          const lower = grey[r1 + x0 - left] * (1 - fx) + grey[r1 + x1] * fx;
          sum += upper * (1 - fy) + lower * fy;
        }
      }
      out[oy * size + ox] = Math.round(sum / (k * k));
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** The grey values (BT.601 luma of RGB) of a window of the image, row by row. */
function greyWindow(image: SourceImage, left: number, top: number, w: number, h: number): Float64Array {
  const { data, width, channels } = image;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (top + y) * width + left + x;
      out[y * w + x] =
        channels === 1 ? data[i] : 0.299 * data[3 * i] + 0.587 * data[3 * i + 1] + 0.114 * data[3 * i + 2];
    }
  return out;
}

/** Aligns one face of an image given its 68 landmarks (image pixels). */
export function alignFace(image: SourceImage, landmarks: ArrayLike<number>, size = 48): AlignedFace {
  const imageToFace = alignmentTransform(landmarks, size);
  const faceToImage = invertAffine(imageToFace);
  const pixels = warpGrey(image, faceToImage, size);
  const local = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    const [x, y] = applyAffine(imageToFace, landmarks[2 * i], landmarks[2 * i + 1]);
    local[2 * i] = x / size;
    local[2 * i + 1] = y / size;
  }
  return { pixels, size, landmarks: local, faceToImage };
}
