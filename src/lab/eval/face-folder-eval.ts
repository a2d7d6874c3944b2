/**
 * Evaluation of a model on a folder of labelled face crops (`labels.csv`, see data/face-folder.ts), such
 * as CK+ faces: each crop framed as the photo pipeline would see it (`aligned`, the default) or resized
 * as it is, then the same metrics as the FERPlus splits. Datasets without contempt (most posed sets) are
 * also scored on the 7 other emotions alone (the model still chooses among all 8).
 */
import path from 'node:path';
import { EMOTIONS } from '../../data/emotions.js';
import type { BackendChoice } from '../../engine/backend.js';
import { modelDirs } from '../../infer/model-dir.js';
import type { PredictionRecipe } from '../../infer/recipe.js';
import { loadModel } from '../../model/io.js';
import { argmaxRows } from '../../util/probabilities.js';
import type { CropFraming } from '../data/crop.js';
import { frameFolder } from '../data/crop-folder.js';
import { readFaceFolder } from '../data/face-folder.js';
import { type FilmSplit, selectFilms } from '../data/film-split.js';
import { predictModels } from '../parallel/predict-models.js';
import { type EvalReport, metricsReport, recipeFields } from './evaluate.js';
import { faceApiFor } from './face-api-mix.js';

export interface FaceFolderReport extends EvalReport {
  framing: CropFraming;
  /** Crops whose landmarks could not be aligned (or, detecting, where no face was found), resized instead. */
  framingFallbacks: number;
  /** The side of the folder's split by film that was scored (absent: every face). */
  films?: FilmSplit;
  /** The same predictions scored on the images not labelled contempt (absent when none is). */
  withoutContempt?: Pick<EvalReport, 'count' | 'accuracy' | 'balancedAccuracy' | 'macroF1'>;
}

export interface FaceFolderEvalOptions {
  dir: string;
  /** A model folder, or several (an ensemble: the mean of their logits). */
  modelDir: string | readonly string[];
  framing: CropFraming;
  /** Only the faces of this side of the folder's split by film (data/film-split.ts; movie faces such as SFEW). */
  films?: FilmSplit;
  /** With `detect` framing: the border of the retry when no face is found (default 1; 0: none). */
  retryBorder?: number;
  /** How predictions are made: flip TTA, prior weight, FaceExpressionNet's share (as `recognize()` makes them). */
  recipe: PredictionRecipe;
  workers: number;
  backend?: BackendChoice;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluateFaceFolder(o: FaceFolderEvalOptions): Promise<FaceFolderReport> {
  const whole = await readFaceFolder(o.dir);
  const folder = o.films ? selectFilms(whole, o.films) : whole;
  const dirs = modelDirs(o.modelDir);
  const first = (await loadModel(dirs[0])).manifest;
  const size = first.input.size;
  const n = folder.files.length;
  // Framing takes most of the time (landmarks per crop); prediction the rest.
  const framed = await frameFolder(
    folder.files,
    size,
    o.framing,
    o.backend,
    (d) => o.onProgress?.(d, 2 * n),
    o.retryBorder,
  );
  const pred = await predictModels(
    dirs,
    { pixels: framed.pixels, size, indices: Int32Array.from({ length: n }, (_, i) => i) },
    { ...o, faceApi: await faceApiFor(o.recipe, o.backend), onProgress: (d) => o.onProgress?.(n + d, 2 * n) },
  );
  const predicted = argmaxRows(pred.probs, EMOTIONS.length);
  const report: FaceFolderReport = {
    ...metricsReport(path.basename(path.resolve(o.dir)), o.recipe.flipTta, folder.labels, predicted),
    ...recipeFields(o.recipe, pred.models),
    framing: o.framing,
    framingFallbacks: framed.fallbacks,
  };
  if (o.films) report.films = o.films;
  const contempt = EMOTIONS.indexOf('contempt');
  const keep = Array.from(folder.labels.keys()).filter((i) => folder.labels[i] !== contempt);
  if (keep.length > 0 && keep.length < n) {
    const m = metricsReport(
      report.set,
      o.recipe.flipTta,
      keep.map((i) => folder.labels[i]),
      keep.map((i) => predicted[i]),
    );
    report.withoutContempt = {
      count: m.count,
      accuracy: m.accuracy,
      balancedAccuracy: m.balancedAccuracy,
      macroF1: m.macroF1,
    };
  }
  return report;
}
