/** Augmentation toward other domains: each change against its definition, and the default recipe untouched. */
import { describe, expect, it } from 'vitest';
import { augmentImage, DEFAULT_AUGMENT } from '../../../src/lab/train/augment.js';
import {
  DEFAULT_DOMAIN_SHIFT,
  type DomainShiftConfig,
  domainShift,
  gaussianBlur,
  jpegRoundTrip,
  quantTable,
} from '../../../src/lab/train/domain-shift.js';
import { Rng } from '../../../src/util/rng.js';

const S = 48;
const OFF: DomainShiftConfig = {
  gamma: 0,
  illumination: 0,
  blur: { p: 0, maxSigma: 0 },
  sharpen: { p: 0, maxAmount: 0 },
  jpeg: { p: 0, minQuality: 50, maxQuality: 50 },
  noise: 0,
};
const smooth = () => Float32Array.from({ length: S * S }, (_, i) => 0.2 + 0.6 * ((i % S) / (S - 1)));
const checker = () => Float32Array.from({ length: S * S }, (_, i) => ((i % S) + Math.floor(i / S)) % 2);
const variance = (a: Float32Array) => {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length;
};

describe('domain shift', () => {
  it('changes nothing when every change is off', () => {
    const img = smooth();
    domainShift(img, S, OFF, new Rng(1));
    expect(Array.from(img)).toEqual(Array.from(smooth()));
  });

  it('blurs by a normalised Gaussian: constants stay, a checkerboard flattens', () => {
    const flat = new Float32Array(S * S).fill(0.4);
    for (const v of gaussianBlur(flat, S, 1)) expect(v).toBeCloseTo(0.4, 6);
    expect(variance(gaussianBlur(checker(), S, 1))).toBeLessThan(0.01 * variance(checker()));
  });

  it('JPEG: the libjpeg tables, near-identity at quality 100, the error growing as the quality falls', () => {
    expect(quantTable(50)[0]).toBe(16);
    expect(quantTable(100).every((q) => q === 1)).toBe(true);
    expect(quantTable(10)[0]).toBe(80);
    const img = smooth();
    const hi = jpegRoundTrip(img, S, 100);
    for (let i = 0; i < img.length; i++) expect(Math.abs(hi[i] - img[i])).toBeLessThanOrEqual(1.5 / 255);
    // The error grows as the quality falls.
    const rng = new Rng(2);
    const noisy = Float32Array.from({ length: S * S }, () => rng.float());
    const err = (q: number) => {
      const out = jpegRoundTrip(noisy, S, q);
      return out.reduce((s, v, i) => s + Math.abs(v - noisy[i]), 0) / out.length;
    };
    expect(err(100)).toBeLessThan(err(80));
    expect(err(80)).toBeLessThan(err(30));
    expect(err(30)).toBeLessThan(err(5));
    expect(() => jpegRoundTrip(new Float32Array(100), 10, 50)).toThrow(/multiple of 8/);
  });

  it('gamma keeps the order of grey levels and the ends of the range', () => {
    const ramp = Float32Array.from({ length: S * S }, (_, i) => i / (S * S - 1));
    domainShift(ramp, S, { ...OFF, gamma: 0.5 }, new Rng(4));
    for (let i = 1; i < ramp.length; i++) expect(ramp[i]).toBeGreaterThanOrEqual(ramp[i - 1]);
    expect(ramp[0]).toBe(0);
    expect(ramp[ramp.length - 1]).toBeCloseTo(1, 6);
  });

  it('lights one side: a flat face becomes a plane no steeper than the amplitude', () => {
    const img = new Float32Array(S * S).fill(0.5);
    domainShift(img, S, { ...OFF, illumination: 0.3 }, new Rng(9));
    const range = Math.max(...img) - Math.min(...img);
    expect(range).toBeGreaterThan(0);
    expect(range).toBeLessThanOrEqual(0.3 * Math.SQRT2 + 1e-6);
    // A plane: second differences vanish along rows and columns.
    for (let y = 0; y < S; y++)
      for (let x = 1; x < S - 1; x++)
        expect(img[y * S + x - 1] - 2 * img[y * S + x] + img[y * S + x + 1]).toBeCloseTo(0, 5);
  });

  it('is deterministic in its random draws', () => {
    const a = smooth();
    const b = smooth();
    domainShift(a, S, DEFAULT_DOMAIN_SHIFT, new Rng(7));
    domainShift(b, S, DEFAULT_DOMAIN_SHIFT, new Rng(7));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('leaves the default recipe as it was, and changes the faces when on', () => {
    const face = Uint8Array.from({ length: S * S }, (_, i) => (i * 7 + Math.floor(i / S) * 3) % 256);
    const plain = new Float32Array(S * S);
    const shifted = new Float32Array(S * S);
    expect(DEFAULT_AUGMENT.domain).toBeUndefined();
    augmentImage(face, S, DEFAULT_AUGMENT, new Rng(3), plain);
    augmentImage(face, S, { ...DEFAULT_AUGMENT, domain: DEFAULT_DOMAIN_SHIFT }, new Rng(3), shifted);
    expect(Array.from(shifted)).not.toEqual(Array.from(plain));
    for (const v of shifted) expect(Number.isFinite(v)).toBe(true);
  });
});
