/**
 * The class prior of a model's predictions (browser-safe). A classifier's logits carry the class
 * frequencies of its training data as log-prior offsets: with weight 1 after plain cross-entropy, with
 * weight 1 - tau after the logit-adjusted loss (tau 1: none, the class-balanced posterior). Shifting the
 * logits by (w - raw) * log(prior) makes predictions assume the prior to the power w: w = 1 expects
 * FERPlus's frequencies (35% neutral, under 1% disgust and contempt), w = 0 every class alike, which suits
 * faces from other sources, posed or filtered, better.
 */

import { softmaxRows } from '../util/probabilities.js';

export interface ClassPrior {
  /** Class frequencies of the training targets (the mean target distribution), in the model's class order. */
  train: number[];
  /** Weight of log(train) in the raw logits. */
  raw: number;
  /** The weight predictions use unless told otherwise. */
  weight: number;
}

/** The smallest frequency a class is given, so that a class absent from training stays finite. */
export const MIN_PRIOR = 1e-4;

/** Offsets to add to the logits so that predictions assume the prior with weight `weight` (default: the model's). */
export function priorShift(prior: ClassPrior | undefined, weight?: number): Float32Array | undefined {
  if (!prior) {
    if (weight !== undefined) throw new Error('the model has no class prior to weigh (model.json "prior")');
    return undefined;
  }
  const w = weight ?? prior.weight;
  if (!Number.isFinite(w)) throw new RangeError(`prior weight must be a number, got ${w}`);
  if (w === prior.raw) return undefined;
  return Float32Array.from(prior.train, (p) => (w - prior.raw) * Math.log(Math.max(p, MIN_PRIOR)));
}

/** Adds per-class offsets to every row of `logits` (rows of `shift.length` values), in place. */
export function shiftLogits(logits: Float32Array, shift: Float32Array | undefined): Float32Array {
  if (!shift) return logits;
  const k = shift.length;
  for (let i = 0; i < logits.length; i++) logits[i] += shift[i % k];
  return logits;
}

/**
 * Class probabilities from logits (n x classes, consumed): shifted by the prior offsets, soft-maxed, and
 * averaged with those of the mirrored faces when their logits are given (flip test-time augmentation).
 */
export function logitsToProbabilities(
  logits: Float32Array,
  classes: number,
  shift: Float32Array | undefined,
  mirrored?: Float32Array,
): Float32Array {
  const p = softmaxRows(shiftLogits(logits, shift), classes);
  if (mirrored) {
    const q = softmaxRows(shiftLogits(mirrored, shift), classes);
    for (let i = 0; i < p.length; i++) p[i] = (p[i] + q[i]) / 2;
  }
  return p;
}
