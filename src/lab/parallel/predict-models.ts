/**
 * Predictions of one saved model, or of an ensemble of several (the mean of their logits, each shifted by
 * its own class prior at the recipe's weight), over a set of faces: what evaluation scores.
 */

import type { BackendChoice } from '../../engine/backend.js';
import type { ExpressionTeacher } from '../../face/face-expression-net.js';
import { type PredictionRecipe, withFaceApiShare } from '../../infer/recipe.js';
import type { ModelWeights } from '../../model/format.js';
import { loadModel } from '../../model/io.js';
import { meanLogitRows } from '../../util/probabilities.js';
import { type FaceSet, gatherFaces } from '../data/face-set.js';
import { predictSet, type SetPrediction, startModelPool } from './pool-predict.js';

export interface ModelsPrediction extends SetPrediction {
  /** The members, in the order given (one for a single model). */
  models: ModelWeights[];
}

/** Faces FaceExpressionNet reads at a time. */
const FACE_API_CHUNK = 256;

/** FaceExpressionNet's probabilities (FERPlus order) of every face of `set`, row i for `set.indices[i]`. */
async function readFaceApi(teacher: ExpressionTeacher, set: FaceSet): Promise<Float32Array> {
  const n = set.indices.length;
  const out = new Float32Array(n * 8);
  for (let start = 0; start < n; start += FACE_API_CHUNK) {
    const count = Math.min(FACE_API_CHUNK, n - start);
    out.set(teacher.predictSync(gatherFaces(set, start, count), count, set.size), start * 8);
  }
  return out;
}

/**
 * The probabilities users would get from these models on `set` under `recipe`: each member by the
 * network's part of the recipe at its own class prior, the members' logits averaged, then
 * FaceExpressionNet's share (`faceApi` must be given when the recipe has one).
 */
export async function predictModels(
  dirs: readonly string[],
  set: FaceSet,
  o: {
    recipe: PredictionRecipe;
    faceApi?: ExpressionTeacher;
    workers: number;
    backend?: BackendChoice;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<ModelsPrediction> {
  const n = set.indices.length;
  const models: ModelWeights[] = [];
  const members: SetPrediction[] = [];
  for (const [k, dir] of dirs.entries()) {
    const model = await loadModel(dir);
    const pool = await startModelPool(model, dir, { workers: o.workers, backend: o.backend });
    try {
      members.push(
        await predictSet(pool, set, {
          recipe: o.recipe,
          prior: model.manifest.prior,
          onProgress: (d) => o.onProgress?.(k * n + d, dirs.length * n),
        }),
      );
    } finally {
      await pool.close();
    }
    models.push(model);
  }
  const classes = members[0].classes;
  if (members.some((m) => m.classes !== classes))
    throw new Error('ensemble members must have the same classes');
  const joined: ModelsPrediction =
    members.length === 1
      ? { ...members[0], models }
      : {
          probs: meanLogitRows(
            members.map((m) => m.probs),
            classes,
          ),
          classes,
          regions: 0,
          models,
        };
  const faceApi = o.recipe.faceApiWeight > 0 && o.faceApi ? await readFaceApi(o.faceApi, set) : undefined;
  joined.probs = withFaceApiShare(o.recipe, joined.probs, faceApi);
  return joined;
}
