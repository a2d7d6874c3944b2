/** Inference speed of one face and of a batch: the measurement `bench infer` and `bench onnx` share. */
import { medianMs } from '../../util/stats.js';

export interface BatchSpeed {
  /** Median ms of one face at batch 1 (after 3 warm-up calls). */
  msPerFaceBatch1: number;
  /** Faces/s of the batch (after 1 warm-up call). */
  facesPerSecBatch: number;
}

/** Times `run` on `one` face (`repeats` x 4 runs) and on `batch` (`batch faces`, `repeats` runs). */
export async function batchSpeed(
  run: (faces: Uint8Array) => unknown,
  one: Uint8Array,
  batch: Uint8Array,
  repeats: number,
  onRun: (phase: 'batch 1' | 'batch', done: number, total: number) => void = () => {},
): Promise<BatchSpeed> {
  for (let i = 0; i < 3; i++) await run(one);
  const ms1 = await medianMs(
    repeats * 4,
    () => run(one),
    (d, t) => onRun('batch 1', d, t),
  );
  await run(batch);
  const msBatch = await medianMs(
    repeats,
    () => run(batch),
    (d, t) => onRun('batch', d, t),
  );
  return { msPerFaceBatch1: ms1, facesPerSecBatch: batch.length / one.length / (msBatch / 1000) };
}
