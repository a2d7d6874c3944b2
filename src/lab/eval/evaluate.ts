/**
 * Evaluation of a saved model on FERPlus the way the paper measures it: majority-protocol accuracy
 * (8 classes) on a split, or on a challenge subset of the test split; per-class accuracy, macro-F1,
 * the confusion matrix and the mean attention weight of each region.
 */

import { EMOTIONS } from '../../data/emotions.js';
import type { BackendChoice } from '../../engine/backend.js';
import { modelDirs } from '../../infer/model-dir.js';
import { type PredictionRecipe, recipePriorWeight } from '../../infer/recipe.js';
import type { ModelWeights } from '../../model/format.js';
import { classificationMetrics } from '../../util/metrics.js';
import { argmaxRows } from '../../util/probabilities.js';
import type { Subset } from '../data/challenge.js';
import type { EvalSet } from '../data/face-set.js';
import { type FerSplit, IMAGE_SIZE, loadSplit, type Split } from '../data/ferplus.js';
import { buildEvalSet } from '../data/sets.js';
import { predictModels } from '../parallel/predict-models.js';
import { faceApiFor } from './face-api-mix.js';

export interface EvalReport {
  set: string;
  tta: boolean;
  /** The prior weight the predictions used (absent: the model has no recorded prior). */
  priorWeight?: number;
  /** The share of face-api.js's FaceExpressionNet in the probabilities (absent: none). */
  faceApiWeight?: number;
  count: number;
  accuracy: number;
  /** Mean of the per-class accuracies of the classes present (every class weighs alike). */
  balancedAccuracy: number;
  perClassAccuracy: Record<string, number | null>;
  macroF1: number;
  classes: string[];
  /** confusion[actual][predicted], in `classes` order. */
  confusion: number[][];
  /** Mean attention weight (mu * nu) of each region. */
  meanAttention?: Record<string, number>;
}

export interface EvalOptions {
  dataDir: string;
  cacheDir?: string;
  /** A model folder, or several (an ensemble: the mean of their logits). */
  modelDir: string | readonly string[];
  split: Split;
  /** Challenge subsets (of the test split) to report besides the split itself. */
  subsets: Subset[];
  /** How predictions are made: flip TTA, prior weight, FaceExpressionNet's share (as `recognize()` makes them). */
  recipe: PredictionRecipe;
  workers: number;
  backend?: BackendChoice;
  onProgress?: (done: number, total: number) => void;
}

/** Everything an evaluation saw: the split, each evaluated set, and the prediction of every image. */
export interface EvalDetails {
  reports: EvalReport[];
  split: FerSplit;
  sets: Array<{ name: string; set: EvalSet }>;
  /** Prediction rows: `row.get(image index)` is the row of `probs` / `attention`. */
  row: Map<number, number>;
  probs: Float32Array;
  attention?: Float32Array;
  regionNames: string[];
}

/** The metrics of one set of predictions (class indices in EMOTIONS order) as a report. */
export function metricsReport(
  set: string,
  tta: boolean,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): EvalReport {
  const m = classificationMetrics(actual, predicted, EMOTIONS.length);
  return {
    set,
    tta,
    count: m.count,
    accuracy: m.accuracy,
    balancedAccuracy: m.balancedAccuracy,
    perClassAccuracy: Object.fromEntries(
      EMOTIONS.map((e, i) => [e, Number.isNaN(m.perClassAccuracy[i]) ? null : m.perClassAccuracy[i]]),
    ),
    macroF1: m.macroF1,
    classes: [...EMOTIONS],
    confusion: m.confusion,
  };
}

/**
 * The recipe as a report records it: the prior weight the predictions used (the recipe's, else a single
 * model's own; absent when unknown) and FaceExpressionNet's share when it has one.
 */
export function recipeFields(
  recipe: PredictionRecipe,
  models: readonly ModelWeights[],
): Pick<EvalReport, 'priorWeight' | 'faceApiWeight'> {
  const w = models.length === 1 ? recipePriorWeight(recipe, models[0].manifest.prior) : recipe.priorWeight;
  return {
    ...(w === undefined ? {} : { priorWeight: w }),
    ...(recipe.faceApiWeight > 0 ? { faceApiWeight: recipe.faceApiWeight } : {}),
  };
}

/** Evaluates the split and the requested subsets with one pass over the images. */
export async function evaluateModel(o: EvalOptions): Promise<EvalReport[]> {
  return (await evaluateModelDetailed(o)).reports;
}

/** As `evaluateModel`, keeping the per-image predictions (for reports and galleries). */
export async function evaluateModelDetailed(o: EvalOptions): Promise<EvalDetails> {
  const split = (await loadSplit(o.dataDir, o.split, { cacheDir: o.cacheDir })).data;
  const sets: Array<{ name: string; set: EvalSet }> = [
    { name: o.split, set: await buildEvalSet(o.dataDir, split) },
  ];
  for (const s of o.subsets) sets.push({ name: s, set: await buildEvalSet(o.dataDir, split, s) });
  // Predict every image any set needs, once.
  const all = Int32Array.from(new Set(sets.flatMap((s) => Array.from(s.set.indices))));
  const row = new Map(Array.from(all, (img, i) => [img, i]));
  const pred = await predictModels(
    modelDirs(o.modelDir),
    { pixels: split.pixels, size: IMAGE_SIZE, indices: all },
    { ...o, faceApi: await faceApiFor(o.recipe, o.backend) },
  );
  const model = pred.models[0];
  const top = argmaxRows(pred.probs, pred.classes);
  const network = model.manifest.network;
  const regionNames = network.kind === 'ran' ? network.regions.map((r) => r.name) : [];
  const reports = sets.map(({ name, set }) => {
    const predicted = Array.from(set.indices, (img) => top[row.get(img) ?? -1]);
    const report = {
      ...metricsReport(name, o.recipe.flipTta, set.labels, predicted),
      ...recipeFields(o.recipe, pred.models),
    };
    if (pred.attention && pred.regions === regionNames.length) {
      const sums = new Array<number>(pred.regions).fill(0);
      for (const img of set.indices) {
        const r = row.get(img) ?? 0;
        for (let k = 0; k < pred.regions; k++) sums[k] += pred.attention[r * pred.regions + k];
      }
      report.meanAttention = Object.fromEntries(regionNames.map((n, k) => [n, sums[k] / set.indices.length]));
    }
    return report;
  });
  return {
    reports,
    split,
    sets,
    row,
    probs: pred.probs,
    attention: pred.attention,
    regionNames,
  };
}
