/** Inference speed of one face and of a batch: the measurement `bench infer` and `bench onnx` share. */
import { median } from '../../util/stats.js';

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
  return (await batchSpeeds([run], one, batch, repeats, onRun))[0];
}

/**
 * `batchSpeed` of several runners in interleaved rounds (one call of each per round, in turn): their
 * ratios hold on a host whose speed drifts during the run.
 */
export async function batchSpeeds(
  runs: ((faces: Uint8Array) => unknown)[],
  one: Uint8Array,
  batch: Uint8Array,
  repeats: number,
  onRun: (phase: 'batch 1' | 'batch', done: number, total: number) => void = () => {},
): Promise<BatchSpeed[]> {
  const rounds = async (input: Uint8Array, n: number, phase: 'batch 1' | 'batch') => {
    const ms = runs.map(() => [] as number[]);
    for (let i = 0; i < n; i++) {
      for (const [k, run] of runs.entries()) {
        const t = performance.now();
        await run(input);
        ms[k].push(performance.now() - t);
      }
      onRun(phase, i + 1, n);
    }
    return ms.map(median);
  };
  for (let i = 0; i < 3; i++) for (const run of runs) await run(one);
  const ms1 = await rounds(one, repeats * 4, 'batch 1');
  for (const run of runs) await run(batch);
  const msBatch = await rounds(batch, repeats, 'batch');
  return runs.map((_, k) => ({
    msPerFaceBatch1: ms1[k],
    facesPerSecBatch: batch.length / one.length / (msBatch[k] / 1000),
  }));
}
