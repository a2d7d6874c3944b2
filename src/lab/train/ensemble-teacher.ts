/**
 * An ensemble of trained ranfer models as a distillation teacher: the softmax of the mean of the members'
 * logits, each at its raw prior (the training frequencies its logits learned), on the plain training faces.
 */
import { createHash } from 'node:crypto';
import type { BackendChoice } from '../../engine/backend.js';
import { predictionRecipe } from '../../infer/recipe.js';
import { loadModel } from '../../model/io.js';
import { predictModels } from '../parallel/predict-models.js';
import type { Teacher } from './distill.js';

export interface ModelTeacher extends Teacher {
  /** Names the members by their weights, for the cache of the teacher's probabilities. */
  name: string;
}

export async function ensembleTeacher(
  dirs: readonly string[],
  options: { workers: number; backend?: BackendChoice },
): Promise<ModelTeacher> {
  if (dirs.length === 0) throw new Error('an ensemble teacher needs at least one model folder');
  const manifests = await Promise.all(dirs.map(async (d) => (await loadModel(d)).manifest));
  // The raw prior of each member: no shift, the distribution its logits learned.
  const raw = manifests[0].prior?.raw;
  if (manifests.some((m) => m.prior?.raw !== raw))
    throw new Error('the ensemble members must share the raw weight of their class prior');
  const hash = createHash('sha1');
  for (const m of manifests) hash.update(m.sha1);
  return {
    name: `ensemble-${hash.digest('hex').slice(0, 12)}`,
    async predict(faces, count, size, onProgress) {
      const indices = Int32Array.from({ length: count }, (_, i) => i);
      return (
        await predictModels(
          dirs,
          { pixels: faces, size, indices },
          {
            recipe: predictionRecipe({ priorWeight: raw }),
            // predictModels counts every member's pass; report faces of this call.
            onProgress: (d, t) => onProgress?.(Math.floor((d * count) / t), count),
            ...options,
          },
        )
      ).probs;
    },
  };
}
