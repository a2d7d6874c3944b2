/** The logit-adjusted loss: the class prior of a training set, the offsets, and the loss against hand computation. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ranLoss } from '../../src/model/ran.js';
import { balancedNetwork, classPrior, logitAdjustment, MIN_PRIOR } from '../../src/train/balance.js';
import { onBackend, values } from '../engine/backends.js';
import { TINY_RAN } from '../helpers.js';

describe('class balance', () => {
  it('takes the prior as the mean target distribution', () => {
    // Three faces, 3 classes: one-hot 0, one-hot 0, PLD (0, 0.5, 0.5).
    const prior = classPrior(Float32Array.from([1, 0, 0, 1, 0, 0, 0, 0.5, 0.5]), 3);
    expect(prior[0]).toBeCloseTo(2 / 3, 7);
    expect(prior[1]).toBeCloseTo(1 / 6, 7);
    expect(prior[2]).toBeCloseTo(1 / 6, 7);
    expect(() => classPrior(new Float32Array(0), 3)).toThrow(/empty/);
  });

  it('offsets each logit by tau log(prior), absent classes kept finite', () => {
    expect(logitAdjustment([0.5, 0.25, 0], 1)).toEqual([
      Math.round(1e6 * Math.log(0.5)) / 1e6,
      Math.round(1e6 * Math.log(0.25)) / 1e6,
      Math.round(1e6 * Math.log(MIN_PRIOR)) / 1e6,
    ]);
    expect(logitAdjustment([0.5, 0.5], 0.5)[0]).toBeCloseTo(0.5 * Math.log(0.5), 6);
  });

  it('sets the adjustment on a RAN only when tau is not 0', () => {
    const targets = Float32Array.from({ length: 16 }, (_, i) => (i % 8 === 0 ? 1 : 0));
    expect(balancedNetwork(TINY_RAN, undefined, targets)).toBe(TINY_RAN);
    expect(balancedNetwork(TINY_RAN, { tau: 0 }, targets)).toBe(TINY_RAN);
    const net = balancedNetwork(TINY_RAN, { tau: 1 }, targets);
    expect(net.kind === 'ran' && net.logitAdjust).toEqual(logitAdjustment([1, 0, 0, 0, 0, 0, 0, 0], 1));
    expect(TINY_RAN.logitAdjust).toBeUndefined();
  });

  it('trains on shifted logits: the loss is the cross-entropy of logits + offsets', async () => {
    const logits = [
      [2, 0, -1],
      [0, 1, 0],
    ];
    const targets = [
      [1, 0, 0],
      [0, 0.5, 0.5],
    ];
    const adjust = [Math.log(0.7), Math.log(0.2), Math.log(0.1)];
    const mu = [
      [0.6, 0.55],
      [0.2, 0.9],
    ];
    const config = { classes: 3, labelSmoothing: 0, rbLoss: { margin: 0.1, weight: 0 } };
    const [plain, adjusted] = await onBackend('cpu', () =>
      values(
        ranLoss(tf.tensor2d(logits), tf.tensor2d(mu), tf.tensor2d(targets), config),
        ranLoss(tf.tensor2d(logits), tf.tensor2d(mu), tf.tensor2d(targets), {
          ...config,
          logitAdjust: adjust,
        }),
      ),
    );
    const ce = (shift: number[]) => {
      let sum = 0;
      logits.forEach((row, i) => {
        const z = row.map((v, c) => v + shift[c]);
        const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
        z.forEach((v, c) => {
          sum -= targets[i][c] * (v - lse);
        });
      });
      return sum;
    };
    expect(plain[0]).toBeCloseTo(ce([0, 0, 0]), 5);
    expect(adjusted[0]).toBeCloseTo(ce(adjust), 5);
    // The frequent class 0 earns less credit, so the rare classes' logits must rise to fit the same targets.
    expect(adjusted[0]).not.toBeCloseTo(plain[0], 2);
    await expect(
      onBackend('cpu', () =>
        values(
          ranLoss(tf.tensor2d(logits), tf.tensor2d(mu), tf.tensor2d(targets), {
            ...config,
            logitAdjust: [0],
          }),
        ),
      ),
    ).rejects.toThrow(/1 offsets for 3 classes/);
  });
});
