/** Batch norms put back into the MobileFaceNet RAN, calibrated to the identity on a batch of faces. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { calibrateNorms } from '../../src/lab/train/calibrate.js';
import { RAN_MFN } from '../../src/lab/train/presets.js';
import type { RanConfig } from '../../src/model/ran.js';
import { createNetwork } from '../../src/model/registry.js';
import { inferenceContext, trainingContext } from '../../src/nn/context.js';
import { seeded } from '../engine/backends.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** The MobileFaceNet RAN at 32x32 (a 4x4 trunk map, 2x2 regions), with or without its batch norms. */
function mfnRan(norm: boolean): RanConfig {
  const b = RAN_MFN.backbone;
  if (!b) throw new Error('RAN_MFN has a backbone');
  return {
    ...RAN_MFN,
    inputSize: 32,
    regionSize: 2,
    backbone: { ...b, inputSize: 32, norm, lrScale: undefined },
  };
}

describe('MobileFaceNet with batch norms', () => {
  it('computes, once calibrated, what the network without them computes (inference and training)', () => {
    const plain = createNetwork(mfnRan(false), 3);
    const normed = createNetwork(mfnRan(true), 4);
    const names = normed.params.layout().map((p) => p.name);
    const added = names.filter((n) => n.startsWith('mfn.') && n.includes('.bn.'));
    // 2 per batch norm (gamma, beta); one after each of the trunk's and tail's convolutions.
    expect(added.length).toBeGreaterThan(40);
    // Same weights for every parameter and statistic the two networks share.
    for (const p of plain.params.layout()) normed.params.get(p.name).assign(plain.params.get(p.name));
    for (const p of plain.state.layout()) normed.state.get(p.name).assign(plain.state.get(p.name));
    const n = 8;
    const x = tf.tensor4d(seeded(n * 32 * 32, 9), [n, 32, 32, 1]);
    const calibrated = calibrateNorms(normed, [x], 'mfn.');
    expect(calibrated).toBe(added.length / 2);
    const close = (a: tf.Tensor, b: tf.Tensor) => {
      const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      const s = tf.max(tf.abs(a)).dataSync()[0];
      return d / s;
    };
    const inf = close(plain.logits(x, inferenceContext()), normed.logits(x, inferenceContext()));
    expect(inf).toBeLessThan(1e-3);
    // Training mode on the calibration batch itself, one ghost batch: batch statistics = calibration's.
    const train = close(plain.logits(x, trainingContext(n)), normed.logits(x, trainingContext(n)));
    expect(train).toBeLessThan(1e-2);
    // Uncalibrated (gamma 1, beta 0), training-mode norms standardise every layer: another function.
    const fresh = createNetwork(mfnRan(true), 4);
    for (const p of plain.params.layout()) fresh.params.get(p.name).assign(plain.params.get(p.name));
    expect(close(plain.logits(x, trainingContext(n)), fresh.logits(x, trainingContext(n)))).toBeGreaterThan(
      0.05,
    );
    for (const net of [plain, normed, fresh]) net.dispose();
    x.dispose();
  });

  it('gives the same calibration from equal chunks as from the whole batch', () => {
    const whole = createNetwork(mfnRan(true), 5);
    const chunked = createNetwork(mfnRan(true), 5);
    const x = tf.tensor4d(seeded(8 * 32 * 32, 11), [8, 32, 32, 1]);
    const halves = [tf.slice(x, [0, 0, 0, 0], [4, -1, -1, -1]), tf.slice(x, [4, 0, 0, 0], [4, -1, -1, -1])];
    expect(calibrateNorms(whole, [x], 'mfn.')).toBe(calibrateNorms(chunked, halves as tf.Tensor4D[], 'mfn.'));
    for (const store of ['params', 'state'] as const) {
      const a = whole[store].read();
      const b = chunked[store].read();
      let worst = 0;
      for (let i = 0; i < a.length; i++)
        worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
      expect(worst, store).toBeLessThan(1e-4);
    }
    tf.dispose([x, ...halves]);
    whole.dispose();
    chunked.dispose();
  });
});
