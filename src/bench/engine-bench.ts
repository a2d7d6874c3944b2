/**
 * `ranfer bench engine`: forward and training throughput of a representative residual CNN
 * (IResNet, 48x48 grey input, batch 64) on 1 and 2 worker threads.
 */
import type { BackendChoice } from '../engine/backend.js';
import { WorkerPool } from '../engine/worker-pool.js';
import type { FaceClassifierConfig } from '../model/face-classifier.js';
import { StepRunner } from '../train/step.js';
import { Rng } from '../util/rng.js';

export const benchNetwork: FaceClassifierConfig = {
  kind: 'face-classifier',
  inputSize: 48,
  classes: 8,
  backbone: {
    inChannels: 1,
    stemChannels: 32,
    stemStride: 1,
    stages: [
      { channels: 32, blocks: 2, stride: 2 },
      { channels: 64, blocks: 2, stride: 2 },
      { channels: 128, blocks: 2, stride: 2 },
    ],
  },
};

export interface EngineBenchOptions {
  batch: number;
  steps: number;
  warmup: number;
  backend: BackendChoice;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface EngineBenchResult {
  backend: string;
  batch: number;
  mflopsPerImage: number;
  forwardImgPerSec: number;
  trainImgPerSec1: number;
  trainImgPerSec2: number;
  forwardGflops: number;
  trainGflops1: number;
  trainGflops2: number;
  trainToForwardRatio: number;
  twoWorkerSpeedup: number;
}

function randomBatch(batch: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(batch * 48 * 48);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = new Float32Array(batch * 8);
  for (let i = 0; i < batch; i++) y[i * 8 + rng.int(0, 7)] = 1;
  return {
    x,
    xShape: [batch, 48, 48, 1] as [number, number, number, number],
    y,
    yShape: [batch, 8] as [number, number],
  };
}

async function timeLoop(
  n: number,
  warmup: number,
  body: () => Promise<unknown>,
  report: (i: number) => void,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await body();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await body();
    report(i + 1);
  }
  return (performance.now() - t0) / 1000 / n;
}

export async function runEngineBench(o: EngineBenchOptions): Promise<EngineBenchResult> {
  const input = randomBatch(o.batch, 1);
  const progress = o.onProgress ?? (() => {});
  const trainRate = async (workers: number) => {
    const pool = await WorkerPool.start({ workers, network: benchNetwork, seed: 1, backend: o.backend });
    try {
      const runner = new StepRunner(
        pool,
        { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
        { bnGroup: 32, bnMomentum: 0.9 },
      );
      const label = `train, ${workers} worker${workers > 1 ? 's' : ''}`;
      const sec = await timeLoop(
        o.steps,
        o.warmup,
        () => runner.step(input, 0.01),
        (i) => progress(label, i, o.steps),
      );
      return { rate: o.batch / sec, pool };
    } catch (e) {
      await pool.close();
      throw e;
    }
  };

  const one = await trainRate(1);
  const fwdSec = await timeLoop(
    o.steps,
    o.warmup,
    () => one.pool.predict(input.x, input.xShape),
    (i) => progress('forward', i, o.steps),
  );
  const flops = one.pool.flopsPerSample;
  const backend = one.pool.backend;
  await one.pool.close();
  const two = await trainRate(2);
  await two.pool.close();

  const forwardImgPerSec = o.batch / fwdSec;
  return {
    backend,
    batch: o.batch,
    mflopsPerImage: flops / 1e6,
    forwardImgPerSec,
    trainImgPerSec1: one.rate,
    trainImgPerSec2: two.rate,
    forwardGflops: (forwardImgPerSec * flops) / 1e9,
    trainGflops1: (one.rate * 3 * flops) / 1e9,
    trainGflops2: (two.rate * 3 * flops) / 1e9,
    trainToForwardRatio: forwardImgPerSec / one.rate,
    twoWorkerSpeedup: two.rate / one.rate,
  };
}
