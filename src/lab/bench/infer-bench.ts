/**
 * `ranfer bench infer`: latency of one aligned 48x48 face at batch 1 (this thread), and throughput at
 * batch 64 in this thread and over 2 worker threads; the same model on ONNX Runtime in the same run when
 * onnxruntime-node is installed.
 */
import type { BackendChoice } from '../../engine/backend.js';
import { FaceEmotionModel } from '../../infer/face-model.js';
import { hasOnnxRuntime, OnnxEmotionNet } from '../../infer/onnx-emotion-net.js';
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
  /**
   * The same model on ONNX Runtime (`backend: 'onnx'`: onnxruntime-node, every core), in the same run, with
   * its speeds over the TensorFlow.js ones; absent when onnxruntime-node is not installed.
   */
  onnx?: {
    threads: number;
    msPerFaceBatch1: number;
    facesPerSecBatch64OneThread: number;
    batch1Ratio: number;
    batch64Ratio: number;
  };
}

/** The model on ONNX Runtime, timed as `batchSpeed` times the TensorFlow.js one; undefined without onnxruntime-node. */
async function onnxSpeed(modelDir: string, one: Uint8Array, faces: Uint8Array, repeats: number) {
  if (!(await hasOnnxRuntime())) return undefined;
  const model = await OnnxEmotionNet.load(modelDir);
  try {
    return {
      threads: model.threads,
      ...(await batchSpeed((f) => model.predictAsync(f), one, faces, repeats)),
    };
  } finally {
    model.dispose();
  }
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
  progress('onnxruntime', 0, 1);
  const ort = await onnxSpeed(o.modelDir, one, faces, o.repeats);

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
    ...(ort && {
      onnx: {
        threads: ort.threads,
        msPerFaceBatch1: ort.msPerFaceBatch1,
        facesPerSecBatch64OneThread: ort.facesPerSecBatch,
        batch1Ratio: speed.msPerFaceBatch1 / ort.msPerFaceBatch1,
        batch64Ratio: ort.facesPerSecBatch / speed.facesPerSecBatch,
      },
    }),
  };
}
