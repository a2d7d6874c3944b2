/**
 * `ranfer bench compare`: ranfer against the JavaScript emotion models people use (face-api.js's
 * FaceExpressionNet, Human's emotion model) in one run, on the same aligned 48x48 FERPlus faces: the test
 * split (majority protocol) and its occlusion / pose subsets, accuracy on the 7 classes all three know
 * (non-contempt images, contempt left out of ranfer's choice) with its balanced accuracy, and 8-class
 * accuracy (contempt counted wrong for the 7-class models); the same on folders of labelled faces from other
 * datasets (ckplus-dev); speed at batch 1 and 64 in one thread, and model size.
 */
import path from 'node:path';
import { EMOTIONS } from '../../../data/emotions.js';
import { Rng } from '../../../util/rng.js';
import { SUBSETS } from '../../data/challenge.js';
import { frameFolder } from '../../data/crop-folder.js';
import { readFaceFolder } from '../../data/face-folder.js';
import { IMAGE_SIZE, loadSplit } from '../../data/ferplus.js';
import { buildEvalSet } from '../../data/sets.js';
import { batchSpeed } from '../batch-speed.js';
import type { EmotionAdapter } from './adapter.js';

const CONTEMPT = EMOTIONS.indexOf('contempt');

export interface SetScore {
  set: string;
  images: number;
  /** 8-class accuracy on every image (a 7-class model is wrong on contempt). */
  accuracy8: number;
  /** Images without contempt. */
  images7: number;
  /** Accuracy on those, choosing among the 7 shared classes. */
  accuracy7: number;
  /** The same choice's balanced accuracy: the mean per-class accuracy over the shared classes present. */
  balanced7: number;
}

export interface ModelScore {
  name: string;
  source: string;
  classes: number;
  sizeBytes: number;
  referenceAccuracy8?: number;
  facesPerSecBatch1: number;
  facesPerSecBatch64: number;
  sets: SetScore[];
}

export interface CompareResult {
  date: string;
  dataDir: string;
  models: ModelScore[];
}

/** Index of the largest of probs[row, c] over the classes `allowed`. */
function argmaxOf(probs: Float32Array, row: number, allowed: number[]): number {
  let best = allowed[0];
  for (const c of allowed) if (probs[row * 8 + c] > probs[row * 8 + best]) best = c;
  return best;
}

export function scoreSet(
  name: string,
  probs: Float32Array,
  rows: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number[],
): SetScore {
  const shared = [0, 1, 2, 3, 4, 5, 6];
  let right8 = 0;
  let right7 = 0;
  let images7 = 0;
  const perClass = shared.map(() => [0, 0]);
  for (let i = 0; i < labels.length; i++) {
    const row = rows[i];
    if (argmaxOf(probs, row, classes) === labels[i]) right8++;
    if (labels[i] !== CONTEMPT) {
      images7++;
      const ok = argmaxOf(probs, row, shared) === labels[i];
      if (ok) right7++;
      perClass[labels[i]][0] += ok ? 1 : 0;
      perClass[labels[i]][1]++;
    }
  }
  const present = perClass.filter(([, n]) => n > 0);
  return {
    set: name,
    images: labels.length,
    accuracy8: right8 / labels.length,
    images7,
    accuracy7: right7 / images7,
    balanced7: present.reduce((a, [k, n]) => a + k / n, 0) / present.length,
  };
}

async function speed(model: EmotionAdapter, repeats: number): Promise<[number, number]> {
  const rng = new Rng(5);
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const faces = Uint8Array.from({ length: 64 * px }, () => rng.int(0, 255));
  const s = await batchSpeed((f) => model.predict(f, f.length / px), faces.subarray(0, px), faces, repeats);
  return [1000 / s.msPerFaceBatch1, s.facesPerSecBatch];
}

/** A model's probabilities (FERPlus order) for the faces `indices` of `pixels`, in batches of 64. */
export async function predictFaces(
  model: EmotionAdapter,
  pixels: Uint8Array,
  indices: Int32Array,
  onProgress?: (done: number, total: number) => void,
): Promise<Float32Array> {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const n = indices.length;
  const probs = new Float32Array(n * 8);
  for (let start = 0; start < n; start += 64) {
    const count = Math.min(64, n - start);
    const faces = new Uint8Array(count * px);
    for (let i = 0; i < count; i++)
      faces.set(pixels.subarray(indices[start + i] * px, (indices[start + i] + 1) * px), i * px);
    probs.set(await model.predict(faces, count), start * 8);
    onProgress?.(Math.min(n, start + 64), n);
  }
  return probs;
}

export async function runCompareBench(o: {
  dataDir: string;
  cacheDir?: string;
  models: Array<() => Promise<EmotionAdapter>>;
  repeats: number;
  /** Folders of labelled face crops from other datasets (aligned like the photo pipeline), scored as sets. */
  faces?: string[];
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<CompareResult> {
  const progress = o.onProgress ?? (() => {});
  const folders = [];
  for (const dir of o.faces ?? []) {
    const f = await readFaceFolder(dir);
    const framed = await frameFolder(f.files, IMAGE_SIZE, 'aligned', 'wasm', (d, t) =>
      progress(`framing ${path.basename(dir)}`, d, t),
    );
    folders.push({ name: path.basename(path.resolve(dir)), pixels: framed.pixels, labels: f.labels });
  }
  const split = (await loadSplit(o.dataDir, 'test', { cacheDir: o.cacheDir })).data;
  const test = await buildEvalSet(o.dataDir, split);
  const subsets = await Promise.all(SUBSETS.map((s) => buildEvalSet(o.dataDir, split, s)));
  // Every subset image is a test image: predict the test set once.
  const rowOf = new Map(Array.from(test.indices, (img, r) => [img, r]));
  const sets = [{ name: 'test', set: test }, ...SUBSETS.map((s, i) => ({ name: s, set: subsets[i] }))];
  const models: ModelScore[] = [];
  for (const create of o.models) {
    const model = await create();
    try {
      const probs = await predictFaces(model, split.pixels, test.indices, (done, total) =>
        progress(model.name, done, total),
      );
      const scores = sets.map(({ name, set }) =>
        scoreSet(
          name,
          probs,
          Array.from(set.indices, (img) => rowOf.get(img) ?? -1),
          set.labels,
          model.classes,
        ),
      );
      for (const f of folders) {
        const all = Int32Array.from(f.labels, (_, i) => i);
        const p = await predictFaces(model, f.pixels, all, (done, total) =>
          progress(`${model.name} ${f.name}`, done, total),
        );
        scores.push(scoreSet(f.name, p, all, f.labels, model.classes));
      }
      progress(`${model.name} speed`, 0, 1);
      const [b1, b64] = await speed(model, o.repeats);
      models.push({
        name: model.name,
        source: model.source,
        classes: model.classes.length,
        sizeBytes: model.sizeBytes,
        referenceAccuracy8: model.referenceAccuracy8,
        facesPerSecBatch1: b1,
        facesPerSecBatch64: b64,
        sets: scores,
      });
    } finally {
      model.dispose();
    }
  }
  return { date: new Date().toISOString().slice(0, 10), dataDir: o.dataDir, models };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/** The markdown page for docs/benchmarks.md. */
export function compareMarkdown(r: CompareResult, command: string): string {
  const setNames = r.models[0]?.sets.map((s) => s.set) ?? [];
  const title: Record<string, string> = {
    test: 'test',
    occlusion: 'occlusion',
    pose30: 'pose > 30°',
    pose45: 'pose > 45°',
  };
  const counts = (key: 'images7' | 'images') =>
    setNames.map((s) => `${title[s] ?? s} (${r.models[0].sets.find((x) => x.set === s)?.[key]})`);
  const lines: string[] = [];
  lines.push('# ranfer against the JavaScript emotion models in use');
  lines.push('');
  lines.push(
    `Generated by \`${command}\` on ${r.date} (do not edit by hand). All models see the same aligned 48x48 grey ` +
      'faces of the FERPlus test split (majority protocol) and of the folders of faces from other datasets ' +
      '(ckplus-dev: posed CK+ faces, never trained on, aligned from their landmarks like the photo pipeline), ' +
      'each model with its own preprocessing; speed is measured in the same run, one thread, TensorFlow.js WASM backend.',
  );
  lines.push('');
  lines.push('## Accuracy on the 7 emotions all three know (images without contempt)');
  lines.push('');
  lines.push(`| model | ${counts('images7').join(' | ')} |`);
  lines.push(`| --- | ${setNames.map(() => '---').join(' | ')} |`);
  for (const m of r.models) lines.push(`| ${m.name} | ${m.sets.map((s) => pct(s.accuracy7)).join(' | ')} |`);
  lines.push('');
  lines.push('## Balanced accuracy on those 7 emotions (the mean of the per-class accuracies)');
  lines.push('');
  lines.push(`| model | ${counts('images7').join(' | ')} |`);
  lines.push(`| --- | ${setNames.map(() => '---').join(' | ')} |`);
  for (const m of r.models) lines.push(`| ${m.name} | ${m.sets.map((s) => pct(s.balanced7)).join(' | ')} |`);
  lines.push('');
  lines.push('## 8-class accuracy (all images; a 7-class model is wrong on every contempt face)');
  lines.push('');
  lines.push(`| model | classes | ${counts('images').join(' | ')} |`);
  lines.push(`| --- | --- | ${setNames.map(() => '---').join(' | ')} |`);
  for (const m of r.models)
    lines.push(`| ${m.name} | ${m.classes} | ${m.sets.map((s) => pct(s.accuracy8)).join(' | ')} |`);
  lines.push('');
  lines.push('## Speed and size');
  lines.push('');
  lines.push('| model | faces/s, batch 1 | faces/s, batch 64 | model files | weights from |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const m of r.models)
    lines.push(
      `| ${m.name} | ${m.facesPerSecBatch1.toFixed(1)} | ${m.facesPerSecBatch64.toFixed(1)} | ${(m.sizeBytes / 1024).toFixed(0)} KiB | ${m.source} |`,
    );
  lines.push('');
  lines.push(
    'Harness check: measured independently on the same 3,137 test images (8 classes, contempt counted wrong), ' +
      "face-api's FaceExpressionNet scores 68.9% and Human's emotion model 66.6%. This run:",
  );
  lines.push('');
  for (const m of r.models) {
    const test = m.sets.find((s) => s.set === 'test');
    if (m.referenceAccuracy8 === undefined || !test) continue;
    const diff = 100 * (test.accuracy8 - m.referenceAccuracy8);
    lines.push(
      `- ${m.name}: ${pct(test.accuracy8)} against ${pct(m.referenceAccuracy8)} (${diff >= 0 ? '+' : ''}${diff.toFixed(2)} points, ${Math.abs(diff) <= 0.5 ? 'within' : 'NOT within'} half a point)`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
