import { describe, expect, it } from 'vitest';
import {
  augmentImage,
  DEFAULT_AUGMENT,
  IDENTITY_WARP,
  NO_AUGMENT,
  warpImage,
} from '../../../src/lab/train/augment.js';
import { learningRate } from '../../../src/lab/train/schedule.js';
import { mixSeed } from '../../../src/lab/train/trainer.js';
import { flipHorizontal, normalizePixels } from '../../../src/model/preprocess.js';
import { Rng } from '../../../src/util/rng.js';

const S = 48;
const face = Uint8Array.from({ length: S * S }, (_, i) => (i * 7 + Math.floor(i / S) * 3) % 256);

describe('warpImage', () => {
  it('is plain normalisation at identity, a mirror with flip, and moves content by a shift', () => {
    const ref = normalizePixels(face);
    const out = new Float32Array(S * S);
    warpImage(face, S, IDENTITY_WARP, out);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(ref[i], 5);
    warpImage(face, S, { ...IDENTITY_WARP, flip: true }, out);
    const mirrored = flipHorizontal(ref, S);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(mirrored[i], 5);
    warpImage(face, S, { ...IDENTITY_WARP, tx: 2, ty: 1 }, out);
    expect(out[10 * S + 12]).toBeCloseTo(ref[9 * S + 10], 5);
  });
});

describe('augmentImage', () => {
  it('without augmentation equals plain normalisation', () => {
    const out = new Float32Array(S * S);
    augmentImage(face, S, NO_AUGMENT, new Rng(1), out);
    const ref = normalizePixels(face);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(ref[i], 5);
  });

  it('with only a flip mirrors the face', () => {
    const out = new Float32Array(S * S);
    const ref = normalizePixels(face);
    let flipped = 0;
    for (let seed = 0; seed < 8; seed++) {
      augmentImage(face, S, { ...NO_AUGMENT, flip: true }, new Rng(seed), out);
      const mirrored = out.every(
        (v, i) => Math.abs(v - ref[Math.floor(i / S) * S + (S - 1 - (i % S))]) < 1e-4,
      );
      const same = out.every((v, i) => Math.abs(v - ref[i]) < 1e-4);
      expect(mirrored || same).toBe(true);
      if (mirrored) flipped++;
    }
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(8);
  });

  it('random erasing fills one rectangle with a constant', () => {
    const out = new Float32Array(S * S);
    augmentImage(
      face,
      S,
      { ...NO_AUGMENT, erase: { p: 1, minArea: 0.1, maxArea: 0.1, minAspect: 1 } },
      new Rng(3),
      out,
    );
    const ref = normalizePixels(face);
    const changed = Array.from(out.keys()).filter((i) => Math.abs(out[i] - ref[i]) > 1e-4);
    const fill = out[changed[0]];
    expect(changed.every((i) => out[i] === fill)).toBe(true);
    // About 10% of the face (a 15x15 square), give or take pixels equal to the fill already.
    expect(changed.length).toBeGreaterThan(200);
    expect(changed.length).toBeLessThanOrEqual(15 * 15);
  });

  it('is deterministic for a seed and varies between seeds', () => {
    const a = new Float32Array(S * S);
    const b = new Float32Array(S * S);
    const c = new Float32Array(S * S);
    augmentImage(face, S, DEFAULT_AUGMENT, new Rng(mixSeed(1, 2, 3)), a);
    augmentImage(face, S, DEFAULT_AUGMENT, new Rng(mixSeed(1, 2, 3)), b);
    augmentImage(face, S, DEFAULT_AUGMENT, new Rng(mixSeed(1, 2, 4)), c);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});

describe('learningRate', () => {
  it('warms up linearly, then decays by a cosine to final x base', () => {
    const s = { base: 0.1, warmupEpochs: 1, final: 0.01 };
    expect(learningRate(s, 0, 10, 5)).toBeCloseTo(0.01, 10);
    expect(learningRate(s, 9, 10, 5)).toBeCloseTo(0.1, 10);
    expect(learningRate(s, 10, 10, 5)).toBeCloseTo(0.1, 10);
    expect(learningRate(s, 30, 10, 5)).toBeCloseTo(0.1 * (0.01 + 0.99 * 0.5), 10);
    expect(learningRate(s, 50, 10, 5)).toBeCloseTo(0.001, 10);
  });
});
