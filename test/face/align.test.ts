import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignFace,
  alignmentTransform,
  applyAffine,
  FERPLUS_FRAMING,
  invertAffine,
  type SourceImage,
  warpGrey,
} from '../../src/face/align.js';

/** 68 landmarks whose eye and mouth centres are at the given points (all points of a group coincide). */
function landmarksAt(le: [number, number], re: [number, number], mouth: [number, number]): Float32Array {
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    const p = i >= 36 && i < 42 ? le : i >= 42 && i < 48 ? re : i >= 48 ? mouth : [0, 0];
    lm[2 * i] = p[0];
    lm[2 * i + 1] = p[1];
  }
  return lm;
}

describe('alignment', () => {
  it('maps a face already in FERPlus framing onto itself', () => {
    const s = 48;
    const f = FERPLUS_FRAMING;
    const lm = landmarksAt(
      [f.leftEye[0] * s, f.leftEye[1] * s],
      [f.rightEye[0] * s, f.rightEye[1] * s],
      [f.mouth[0] * s, f.mouth[1] * s],
    );
    const m = alignmentTransform(lm, s);
    // Nearly the identity: the template's eyes are level to within 0.0016 of a side.
    expect(m[0]).toBeCloseTo(1, 2);
    expect(m[4]).toBeCloseTo(1, 2);
    expect(Math.abs(m[2])).toBeLessThan(0.2);
    expect(Math.abs(m[5])).toBeLessThan(0.2);
  });

  it('levels tilted eyes and scales by the face size', () => {
    // A face twice the FERPlus size, rotated by 30 degrees about (200, 100).
    const f = FERPLUS_FRAMING;
    const angle = Math.PI / 6;
    const place = ([x, y]: readonly number[]): [number, number] => {
      const u = (x - 0.5) * 96;
      const v = (y - 0.5) * 96;
      return [
        200 + Math.cos(angle) * u - Math.sin(angle) * v,
        100 + Math.sin(angle) * u + Math.cos(angle) * v,
      ];
    };
    const lm = landmarksAt(place(f.leftEye), place(f.rightEye), place(f.mouth));
    const m = alignmentTransform(lm, 48);
    const le = applyAffine(m, lm[72], lm[73]);
    const re = applyAffine(m, lm[84], lm[85]);
    expect(le[1]).toBeCloseTo(re[1], 6);
    expect(Math.hypot(m[0], m[3])).toBeCloseTo(0.5, 4);
    expect(le[0] / 48).toBeCloseTo(f.leftEye[0], 2);
    expect(re[0] / 48).toBeCloseTo(f.rightEye[0], 2);
  });

  it('inverts affine maps', () => {
    const m: [number, number, number, number, number, number] = [0.8, -0.3, 5, 0.3, 0.8, -2];
    const inv = invertAffine(m);
    const [x, y] = applyAffine(inv, ...applyAffine(m, 12.5, -7));
    expect(x).toBeCloseTo(12.5, 9);
    expect(y).toBeCloseTo(-7, 9);
  });

  it('rejects degenerate landmarks', () => {
    expect(() => alignmentTransform(new Float32Array(136), 48)).toThrow(/degenerate/);
    expect(() => alignmentTransform(new Float32Array(10), 48)).toThrow(/68/);
  });

  it('resamples exactly under the identity and averages when shrinking', () => {
    const w = 6;
    const grey = Float32Array.from({ length: w * w }, (_, i) => i * 7);
    const image = { data: grey, width: w, height: w, channels: 1 as const };
    const same = warpGrey(image, [1, 0, 0, 0, 1, 0], w);
    expect(Array.from(same)).toEqual(Array.from(grey, Math.round));
    // Halving: each output pixel is the mean of a 2x2 block (k = 2 samples at the block's pixel centres).
    const half = warpGrey(image, [2, 0, 0, 0, 2, 0], 3);
    const block = (r: number, c: number) =>
      (grey[2 * r * w + 2 * c] +
        grey[2 * r * w + 2 * c + 1] +
        grey[(2 * r + 1) * w + 2 * c] +
        grey[(2 * r + 1) * w + 2 * c + 1]) /
      4;
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) expect(half[r * 3 + c]).toBe(Math.round(block(r, c)));
  });

  it('returns landmarks in face coordinates', () => {
    const lm = landmarksAt([80, 60], [120, 60], [100, 104]);
    const grey = new Float32Array(200 * 200).fill(128);
    const face = alignFace({ data: grey, width: 200, height: 200, channels: 1 }, lm, 48);
    expect(face.pixels.length).toBe(48 * 48);
    expect(face.pixels.every((v) => v === 128)).toBe(true);
    expect(face.landmarks[73]).toBeCloseTo(face.landmarks[85], 6);
    const [x, y] = applyAffine(face.faceToImage, face.landmarks[72] * 48, face.landmarks[73] * 48);
    expect(x).toBeCloseTo(80, 4);
    expect(y).toBeCloseTo(60, 4);
  });
});

describe('warpGrey on RGB', () => {
  it('samples BT.601 luma of RGB pixels', () => {
    const rgb = new Uint8Array(4 * 4 * 3);
    for (let i = 0; i < 16; i++) rgb.set([200, 100, 50], 3 * i);
    const out = warpGrey({ data: rgb, width: 4, height: 4, channels: 3 }, [1, 0, 0, 0, 1, 0], 4);
    expect(Array.from(out)).toEqual(new Array(16).fill(Math.round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)));
  });
});

/** The resampling by definition: k x k bilinear samples per pixel, each reading the image's grey on the fly. */
function warpReference(image: SourceImage, m: number[], size: number): Uint8Array {
  const { data, width, height, channels } = image;
  const grey = (i: number) =>
    channels === 1 ? data[i] : 0.299 * data[3 * i] + 0.587 * data[3 * i + 1] + 0.114 * data[3 * i + 2];
  const [a, b, c, d, e, f] = m;
  const k = Math.min(16, Math.max(1, Math.ceil(Math.hypot(a, d))));
  const sample = (x: number, y: number) => {
    const sx = Math.min(width - 1, Math.max(0, x - 0.5));
    const sy = Math.min(height - 1, Math.max(0, y - 0.5));
    const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
    const [x1, y1] = [Math.min(width - 1, x0 + 1), Math.min(height - 1, y0 + 1)];
    const [fx, fy] = [sx - x0, sy - y0];
    const top = grey(y0 * width + x0) * (1 - fx) + grey(y0 * width + x1) * fx;
    const bottom = grey(y1 * width + x0) * (1 - fx) + grey(y1 * width + x1) * fx;
    return top * (1 - fy) + bottom * fy;
  };
  const out = new Uint8Array(size * size);
  for (let oy = 0; oy < size; oy++)
    for (let ox = 0; ox < size; ox++) {
      let sum = 0;
      for (let j = 0; j < k; j++)
        for (let i = 0; i < k; i++) {
          const [u, v] = [ox + (i + 0.5) / k, oy + (j + 0.5) / k];
          sum += sample(a * u + b * v + c, d * u + e * v + f);
        }
      out[oy * size + ox] = Math.round(sum / (k * k));
    }
  return out;
}

describe('warpGrey against its definition', () => {
  it('gives the same pixels for any similarity transform, faces reaching past the image included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<1 | 3>(1, 3),
        fc.double({ min: 0.05, max: 5, noNaN: true }),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.double({ min: -30, max: 60, noNaN: true }),
        fc.double({ min: -30, max: 60, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (width, height, channels, scale, angle, tx, ty, seed) => {
          const data = Uint8Array.from(
            { length: width * height * channels },
            (_, i) => (i * 37 + seed) % 256,
          );
          const image = { data, width, height, channels };
          const m = [
            scale * Math.cos(angle),
            -scale * Math.sin(angle),
            tx,
            scale * Math.sin(angle),
            scale * Math.cos(angle),
            ty,
          ] as [number, number, number, number, number, number];
          expect(Array.from(warpGrey(image, m, 12))).toEqual(Array.from(warpReference(image, m, 12)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
