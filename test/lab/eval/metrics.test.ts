import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../../src/util/metrics.js';
import { argmaxRows, meanLogitRows, softmaxRows } from '../../../src/util/probabilities.js';

describe('classificationMetrics', () => {
  it('computes accuracy, per-class accuracy, macro-F1 and the confusion matrix by hand', () => {
    // classes 0..2; actual / predicted:
    const actual = [0, 0, 0, 1, 1, 2];
    const predicted = [0, 0, 1, 1, 2, 2];
    const m = classificationMetrics(actual, predicted, 3);
    expect(m.count).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 10);
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(m.perClassAccuracy).toEqual([2 / 3, 1 / 2, 1]);
    // F1: class 0: 2*2/(3+2) = 0.8; class 1: 2*1/(2+2) = 0.5; class 2: 2*1/(1+2) = 2/3.
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 10);
    expect(m.balancedAccuracy).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 10);
  });

  it('weighs every class alike in balanced accuracy, unlike accuracy', () => {
    // 9 of class 0 all right, 1 of class 1 wrong: accuracy 0.9, balanced accuracy 0.5.
    const actual = [...new Array(9).fill(0), 1];
    const predicted = new Array(10).fill(0);
    const m = classificationMetrics(actual, predicted, 2);
    expect(m.accuracy).toBeCloseTo(0.9, 10);
    expect(m.balancedAccuracy).toBeCloseTo(0.5, 10);
  });

  it('leaves classes without samples out of per-class accuracy and macro-F1', () => {
    const m = classificationMetrics([0, 1], [0, 1], 3);
    expect(Number.isNaN(m.perClassAccuracy[2])).toBe(true);
    expect(m.macroF1).toBe(1);
    expect(m.balancedAccuracy).toBe(1);
  });

  it('rejects mismatched lengths', () => {
    expect(() => classificationMetrics([0], [0, 1], 2)).toThrow(/differ/);
  });
});

describe('row helpers', () => {
  it('argmax and softmax per row', () => {
    expect(Array.from(argmaxRows(Float32Array.from([0.1, 0.7, 0.2, 3, 1, 2]), 3))).toEqual([1, 0]);
    const s = softmaxRows(Float32Array.from([0, Math.log(3), 1000, 1000]), 2);
    expect(s[0]).toBeCloseTo(0.25, 6);
    expect(s[1]).toBeCloseTo(0.75, 6);
    expect(s[2]).toBeCloseTo(0.5, 6);
  });
});

describe('meanLogitRows', () => {
  it('is the softmax of the mean logits, whatever each model adds to its own logits', () => {
    const a = [1, 2, -1, 0.5, 0, 3];
    const b = [0, -2, 4, 1, 1, 1];
    const probs = (logits: number[], offset: number) =>
      softmaxRows(
        Float32Array.from(logits, (v) => v + offset),
        3,
      );
    const out = meanLogitRows([probs(a, 5), probs(b, -7)], 3);
    const expected = softmaxRows(
      Float32Array.from(a, (v, i) => (v + b[i]) / 2),
      3,
    );
    for (let i = 0; i < 6; i++) expect(out[i]).toBeCloseTo(expected[i], 6);
    expect(() => meanLogitRows([], 3)).toThrow(/at least one member/);
    expect(() => meanLogitRows([probs(a, 0), probs([1, 2, 3], 0)], 3)).toThrow(/different sets/);
  });
});
