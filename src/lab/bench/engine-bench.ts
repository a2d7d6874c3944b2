/**
 * `ranfer bench engine`: forward and training throughput of a representative residual CNN
 * (IResNet, 48x48 grey input, batch 64) on 1 and 2 worker threads, timed in interleaved rounds, and the
 * training step of one
 * depthwise layer (MobileFaceNet's) next to one dense layer (GFLOPS of each).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BackendChoice, initBackend } from '../../engine/backend.js';
import type { FaceClassifierConfig } from '../../model/face-classifier.js';
import { Rng } from '../../util/rng.js';
import { median } from '../../util/stats.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import { StepRunner } from '../train/step.js';

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
  /**
   * The lowest and highest 2-worker speedup of a single round (its 1-worker step time over its 2-worker
   * step time): how far the host's speed moved during the run.
   */
  twoWorkerSpeedupRange: [number, number];
  /** Each timed round's seconds: a 1-worker step, a forward pass, a 2-worker step. */
  rounds: { train1: number; forward: number; train2: number }[];
  /** One training step (forward, dx, dW) of single layers, in this thread. */
  layers: LayerStep[];
}

export interface LayerStep {
  layer: string;
  /** Milliseconds per step (forward and both gradients). */
  ms: number;
  /** 3 x forward FLOPs per second. */
  gflops: number;
}

/** A MobileFaceNet depthwise layer and an IResNet dense one, at the batch share of one worker (32). */
const LAYERS = [
  {
    layer: 'depthwise 3x3, 32x32x128, batch 32',
    shape: [32, 32, 32, 128],
    filter: [3, 3, 128, 1],
    depthwise: true,
  },
  {
    layer: 'dense 3x3, 24x24x32 -> 32, batch 32',
    shape: [32, 24, 24, 32],
    filter: [3, 3, 32, 32],
    depthwise: false,
  },
] as const;

/** Times forward + backward of each layer of LAYERS on the current backend. */
export async function layerSteps(repeats: number, backend: BackendChoice): Promise<LayerStep[]> {
  await initBackend(backend);
  return LAYERS.map((l) => {
    const rng = new Rng(2);
    const x = tf.tensor4d(
      Float32Array.from({ length: l.shape.reduce((a: number, b: number) => a * b, 1) }, () => rng.normal()),
      [...l.shape],
    );
    const w = tf.tensor4d(
      Float32Array.from({ length: l.filter.reduce((a: number, b: number) => a * b, 1) }, () => rng.normal()),
      [...l.filter],
    );
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
      l.depthwise ? tf.depthwiseConv2d(a, b, 1, 'same') : tf.conv2d(a, b, 1, 'same');
    const step = () =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv(a as tf.Tensor4D, b as tf.Tensor4D)))([
          x,
          w,
        ]);
        for (const t of g) t.dataSync();
      });
    step();
    const t0 = performance.now();
    for (let i = 0; i < repeats; i++) step();
    const ms = (performance.now() - t0) / repeats;
    const [n, h, wd, c] = l.shape;
    const flops = 2 * n * h * wd * l.filter[0] * l.filter[1] * c * (l.depthwise ? 1 : l.filter[3]);
    tf.dispose([x, w]);
    return { layer: l.layer, ms, gflops: (3 * flops) / (ms / 1000) / 1e9 };
  });
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

/**
 * Rounds of one training step on 1 worker, one forward pass and one training step on 2 workers, back to
 * back: each figure is a median over rounds, so a machine whose speed drifts during the run (shared
 * hosts do) moves all three alike and their ratios hold.
 */
export async function runEngineBench(o: EngineBenchOptions): Promise<EngineBenchResult> {
  const input = randomBatch(o.batch, 1);
  const progress = o.onProgress ?? (() => {});
  const pools: WorkerPool[] = [];
  try {
    for (const workers of [1, 2])
      pools.push(await WorkerPool.start({ workers, network: benchNetwork, seed: 1, backend: o.backend }));
    const runner = (pool: WorkerPool) =>
      new StepRunner(
        pool,
        { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
        { bnGroup: 32, bnMomentum: 0.9 },
      );
    const [one, two] = pools.map(runner);
    const tasks = {
      train1: () => one.step(input, 0.01),
      forward: () => one.pool.predict(input.x, input.xShape),
      train2: () => two.step(input, 0.01),
    };
    const seconds = { train1: [] as number[], forward: [] as number[], train2: [] as number[] };
    for (let round = 0; round < o.warmup + o.steps; round++) {
      for (const [name, task] of Object.entries(tasks) as [keyof typeof tasks, () => Promise<unknown>][]) {
        const t0 = performance.now();
        await task();
        if (round >= o.warmup) seconds[name].push((performance.now() - t0) / 1000);
      }
      progress('rounds (train 1 worker, forward, train 2 workers)', round + 1, o.warmup + o.steps);
    }
    const rate = (name: keyof typeof seconds) => o.batch / median(seconds[name]);
    const flops = one.pool.flopsPerSample;
    const backend = one.pool.backend;
    const forwardImgPerSec = rate('forward');
    const trainImgPerSec1 = rate('train1');
    const trainImgPerSec2 = rate('train2');
    const rounds = seconds.train1.map((train1, i) => ({
      train1,
      forward: seconds.forward[i],
      train2: seconds.train2[i],
    }));
    const perRound = rounds.map((r) => r.train1 / r.train2);
    await Promise.all(pools.splice(0).map((p) => p.close()));
    progress('layers', 0, 1);
    const layers = await layerSteps(o.steps, o.backend);
    return {
      backend,
      batch: o.batch,
      mflopsPerImage: flops / 1e6,
      forwardImgPerSec,
      trainImgPerSec1,
      trainImgPerSec2,
      forwardGflops: (forwardImgPerSec * flops) / 1e9,
      trainGflops1: (trainImgPerSec1 * 3 * flops) / 1e9,
      trainGflops2: (trainImgPerSec2 * 3 * flops) / 1e9,
      trainToForwardRatio: forwardImgPerSec / trainImgPerSec1,
      twoWorkerSpeedup: trainImgPerSec2 / trainImgPerSec1,
      twoWorkerSpeedupRange: [Math.min(...perRound), Math.max(...perRound)],
      rounds,
      layers,
    };
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}
