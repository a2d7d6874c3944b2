/** Runs a worker pool over a labelled set of faces: probabilities and attention, by the prediction recipe (flip TTA, prior weight). */

import type { BackendChoice } from '../../engine/backend.js';
import { networkProbabilities, type PredictionRecipe, predictionRecipe } from '../../infer/recipe.js';
import { checkWeightsFit, type ModelWeights } from '../../model/format.js';
import { flipHorizontal, normalizePixels } from '../../model/preprocess.js';
import type { ClassPrior } from '../../model/prior.js';
import { type FaceSet, gatherFaces } from '../data/face-set.js';
import { WorkerPool } from './worker-pool.js';

export interface SetPrediction {
  /** Class probabilities, n x classes. */
  probs: Float32Array;
  classes: number;
  /** Attention per region, n x regions (when the network has regions). */
  attention?: Float32Array;
  regions: number;
}

/** Starts a worker pool holding a saved model's weights (close it when done). */
export async function startModelPool(
  model: ModelWeights,
  where: string,
  options: { workers: number; backend?: BackendChoice },
): Promise<WorkerPool> {
  const pool = await WorkerPool.start({
    workers: options.workers,
    network: model.manifest.network,
    seed: 0,
    backend: options.backend,
  });
  try {
    checkWeightsFit(pool.params.length, pool.state.length, model, where);
  } catch (err) {
    await pool.close();
    throw err;
  }
  pool.params.set(model.params);
  pool.state.set(model.state);
  pool.weightsChanged();
  return pool;
}

export async function predictSet(
  pool: WorkerPool,
  set: FaceSet,
  options: {
    batch?: number;
    /** The network's part of the prediction recipe (infer/recipe.ts; default: no flip, raw logits). */
    recipe?: PredictionRecipe;
    /** The model's class prior, which the recipe's prior weight shifts (absent: the raw logits). */
    prior?: ClassPrior;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<SetPrediction> {
  const batch = options.batch ?? 256;
  const recipe = options.recipe ?? predictionRecipe();
  const n = set.indices.length;
  let probs: Float32Array | undefined;
  let attention: Float32Array | undefined;
  let classes = 0;
  let regions = 0;
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    const x = normalizePixels(gatherFaces(set, start, count));
    const shape: [number, number, number, number] = [count, set.size, set.size, 1];
    const out = await pool.predict(x, shape);
    classes = out.classes;
    regions = out.regions;
    const mirrored = recipe.flipTta
      ? (await pool.predict(flipHorizontal(x, set.size), shape)).logits
      : undefined;
    const p = networkProbabilities(recipe, options.prior, classes, out.logits, mirrored);
    probs ??= new Float32Array(n * classes);
    probs.set(p, start * classes);
    if (out.attention) {
      attention ??= new Float32Array(n * regions);
      attention.set(out.attention, start * regions);
    }
    options.onProgress?.(start + count, n);
  }
  return { probs: probs ?? new Float32Array(0), classes, attention, regions };
}
