/**
 * Gradient checks of the single-pass batch-norm and PReLU training kernels: against automatic
 * differentiation of the stock-op formulas (CPU backend), on WASM, and by finite differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { trainingContext } from '../../src/nn/context.js';
import {
  batchNorm,
  declareBatchNorm,
  declarePReLU,
  prelu,
  setNormKernelsEnabled,
} from '../../src/nn/layers.js';
import { ParamStore } from '../../src/nn/params.js';
import { Rng } from '../../src/util/rng.js';
import { maxAbs, maxAbsDiff, onBackend, seeded, values } from './backends.js';

afterEach(() => setNormKernelsEnabled(true));

const SHAPE = [8, 5, 3, 6]; // batch 8 in ghost batches of 4, 5x3 positions, 6 channels
const SIZE = SHAPE.reduce((a, b) => a * b, 1);
// Channels in fours take the SIMD kernels on WASM: 180 rows a ghost batch, over three 64-row tiles.
const SIMD_SHAPE = [8, 9, 5, 12];

/** Loss sum(BN(x) * dy) and its gradients with respect to x, gamma and beta; plus the recorded stats. */
function bnCase(fast: boolean, shape = SHAPE): number[][] {
  const C = shape[3];
  const size = shape.reduce((a, b) => a * b, 1);
  const shape4 = shape as [number, number, number, number];
  setNormKernelsEnabled(fast);
  const s = { params: new ParamStore(true), state: new ParamStore(false), rng: new Rng(1) };
  const bn = declareBatchNorm(s, 'bn', C);
  bn.gamma.assign(tf.tensor1d(seeded(C, 4)));
  bn.beta.assign(tf.tensor1d(seeded(C, 5)));
  const x = tf.tensor4d(
    seeded(size, 6).map((v, i) => v * (1 + (i % C)) + (i % C)),
    shape4,
  );
  const dy = tf.tensor4d(seeded(size, 7), shape4);
  const ctx = trainingContext(4);
  const f = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const layer = { ...bn, gamma: g as tf.Variable, beta: b as tf.Variable };
    return tf.sum(tf.mul(batchNorm(xx, layer, ctx), dy));
  };
  const [dx, dg, db] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, bn.gamma, bn.beta]);
  const y = batchNorm(x, bn, trainingContext(4));
  const out = values(y, dx, dg, db, ctx.stats[0].mean, ctx.stats[0].variance);
  for (const st of ctx.stats) tf.dispose([st.mean, st.variance]);
  s.params.dispose();
  s.state.dispose();
  return out;
}

function preluCase(fast: boolean, shape = SHAPE): number[][] {
  const size = shape.reduce((a, b) => a * b, 1);
  const shape4 = shape as [number, number, number, number];
  setNormKernelsEnabled(fast);
  const s = { params: new ParamStore(true), state: new ParamStore(false), rng: new Rng(1) };
  const layer = declarePReLU(s, 'act', shape[3]);
  layer.alpha.assign(
    tf.tensor1d([0.1, 0.2, 0.25, -0.3, 0.5, 1.5, 0, 0.7, -1, 2, 0.01, 0.3].slice(0, shape[3])),
  );
  const x = tf.tensor4d(seeded(size, 8), shape4);
  const dy = tf.tensor4d(seeded(size, 9), shape4);
  const f = (xx: tf.Tensor, a: tf.Tensor) => tf.sum(tf.mul(prelu(xx, { alpha: a as tf.Variable }), dy));
  const [dx, da] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, layer.alpha]);
  const out = values(prelu(x, layer), dx, da);
  s.params.dispose();
  return out;
}

describe('ghost batch normalisation', () => {
  for (const shape of [SHAPE, SIMD_SHAPE]) {
    it(`matches the stock-op formula and its autodiff gradients, on CPU and WASM (${shape.join('x')})`, async () => {
      const ref = await onBackend('cpu', () => bnCase(false, shape));
      for (const backend of ['cpu', 'wasm'] as const) {
        const got = await onBackend(backend, () => bnCase(true, shape));
        ref.forEach((r, i) => {
          expect(got[i].length).toBe(r.length);
          expect(maxAbsDiff(got[i], r)).toBeLessThan(2e-4 * Math.max(1, maxAbs(r)));
        });
      }
    });
  }

  it('normalises each ghost batch to zero mean and unit variance before the affine', async () => {
    const [y] = await onBackend('wasm', () => {
      setNormKernelsEnabled(true);
      const s = { params: new ParamStore(true), state: new ParamStore(false), rng: new Rng(1) };
      const bn = declareBatchNorm(s, 'bn', 6);
      const x = tf.tensor4d(
        seeded(SIZE, 3).map((v) => 3 * v + 2),
        SHAPE as [number, number, number, number],
      );
      const ctx = trainingContext(4);
      const out = values(batchNorm(x, bn, ctx));
      for (const st of ctx.stats) tf.dispose([st.mean, st.variance]);
      s.params.dispose();
      s.state.dispose();
      return out;
    });
    const per = SIZE / 2 / 6;
    for (let g = 0; g < 2; g++) {
      for (let c = 0; c < 6; c++) {
        let m = 0;
        let v = 0;
        for (let i = 0; i < per; i++) m += y[g * per * 6 + i * 6 + c] / per;
        for (let i = 0; i < per; i++) v += (y[g * per * 6 + i * 6 + c] - m) ** 2 / per;
        expect(Math.abs(m)).toBeLessThan(1e-5);
        expect(Math.abs(v - 1)).toBeLessThan(1e-3);
      }
    }
  });

  it('agrees with finite differences', async () => {
    const grads = await onBackend('cpu', () => bnCase(true));
    const dx = grads[1];
    const loss = (xv: Float32Array) =>
      tf.tidy(() => {
        setNormKernelsEnabled(true);
        const s = { params: new ParamStore(true), state: new ParamStore(false), rng: new Rng(1) };
        const bn = declareBatchNorm(s, 'bn', 6);
        bn.gamma.assign(tf.tensor1d(seeded(6, 4)));
        bn.beta.assign(tf.tensor1d(seeded(6, 5)));
        const ctx = trainingContext(4);
        const x = tf.tensor4d(xv, SHAPE as [number, number, number, number]);
        const dy = tf.tensor4d(seeded(SIZE, 7), SHAPE as [number, number, number, number]);
        const l = tf.sum(tf.mul(batchNorm(x, bn, ctx), dy)).dataSync()[0];
        for (const st of ctx.stats) tf.dispose([st.mean, st.variance]);
        s.params.dispose();
        s.state.dispose();
        return l;
      });
    const x0 = seeded(SIZE, 6).map((v, i) => v * (1 + (i % 6)) + (i % 6));
    const eps = 1e-2;
    for (const i of [0, 7, 33, 100, 239]) {
      const plus = Float32Array.from(x0);
      const minus = Float32Array.from(x0);
      plus[i] += eps;
      minus[i] -= eps;
      const numeric = (loss(plus) - loss(minus)) / (2 * eps);
      expect(Math.abs(numeric - dx[i])).toBeLessThan(2e-2 * Math.max(1, Math.abs(dx[i])));
    }
  });
});

describe('PReLU', () => {
  for (const shape of [SHAPE, SIMD_SHAPE]) {
    it(`matches the stock op and its autodiff gradients, on CPU and WASM (${shape.join('x')})`, async () => {
      const ref = await onBackend('cpu', () => preluCase(false, shape));
      for (const backend of ['cpu', 'wasm'] as const) {
        const got = await onBackend(backend, () => preluCase(true, shape));
        ref.forEach((r, i) => {
          expect(got[i].length).toBe(r.length);
          expect(maxAbsDiff(got[i], r)).toBeLessThan(1e-5 * Math.max(1, maxAbs(r)));
        });
      }
    });
  }
});

describe('bilinear resize (half-pixel centres)', () => {
  it('matches tf.image.resizeBilinear forward, and its gradient is the exact transpose', async () => {
    const { resizeBilinear } = await import('../../src/nn/resize.js');
    for (const backend of ['cpu', 'wasm'] as const) {
      const [mine, stock, dxMine, dyDotY, dxDotX] = await onBackend(backend, () => {
        const x = tf.tensor4d(seeded(2 * 5 * 7 * 3, 31), [2, 5, 7, 3]);
        const dy = tf.tensor4d(seeded(2 * 4 * 4 * 3, 32), [2, 4, 4, 3]);
        const y = resizeBilinear(x, [4, 4]);
        const [dx] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(v as tf.Tensor4D, [4, 4]), dy)))(
          [x],
        );
        // Adjoint identity: <dy, R x> = <R^T dy, x>.
        return [
          ...values(y, tf.image.resizeBilinear(x, [4, 4], false, true), dx),
          [tf.sum(tf.mul(dy, y)).dataSync()[0]],
          [tf.sum(tf.mul(dx, x)).dataSync()[0]],
        ];
      });
      expect(maxAbsDiff(mine, stock)).toBeLessThan(1e-5);
      expect(dxMine.length).toBe(2 * 5 * 7 * 3);
      expect(Math.abs(dyDotY[0] - dxDotX[0])).toBeLessThan(1e-3);
    }
  });
});
