/** The logit-adjusted loss's inputs: the class prior of a training set and the offsets (the loss itself: model/ran.test.ts). */
import { describe, expect, it } from 'vitest';
import { balancedNetwork, classPrior, logitAdjustment, MIN_PRIOR } from '../../../src/lab/train/balance.js';
import { TINY_RAN } from '../../helpers.js';

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
});
