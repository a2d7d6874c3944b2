/**
 * The prediction recipe: how a model's outputs on a face become the probabilities a user gets. The class
 * prior's weight, flip test-time augmentation and face-api.js's FaceExpressionNet share are applied by the
 * functions below and nowhere else, by `recognize()` (Node and browser) and by evaluation and the worker
 * pool alike, so that an evaluation measures exactly what users get. Browser-safe.
 */

import { checkFaceApiWeight } from '../face/face-expression-net.js';
import { type ClassPrior, logitsToProbabilities, priorShift } from '../model/prior.js';
import { mixRows } from '../util/probabilities.js';

export interface PredictionRecipe {
  /** Average with the mirrored face's probabilities (flip test-time augmentation). */
  flipTta: boolean;
  /**
   * Weight of the training data's class frequencies (model/prior.ts): 1 as in FERPlus, 0 every emotion
   * alike a priori; absent: the model's own (`prior.weight` in model.json).
   */
  priorWeight?: number;
  /** Share of FaceExpressionNet in the probabilities, 0..1 (0: the model alone). */
  faceApiWeight: number;
}

/** The recipe of a set of options, checked: flip TTA off, the model's prior and no FaceExpressionNet unless told. */
export function predictionRecipe(
  options: { flipTta?: boolean; priorWeight?: number; faceApiWeight?: number } = {},
): PredictionRecipe {
  const recipe: PredictionRecipe = {
    flipTta: options.flipTta === true,
    faceApiWeight: checkFaceApiWeight(options.faceApiWeight),
  };
  const w = options.priorWeight;
  if (w !== undefined) {
    if (!(Number.isFinite(w) && w >= 0))
      throw new RangeError(`priorWeight must be a number of 0 or more, got ${w}`);
    recipe.priorWeight = w;
  }
  return recipe;
}

/** The prior weight a model's predictions use under the recipe (absent: the model records no prior). */
export function recipePriorWeight(
  recipe: PredictionRecipe,
  prior: ClassPrior | undefined,
): number | undefined {
  return recipe.priorWeight ?? prior?.weight;
}

/**
 * The network's part of the recipe: its logits (n x classes, consumed) shifted to the recipe's prior
 * weight and soft-maxed, averaged with the mirrored faces' when the recipe flips (their logits are needed then).
 */
export function networkProbabilities(
  recipe: PredictionRecipe,
  prior: ClassPrior | undefined,
  classes: number,
  logits: Float32Array,
  mirrored?: Float32Array,
): Float32Array {
  if (recipe.flipTta && !mirrored) throw new Error("flip TTA needs the mirrored faces' logits");
  const shift = priorShift(prior, recipe.priorWeight);
  return logitsToProbabilities(logits, classes, shift, recipe.flipTta ? mirrored : undefined);
}

/**
 * FaceExpressionNet's part: (1 - w) x `probs` + w x `faceApi` (its probabilities of the same faces, in
 * FERPlus order), w the recipe's share. Returns `probs` itself at share 0, when `faceApi` is not needed.
 */
export function withFaceApiShare(
  recipe: PredictionRecipe,
  probs: Float32Array,
  faceApi: Float32Array | undefined,
): Float32Array {
  if (recipe.faceApiWeight === 0) return probs;
  if (!faceApi) throw new Error('faceApiWeight needs FaceExpressionNet loaded (faceApi)');
  return mixRows(probs, faceApi, recipe.faceApiWeight);
}
