/**
 * `ranfer bench infer`: latency of one aligned 48x48 face at batch 1 (this thread), and throughput at
 * batch 64 in this thread and over 2 worker threads; the same model on ONNX Runtime, and an ensemble (the
 * shipped accuracy mode by default), in the same rounds (one call of each in turn).
 */
import type { BackendChoice } from '../../engine/backend.js';
import { loadEmotionModels } from '../../infer/ensemble.js';
import { FaceEmotionModel } from '../../infer/face-model.js';
import { hasOnnxRuntime, OnnxEmotionNet } from '../../infer/onnx-emotion-net.js';
import { loadModel } from '../../model/io.js';
import { normalizePixels } from '../../model/preprocess.js';
import { Rng } from '../../util/rng.js';
import { medianMs } from '../../util/stats.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import { type BatchSpeed, batchSpeeds } from './batch-speed.js';

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
  /**
   * An ensemble (`ensembleDirs`) on the same backend, in the same rounds, and its time over the model's
   * (the cost of a face relative to it: about 2 for two networks).
   */
  ensemble?: {
    models: string[];
    msPerFaceBatch1: number;
    facesPerSecBatch64OneThread: number;
    batch1CostRatio: number;
    batch64CostRatio: number;
  };
}

export async function runInferBench(o: {
  modelDir: string;
  backend: BackendChoice;
  repeats: number;
  workers: number;
  /** Folders of an ensemble to time beside the model (none: no ensemble). */
  ensembleDirs?: readonly string[];
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<InferBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const model = await FaceEmotionModel.load(o.modelDir, { backend: o.backend });
  const size = model.size;
  const rng = new Rng(7);
  const faces = Uint8Array.from({ length: 64 * size * size }, () => rng.int(0, 255));
  const one = faces.subarray(0, size * size);
  // The same model on ONNX Runtime, timed in the same rounds, where onnxruntime-node is installed.
  const onnx = (await hasOnnxRuntime()) ? await OnnxEmotionNet.load(o.modelDir) : undefined;
  const ensemble = o.ensembleDirs?.length
    ? await loadEmotionModels(o.ensembleDirs, (dir) => FaceEmotionModel.load(dir, { backend: o.backend }))
    : undefined;
  let speed: BatchSpeed;
  let ort: BatchSpeed | undefined;
  let ens: BatchSpeed | undefined;
  try {
    const runs: ((f: Uint8Array) => unknown)[] = [(f) => model.predict(f)];
    if (onnx) runs.push((f) => onnx.predictAsync(f));
    if (ensemble) runs.push((f) => ensemble.predictAsync(f));
    const others = [onnx && 'onnxruntime', ensemble && 'the ensemble'].filter(Boolean).join(', ');
    const speeds = await batchSpeeds(runs, one, faces, o.repeats, (phase, d, t) =>
      progress(
        `${phase === 'batch' ? 'batch 64, 1 thread' : phase}${others ? ` (and ${others})` : ''}`,
        d,
        t,
      ),
    );
    speed = speeds[0];
    ort = onnx ? speeds[1] : undefined;
    ens = ensemble ? speeds.at(-1) : undefined;
  } finally {
    onnx?.dispose();
    ensemble?.dispose();
  }
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
    ...(ort &&
      onnx && {
        onnx: {
          threads: onnx.threads,
          msPerFaceBatch1: ort.msPerFaceBatch1,
          facesPerSecBatch64OneThread: ort.facesPerSecBatch,
          batch1Ratio: speed.msPerFaceBatch1 / ort.msPerFaceBatch1,
          batch64Ratio: ort.facesPerSecBatch / speed.facesPerSecBatch,
        },
      }),
    ...(ens &&
      o.ensembleDirs && {
        ensemble: {
          models: [...o.ensembleDirs],
          msPerFaceBatch1: ens.msPerFaceBatch1,
          facesPerSecBatch64OneThread: ens.facesPerSecBatch,
          batch1CostRatio: ens.msPerFaceBatch1 / speed.msPerFaceBatch1,
          batch64CostRatio: speed.facesPerSecBatch / ens.facesPerSecBatch,
        },
      }),
  };
}
