/**
 * `ranfer bench onnx`: the exported ONNX graph on onnxruntime-node against ranfer's TensorFlow.js WASM
 * path, in the same run: the largest difference of their probabilities over a face set (the FERPlus
 * test split by default), ms per face at batch 1 and faces/s at batch 64, with onnxruntime on one thread
 * (as the WASM backend) and on all cores.
 */
import os from 'node:os';
import { initBackend } from '../../engine/backend.js';
import { exportOnnx } from '../../export/onnx-model.js';
import { EmotionNet } from '../../infer/emotion-net.js';
import { loadOnnxRuntimeNode } from '../../infer/onnx-emotion-net.js';
import { loadModel } from '../../model/io.js';
import { argmaxRows } from '../../util/probabilities.js';
import { loadSplit } from '../data/ferplus.js';
import { batchSpeed } from './batch-speed.js';

export interface OnnxSpeed {
  engine: string;
  threads: number;
  msPerFaceBatch1: number;
  facesPerSecBatch64: number;
}

export interface OnnxBenchResult {
  model: string;
  onnxBytes: number;
  faces: number;
  /** Largest |p_onnx - p_ranfer| over every probability of every face. */
  maxAbsDiffProbabilities: number;
  /** Faces whose top emotion differs between the two. */
  topDisagreements: number;
  speeds: OnnxSpeed[];
  /** Each onnxruntime speed over the TensorFlow.js one: [1 thread, all cores] at batch 1 and batch 64. */
  ratios: { threads: number; batch1: number; batch64: number }[];
}

export async function runOnnxBench(o: {
  modelDir: string;
  dataDir: string;
  cacheDir: string;
  /** How many test faces to compare (default: all). */
  faces?: number;
  repeats: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<OnnxBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const ort = await loadOnnxRuntimeNode();
  await initBackend('wasm');
  const weights = await loadModel(o.modelDir);
  const net = new EmotionNet(weights, o.modelDir);
  const size = net.size;
  const px = size * size;
  const { bytes } = exportOnnx(weights);
  const test = (await loadSplit(o.dataDir, 'test', { cacheDir: o.cacheDir })).data;
  const count = Math.min(o.faces ?? test.count, test.count);
  const threads = [1, os.availableParallelism()].filter((t, i, a) => a.indexOf(t) === i);
  const sessions = await Promise.all(
    threads.map((t) => ort.InferenceSession.create(bytes, { intraOpNumThreads: t, interOpNumThreads: 1 })),
  );
  const ortRun = async (session: (typeof sessions)[number], faces: Uint8Array) => {
    const n = faces.length / px;
    const input = new ort.Tensor('float32', Float32Array.from(faces), [n, 1, size, size]);
    const out = await session.run({ faces: input });
    return out.probabilities.data as Float32Array;
  };

  try {
    // Agreement, in batches of 64.
    let maxDiff = 0;
    let disagree = 0;
    const k = net.classes.length;
    for (let start = 0; start < count; start += 64) {
      const end = Math.min(start + 64, count);
      const faces = test.pixels.subarray(start * px, end * px);
      const mine = net.predict(faces);
      const theirs = await ortRun(sessions[0], faces);
      for (let i = 0; i < theirs.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(mine.probs[i] - theirs[i]));
      const theirTop = argmaxRows(theirs, k);
      for (let f = 0; f < end - start; f++) if (mine.top[f] !== theirTop[f]) disagree++;
      progress('agreement', end, count);
    }

    // Speed on the first 64 faces.
    const one = test.pixels.subarray(0, px);
    const batch = test.pixels.subarray(0, 64 * px);
    const time = async (label: string, run: (faces: Uint8Array) => unknown) => {
      const s = await batchSpeed(run, one, batch, o.repeats, (phase, d, t) =>
        progress(`${label}, ${phase === 'batch' ? 'batch 64' : phase}`, d, t),
      );
      return { msPerFaceBatch1: s.msPerFaceBatch1, facesPerSecBatch64: s.facesPerSecBatch };
    };
    const speeds: OnnxSpeed[] = [
      { engine: 'TensorFlow.js WASM', threads: 1, ...(await time('tfjs', (f) => net.predict(f))) },
    ];
    for (let i = 0; i < sessions.length; i++) {
      const t = threads[i];
      speeds.push({
        engine: 'onnxruntime-node CPU',
        threads: t,
        ...(await time(`onnxruntime ${t} thread(s)`, (f) => ortRun(sessions[i], f))),
      });
    }
    const base = speeds[0];
    return {
      model: o.modelDir,
      onnxBytes: bytes.length,
      faces: count,
      maxAbsDiffProbabilities: maxDiff,
      topDisagreements: disagree,
      speeds,
      ratios: speeds.slice(1).map((s) => ({
        threads: s.threads,
        batch1: base.msPerFaceBatch1 / s.msPerFaceBatch1,
        batch64: s.facesPerSecBatch64 / base.facesPerSecBatch64,
      })),
    };
  } finally {
    net.dispose();
    await Promise.all(sessions.map((s) => s.release()));
  }
}
