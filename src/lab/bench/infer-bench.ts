/**
 * `ranfer bench infer`: latency of one aligned 48x48 face at batch 1 (this thread), and throughput at
 * batch 64 in this thread and over 2 worker threads.
 */
import type { BackendChoice } from '../../engine/backend.js';
import { FaceEmotionModel } from '../../infer/face-model.js';
import { loadModel } from '../../model/io.js';
import { normalizePixels } from '../../model/preprocess.js';
import { Rng } from '../../util/rng.js';
import { medianMs } from '../../util/stats.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import { batchSpeed } from './batch-speed.js';

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
  const speed = await batchSpeed(
    (f) => model.predict(f),
    one,
    faces,
    o.repeats,
    (phase, d, t) => progress(phase === 'batch' ? 'batch 64, 1 thread' : phase, d, t),
  );
  const { tf } = await import('../../engine/backend.js');
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
    poolSec =
      (await medianMs(
        o.repeats,
        () => pool.predict(x, shape),
        (d, t) => progress(`batch 64, ${o.workers} workers`, d, t),
      )) / 1000;
  } finally {
    await pool.close();
  }
  return {
    backend,
    model: o.modelDir,
    mflopsPerFace: pool.flopsPerSample / 1e6,
    msPerFaceBatch1: speed.msPerFaceBatch1,
    facesPerSecBatch64OneThread: speed.facesPerSecBatch,
    facesPerSecBatch64: 64 / poolSec,
    workers: o.workers,
  };
}
