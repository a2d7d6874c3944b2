/**
 * `ranfer bench infer`: latency of one aligned 48x48 face at batch 1 (this thread), and throughput at
 * batch 64 in this thread and over 2 worker threads.
 */
import type { BackendChoice } from '../engine/backend.js';
import { WorkerPool } from '../engine/worker-pool.js';
import { FaceEmotionModel } from '../infer/face-model.js';
import { loadModel } from '../model/io.js';
import { normalizePixels } from '../model/preprocess.js';
import { Rng } from '../util/rng.js';
import { median } from '../util/stats.js';

export interface InferBenchResult {
  backend: string;
  model: string;
  mflopsPerFace: number;
  msPerFaceBatch1: number;
  facesPerSecBatch64OneThread: number;
  facesPerSecBatch64: number;
  workers: number;
}

export async function runInferBench(o: {
  modelDir: string;
  backend: BackendChoice;
  repeats: number;
  workers: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<InferBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const model = await FaceEmotionModel.load(o.modelDir, { backend: o.backend });
  const size = model.size;
  const rng = new Rng(7);
  const faces = Uint8Array.from({ length: 64 * size * size }, () => rng.int(0, 255));
  const one = faces.subarray(0, size * size);
  for (let i = 0; i < 3; i++) model.predict(one);
  const times: number[] = [];
  for (let i = 0; i < o.repeats * 4; i++) {
    const t = performance.now();
    model.predict(one);
    times.push(performance.now() - t);
    progress('batch 1', i + 1, o.repeats * 4);
  }
  model.predict(faces);
  const t64: number[] = [];
  for (let i = 0; i < o.repeats; i++) {
    const t = performance.now();
    model.predict(faces);
    t64.push(performance.now() - t);
    progress('batch 64, 1 thread', i + 1, o.repeats);
  }
  const { tf } = await import('../engine/backend.js');
  const backend = tf.getBackend();
  model.dispose();

  const weights = await loadModel(o.modelDir);
  const pool = await WorkerPool.start({
    workers: o.workers,
    network: weights.manifest.network,
    seed: 0,
    backend: o.backend,
  });
  let poolSec: number;
  try {
    pool.params.set(weights.params);
    pool.state.set(weights.state);
    pool.weightsChanged();
    const x = normalizePixels(faces);
    const shape: [number, number, number, number] = [64, size, size, 1];
    await pool.predict(x, shape);
    const tp: number[] = [];
    for (let i = 0; i < o.repeats; i++) {
      const t = performance.now();
      await pool.predict(x, shape);
      tp.push(performance.now() - t);
      progress(`batch 64, ${o.workers} workers`, i + 1, o.repeats);
    }
    poolSec = median(tp) / 1000;
  } finally {
    await pool.close();
  }
  return {
    backend,
    model: o.modelDir,
    mflopsPerFace: pool.flopsPerSample / 1e6,
    msPerFaceBatch1: median(times),
    facesPerSecBatch64OneThread: 64 / (median(t64) / 1000),
    facesPerSecBatch64: 64 / poolSec,
    workers: o.workers,
  };
}
