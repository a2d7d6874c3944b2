/**
 * Distillation from an expression network trained on other photos than FERPlus: each training target
 * becomes (1 - alpha) x the FERPlus vote distribution + alpha x the teacher's reading of the same face
 * (Hinton et al., "Distilling the knowledge in a neural network", 2015). FERPlus's annotators call many
 * faces with a subtle expression neutral; a teacher that learned posed expressions elsewhere passes on what
 * it sees in them. The teacher knows 7 classes, no contempt: a target keeps its contempt share, and the
 * teacher's probabilities are spread over the rest.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TrainSet } from '../data/face-set.js';

export interface DistillConfig {
  /**
   * The teacher: face-api.js's FaceExpressionNet (7 classes, no contempt), or an ensemble of trained ranfer
   * models (the mean of their logits, 8 classes, each at its raw prior: train/ensemble-teacher.ts).
   */
  teacher: 'face-api-expression' | 'ensemble';
  /** With the ensemble: its members' model folders. */
  models?: string[];
  /** Weight of the teacher's probabilities in the target, 0..1. */
  alpha: number;
  /**
   * With the ensemble: the share of FaceExpressionNet's reading beside it (absent or 0: none), so that a
   * target is (1 - alpha - faceApiAlpha) x the votes + alpha x the ensemble + faceApiAlpha x FaceExpressionNet.
   */
  faceApiAlpha?: number;
}

/** The ensemble teacher's share of each target unless told otherwise (`train --teacher`). */
export const DEFAULT_ENSEMBLE_ALPHA = 0.5;

const CONTEMPT = 7;
const CLASSES = 8;

/**
 * The targets of `set` mixed with the teacher's probabilities (one row of 8 per image of `set.pixels`, in
 * FERPlus order). A teacher without contempt (`knowsContempt` false) leaves each target's contempt share
 * as it is and fills the rest; rows still sum to 1.
 */
export function distilledTargets(
  set: TrainSet,
  teacher: Float32Array,
  alpha: number,
  knowsContempt = false,
): Float32Array {
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`distillation alpha must be in 0..1, got ${alpha}`);
  const images = set.pixels.length / (set.size * set.size);
  if (teacher.length !== images * CLASSES)
    throw new Error(
      `the teacher's probabilities cover ${teacher.length / CLASSES} images, the set has ${images}`,
    );
  if (set.targets.length !== set.indices.length * CLASSES)
    throw new Error('distillation needs targets over the 8 FERPlus classes');
  const out = new Float32Array(set.targets.length);
  for (let j = 0; j < set.indices.length; j++) {
    const t = set.targets.subarray(j * CLASSES, (j + 1) * CLASSES);
    const q = teacher.subarray(set.indices[j] * CLASSES, (set.indices[j] + 1) * CLASSES);
    if (knowsContempt) {
      for (let c = 0; c < CLASSES; c++) out[j * CLASSES + c] = (1 - alpha) * t[c] + alpha * q[c];
      continue;
    }
    let qSum = 0;
    for (let c = 0; c < CONTEMPT; c++) qSum += q[c];
    const rest = (1 - t[CONTEMPT]) / (qSum > 0 ? qSum : 1);
    for (let c = 0; c < CLASSES; c++) {
      const teacherShare = c === CONTEMPT ? t[c] : qSum > 0 ? q[c] * rest : t[c];
      out[j * CLASSES + c] = (1 - alpha) * t[c] + alpha * teacherShare;
    }
  }
  return out;
}

/** Throws unless the two teachers' shares of a target are each 0 or more and add up to at most 1. */
export function checkTeacherShares(alpha: number, beta: number): void {
  if (!(alpha >= 0 && beta >= 0 && alpha + beta <= 1))
    throw new Error(`the teachers' shares must be 0 or more and add up to at most 1, got ${alpha} + ${beta}`);
}

/**
 * Targets from two teachers: (1 - alpha - beta) x the votes + alpha x the ensemble's probabilities (8
 * classes) + beta x FaceExpressionNet's (7 classes: its share of contempt stays the target's own, as in
 * `distilledTargets`). Mixed in two steps: FaceExpressionNet at beta / (1 - alpha), then the ensemble at alpha.
 */
export function twoTeacherTargets(
  set: TrainSet,
  ensemble: Float32Array,
  faceApi: Float32Array,
  alpha: number,
  beta: number,
): Float32Array {
  checkTeacherShares(alpha, beta);
  const first = distilledTargets(set, faceApi, alpha < 1 ? beta / (1 - alpha) : 0);
  return distilledTargets({ ...set, targets: first }, ensemble, alpha, true);
}

/** What distillation needs of a teacher: probabilities of faces, with progress within one call if it can. */
export interface Teacher {
  predict(
    faces: Uint8Array,
    count: number,
    size: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<Float32Array>;
}

/**
 * The teacher's probabilities for every face of `pixels` (count x size x size), `chunk` at a time; kept in
 * `cacheDir` under a hash of the pixels, so a resumed or repeated run reads them instead (minutes on a CPU).
 */
export async function teacherProbabilities(
  load: () => Promise<Teacher>,
  name: string,
  pixels: Uint8Array,
  size: number,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
  /** Faces per call of the teacher (an ensemble reads them all in one call). */
  chunk = 64,
): Promise<Float32Array> {
  const count = pixels.length / (size * size);
  const hash = createHash('sha1').update(pixels).digest('hex').slice(0, 16);
  const file = path.join(cacheDir, `teacher-${name}-${size}-${hash}.f32`);
  const cached = await fs.readFile(file).catch(() => null);
  if (cached && cached.length === count * CLASSES * 4)
    return new Float32Array(cached.buffer.slice(cached.byteOffset, cached.byteOffset + cached.length));
  const teacher = await load();
  const probs = new Float32Array(count * CLASSES);
  const px = size * size;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    const within = (done: number) => onProgress?.(start + done, count);
    probs.set(
      await teacher.predict(pixels.subarray(start * px, (start + n) * px), n, size, within),
      start * CLASSES,
    );
    onProgress?.(start + n, count);
  }
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, new Uint8Array(probs.buffer));
  await fs.rename(tmp, file);
  return probs;
}
