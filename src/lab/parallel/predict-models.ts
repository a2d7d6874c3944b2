/**
 * Predictions of one saved model, or of an ensemble of several (the mean of their logits, each shifted by
 * its own class prior at the asked weight), over a set of faces: what evaluation scores.
 */

import type { BackendChoice } from '../../engine/backend.js';
import type { ModelWeights } from '../../model/format.js';
import { loadModel } from '../../model/io.js';
import { priorShift } from '../../model/prior.js';
import { meanLogitRows } from '../../util/probabilities.js';
import type { FaceSet } from '../data/face-set.js';
import { predictSet, type SetPrediction, startModelPool } from './pool-predict.js';

export interface ModelsPrediction extends SetPrediction {
  /** The members, in the order given (one for a single model). */
  models: ModelWeights[];
}

/** The model folders of a `--model` value: one folder, or several joined by commas (an ensemble). */
export function modelDirs(value: string | readonly string[]): string[] {
  const dirs = (typeof value === 'string' ? value.split(',') : [...value]).map((d) => d.trim());
  if (dirs.length === 0 || dirs.some((d) => d === ''))
    throw new Error(`no model folder in "${String(value)}"`);
  return dirs;
}

export async function predictModels(
  dirs: readonly string[],
  set: FaceSet,
  o: {
    tta: boolean;
    priorWeight?: number;
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
          flipTta: o.tta,
          logitShift: priorShift(model.manifest.prior, o.priorWeight),
          onProgress: (d) => o.onProgress?.(k * n + d, dirs.length * n),
        }),
      );
    } finally {
      await pool.close();
    }
    models.push(model);
  }
  if (members.length === 1) return { ...members[0], models };
  const classes = members[0].classes;
  if (members.some((m) => m.classes !== classes))
    throw new Error('ensemble members must have the same classes');
  return {
    probs: meanLogitRows(
      members.map((m) => m.probs),
      classes,
    ),
    classes,
    regions: 0,
    models,
  };
}
