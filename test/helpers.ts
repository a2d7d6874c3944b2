import path from 'node:path';
import { expect } from 'vitest';
import { initBackend } from '../src/engine/backend.js';
import type { TrainSet } from '../src/lab/data/face-set.js';
import { NO_AUGMENT } from '../src/lab/train/augment.js';
import type { TrainConfig } from '../src/lab/train/config.js';
import { train } from '../src/lab/train/trainer.js';
import { saveModel } from '../src/model/io.js';
import type { ClassPrior } from '../src/model/prior.js';
import type { RanConfig } from '../src/model/ran.js';
import { DEFAULT_REGIONS, type RegionBox } from '../src/model/regions.js';
import { createNetwork } from '../src/model/registry.js';

/** The shared FERPlus data beside the checkout (../shared/datasets/ferplus). */
export const FERPLUS = path.resolve(__dirname, '../../shared/datasets/ferplus');
export const PHOTOS = path.resolve(__dirname, '../../shared/datasets/photos');
/** Posed CK+ faces of the shared data, for generalisation checks (never trained on). */
export const CKPLUS_DEV = path.resolve(__dirname, '../../shared/datasets/ckplus-dev');
/** Movie faces of SFEW's training half (trained on beside FERPlus, validated on by film). */
export const SFEW_TRAIN = path.resolve(__dirname, '../../shared/datasets/sfew-train');

/** A RAN small enough for tests: 16x16 input, 6 regions of 4x4 on an 8x8 trunk map. */
export const TINY_RAN: RanConfig = {
  kind: 'ran',
  inputSize: 16,
  classes: 8,
  trunk: { inChannels: 1, stemChannels: 4, stemStride: 1, stages: [{ channels: 8, blocks: 1, stride: 2 }] },
  tail: [{ channels: 8, blocks: 1, stride: 2 }],
  regionSize: 4,
  regions: DEFAULT_REGIONS,
  rbLoss: { margin: 0.1, weight: 1 },
  labelSmoothing: 0,
};

/** `n` synthetic 16x16 training faces of TINY_RAN's size: face i is a stripe pattern of class i % 8, one-hot. */
export function syntheticTrainSet(n: number): TrainSet {
  const size = TINY_RAN.inputSize;
  const pixels = new Uint8Array(n * size * size);
  const targets = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) {
    const c = i % 8;
    targets[i * 8 + c] = 1;
    for (let p = 0; p < size * size; p++) pixels[i * size * size + p] = (p * (c + 1) * 37 + i * 11) % 256;
  }
  return { pixels, size, indices: Int32Array.from({ length: n }, (_, i) => i), targets };
}

/** A fresh run in `dir` that checkpoints every `everySteps` steps and crashes after `steps`. */
export async function crashAfter(
  config: TrainConfig,
  data: { train: TrainSet },
  dir: string,
  steps: number,
  everySteps = 1,
): Promise<void> {
  let done = 0;
  await expect(
    train(config, data, {
      outDir: dir,
      resume: false,
      backend: 'wasm',
      checkpointEverySteps: everySteps,
      onProgress: () => {
        if (++done >= steps) throw new Error('crashed');
      },
    }),
  ).rejects.toThrow('crashed');
}

/**
 * Writes an untrained TINY_RAN with these regions (default: the 6 of the default network) as a model
 * folder, for tests that need a model file but not a trained one.
 */
export async function writeTinyModel(
  dir: string,
  regions: RegionBox[] = DEFAULT_REGIONS,
  seed = 1,
  prior?: ClassPrior,
): Promise<string> {
  await initBackend('wasm');
  const config: RanConfig = { ...TINY_RAN, regions };
  const net = createNetwork(config, seed);
  try {
    const layout = { params: net.params.layout(), state: net.state.layout() };
    await saveModel(dir, config, layout, net.params.read(), net.state.read(), {}, prior);
  } finally {
    net.dispose();
  }
  return dir;
}

/** A training recipe for tests on tiny networks and synthetic faces: one epoch of SGD, no EMA, no augmentation. */
export function tinyTrainConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    network: TINY_RAN,
    protocol: 'majority',
    trainSplits: ['train'],
    epochs: 1,
    batchSize: 8,
    bnGroup: 4,
    bnMomentum: 0.9,
    optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0 },
    lr: { base: 0.05, warmupEpochs: 0, final: 0.1 },
    ema: 0,
    augment: NO_AUGMENT,
    seed: 1,
    workers: 2,
    checkpointMinutes: 60,
    ...overrides,
  };
}
