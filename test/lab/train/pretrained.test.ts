/**
 * Training a RAN on the pretrained MobileFaceNet: a fresh run starts from the published weights (a few
 * small steps leave them close), the logit-adjusted loss trains, and the network's FLOPs and forward pass
 * hold for the shipped-size preset.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../../src/lab/train/config.js';
import { RAN_MFN, RAN_WIDE_TAIL } from '../../../src/lab/train/presets.js';
import {
  applyPretrained,
  mobileFaceNetModelFile,
  readGraphWeights,
} from '../../../src/lab/train/pretrained.js';
import { train } from '../../../src/lab/train/trainer.js';
import { loadModel } from '../../../src/model/io.js';
import { MFN_SCOPE, Ran, type RanConfig, ranFlops } from '../../../src/model/ran.js';
import { inferenceContext } from '../../../src/nn/context.js';
import { onBackend } from '../../engine/backends.js';
import { syntheticTrainSet, TINY_RAN, tinyTrainConfig } from '../../helpers.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-mfn-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** The MobileFaceNet RAN on TINY_RAN's 16x16 faces: resized to 32, a 4x4 trunk map, 2x2 regions. */
const TINY_MFN: RanConfig = {
  ...TINY_RAN,
  regions: RAN_WIDE_TAIL.regions,
  backbone: {
    kind: 'mobilefacenet',
    inChannels: 1,
    inputSize: 32,
    trunkStages: 3,
    tailStride: 1,
    norm: true,
  },
  regionSize: 2,
};

describe('RAN on a pretrained MobileFaceNet', () => {
  it('costs about the wide-tail network per face and predicts on 48x48 grey faces', async () => {
    expect(ranFlops(RAN_MFN) / ranFlops(RAN_WIDE_TAIL)).toBeGreaterThan(0.9);
    expect(ranFlops(RAN_MFN) / ranFlops(RAN_WIDE_TAIL)).toBeLessThan(1.1);
    const shapes = await onBackend('wasm', () => {
      const net = new Ran(RAN_MFN, 1);
      const p = net.predict(tf.zeros([2, 48, 48, 1]), inferenceContext());
      const out = [p.logits.shape, p.attention?.shape];
      net.dispose();
      return out;
    });
    expect(shapes).toEqual([
      [2, 8],
      [2, 4],
    ]);
  });

  it('starts a fresh run from the published weights and trains with the balanced loss', async () => {
    const config: TrainConfig = tinyTrainConfig({
      network: TINY_MFN,
      optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 },
      lr: { base: 1e-4, warmupEpochs: 0, final: 1 },
      workers: 1,
      pretrained: 'mobilefacenet-ms1m',
      balance: { tau: 1 },
    });
    const dir = path.join(tmp, 'run');
    const messages: string[] = [];
    const r = await train(
      config,
      { train: syntheticTrainSet(16) },
      {
        outDir: dir,
        resume: false,
        backend: 'wasm',
        onInfo: (m) => messages.push(m),
      },
    );
    expect(r.finished).toBe(true);
    expect(messages.some((m) => /backbone: \d+ tensors of mobilefacenet-ms1m/.test(m))).toBe(true);
    // Every batch norm of the backbone calibrated on the 16 faces there are: one after each convolution,
    // 3 in the stem, 3 in each of the 15 bottleneck blocks, 1 after Conv2d_7.
    expect(messages).toContain('backbone: 49 batch norms calibrated on 16 training faces');
    const model = await loadModel(dir);
    // The saved network carries the loss's class offsets (one-hot synthetic classes 0..7, two faces each).
    const net = model.manifest.network;
    expect(net.kind === 'ran' && net.logitAdjust?.every((v) => Math.abs(v - Math.log(1 / 8)) < 1e-5)).toBe(
      true,
    );
    // After 2 steps at lr 1e-4 the backbone is still the published one, not a random initialisation.
    const published = new Float32Array(model.params.length);
    const layout = model.manifest.params;
    const set = applyPretrained(
      published,
      layout,
      await readGraphWeights(mobileFaceNetModelFile()),
      MFN_SCOPE,
    );
    // Every backbone parameter but the batch norms' (which the published network does not have).
    const fromGraph = layout.filter((p) => p.name.startsWith(`${MFN_SCOPE}.`) && !p.name.includes('.bn.'));
    expect(set).toBe(fromGraph.length);
    const w = layout.find((p) => p.name === `${MFN_SCOPE}.Conv2d_4_InvResBlock_5/Conv_1.w`);
    if (!w) throw new Error('no such parameter');
    let diff = 0;
    let scale = 0;
    for (let i = w.offset; i < w.offset + w.size; i++) {
      diff = Math.max(diff, Math.abs(model.params[i] - published[i]));
      scale = Math.max(scale, Math.abs(published[i]));
    }
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.01 * scale);
  });
});
