/** The prediction recipe: checked options, and each of its parts applied by one function. */
import { describe, expect, it } from 'vitest';
import {
  networkProbabilities,
  predictionRecipe,
  recipePriorWeight,
  withFaceApiShare,
} from '../../src/infer/recipe.js';

const prior = { train: [0.5, 0.3, 0.2], raw: 1, weight: 0.5 };

describe('predictionRecipe', () => {
  it('defaults to no flip, the model prior and no FaceExpressionNet, and refuses bad values', () => {
    expect(predictionRecipe()).toEqual({ flipTta: false, faceApiWeight: 0 });
    expect(predictionRecipe({ flipTta: true, priorWeight: 0, faceApiWeight: 0.25 })).toEqual({
      flipTta: true,
      priorWeight: 0,
      faceApiWeight: 0.25,
    });
    expect(() => predictionRecipe({ priorWeight: -1 })).toThrow(
      /priorWeight must be a number of 0 or more, got -1/,
    );
    expect(() => predictionRecipe({ priorWeight: Number.NaN })).toThrow(RangeError);
    expect(() => predictionRecipe({ faceApiWeight: 2 })).toThrow(/faceApiWeight must be in 0..1/);
  });

  it('records the prior weight used: the recipe’s, else the model’s, absent without a prior', () => {
    expect(recipePriorWeight(predictionRecipe(), prior)).toBe(0.5);
    expect(recipePriorWeight(predictionRecipe({ priorWeight: 0 }), prior)).toBe(0);
    expect(recipePriorWeight(predictionRecipe(), undefined)).toBeUndefined();
  });

  it('shifts by the prior, averages the mirrored faces, mixes FaceExpressionNet in', () => {
    const logits = () => Float32Array.from([0, 0, 0, 2, 0, 0]);
    const flat = networkProbabilities(predictionRecipe({ priorWeight: 1 }), prior, 3, logits());
    // Weight 1 over a raw weight of 1: no shift, the plain softmax of equal logits.
    expect(Array.from(flat.subarray(0, 3))).toEqual([1 / 3, 1 / 3, 1 / 3].map((v) => Math.fround(v)));
    const even = networkProbabilities(predictionRecipe({ priorWeight: 0 }), prior, 3, logits());
    // Weight 0: the logits lose log(prior), so the rarest class gains.
    expect(even[2]).toBeGreaterThan(even[0]);
    const mirrored = Float32Array.from([0, 0, 0, 0, 0, 2]);
    const tta = predictionRecipe({ flipTta: true, priorWeight: 1 });
    const avg = networkProbabilities(tta, prior, 3, logits(), mirrored);
    expect(avg[3]).toBeCloseTo(avg[5], 6);
    expect(() => networkProbabilities(tta, prior, 3, logits())).toThrow(/mirrored/);
    const probs = Float32Array.from([1, 0, 0]);
    expect(withFaceApiShare(predictionRecipe(), probs, undefined)).toBe(probs);
    const mixed = withFaceApiShare(
      predictionRecipe({ faceApiWeight: 0.25 }),
      probs,
      Float32Array.from([0, 1, 0]),
    );
    expect(Array.from(mixed)).toEqual([0.75, 0.25, 0]);
    expect(() => withFaceApiShare(predictionRecipe({ faceApiWeight: 0.25 }), probs, undefined)).toThrow(
      /faceApi/,
    );
  });
});
