/** The class prior of predictions: the shift against hand computation, and its use in EmotionNet. */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { EmotionNet } from '../../src/infer/emotion-net.js';
import { defaultModelDir } from '../../src/infer/face-model.js';
import { loadModel } from '../../src/model/io.js';
import { logitsToProbabilities, MIN_PRIOR, priorShift, shiftLogits } from '../../src/model/prior.js';

describe('priorShift', () => {
  const prior = { train: [0.5, 0.3, 0.2, 0], raw: 1, weight: 1 };

  it('is nothing at the raw weight, (w - raw) log(prior) otherwise', () => {
    expect(priorShift(prior)).toBeUndefined();
    expect(priorShift(prior, 1)).toBeUndefined();
    const s = priorShift(prior, 0.5);
    expect(Array.from(s ?? [])).toEqual(
      [0.5, 0.3, 0.2, MIN_PRIOR].map((p) => Math.fround(-0.5 * Math.log(p))),
    );
    // A balanced model (raw 0) moved to FERPlus's frequencies.
    const up = priorShift({ ...prior, raw: 0, weight: 0 }, 1);
    expect(up?.[0]).toBeCloseTo(Math.log(0.5), 6);
    expect(priorShift({ ...prior, weight: 0 })?.[1]).toBeCloseTo(-Math.log(0.3), 6);
  });

  it('refuses a weight for a model without a prior', () => {
    expect(priorShift(undefined)).toBeUndefined();
    expect(() => priorShift(undefined, 0.5)).toThrow(/no class prior/);
  });

  it('adds the shift to every row', () => {
    const logits = Float32Array.from([1, 2, 3, 4, 5, 6]);
    shiftLogits(logits, Float32Array.from([10, 20, 30]));
    expect(Array.from(logits)).toEqual([11, 22, 33, 14, 25, 36]);
  });
});

describe('EmotionNet with a prior weight', () => {
  it('moves probability from the frequent classes to the rare ones as the weight falls', async () => {
    await initBackend('wasm');
    const model = await loadModel(defaultModelDir());
    expect(model.manifest.prior?.raw).toBe(1);
    const net = new EmotionNet(model);
    const faces = new Uint8Array(2 * 48 * 48).map((_, i) => (i * 37) % 256);
    // No weight given: the model's own (prior.weight).
    const plain = net.predict(faces);
    const same = net.predict(faces, { priorWeight: model.manifest.prior?.weight });
    expect(Array.from(same.probs)).toEqual(Array.from(plain.probs));
    const full = net.predict(faces, { priorWeight: 1 });
    const flat = net.predict(faces, { priorWeight: 0 });
    // Softmax of logits - log(prior): each probability ratio changes by the ratio of the priors.
    const p = model.manifest.prior?.train ?? [];
    const r = (probs: Float32Array, a: number, b: number) => probs[a] / probs[b];
    expect(r(flat.probs, 5, 0) / r(full.probs, 5, 0)).toBeCloseTo(p[0] / p[5], 2);
    net.dispose();
  });
});

describe('logitsToProbabilities', () => {
  it('shifts, soft-maxes, and averages with the mirrored faces when given', () => {
    const shift = Float32Array.from([Math.log(2), 0]);
    // Logits (0, 0) shifted to (log 2, 0): probabilities (2/3, 1/3).
    const p = logitsToProbabilities(Float32Array.from([0, 0]), 2, shift);
    expect(p[0]).toBeCloseTo(2 / 3, 6);
    const avg = logitsToProbabilities(
      Float32Array.from([0, 0]),
      2,
      undefined,
      Float32Array.from([Math.log(3), 0]),
    );
    // (1/2, 1/2) and (3/4, 1/4) average to (5/8, 3/8).
    expect(avg[0]).toBeCloseTo(5 / 8, 6);
    expect(avg[1]).toBeCloseTo(3 / 8, 6);
  });
});
