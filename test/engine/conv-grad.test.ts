/**
 * Gradient checks of ranfer's convolution kernels on WASM against TensorFlow.js's CPU backend, over
 * strides 1 and 2, 'same' and 'valid' padding, odd sizes, 1x1 / 3x3 / 5x5 filters, batch 1 and 3.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, onBackend, seeded, values } from './backends.js';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

const cases: Case[] = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const [h, w] of [
      [7, 5],
      [8, 8],
      [9, 6],
    ]) {
      for (const k of [1, 3, 5]) {
        for (const n of [1, 3]) {
          if (pad === 'valid' && (k > h || k > w)) continue;
          cases.push({ n, h, w, ci: 3, co: 4, k, stride, pad });
        }
      }
    }
  }
}

/** dx (Conv2DBackpropInput) and dW (Conv2DBackpropFilter) of sum(conv(x, w) * dy). */
function grads(c: Case): number[][] {
  const x = tf.tensor4d(seeded(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
  const w = tf.tensor4d(seeded(c.k * c.k * c.ci * c.co, 2), [c.k, c.k, c.ci, c.co]);
  const y = tf.conv2d(x, w, c.stride, c.pad);
  const dy = tf.tensor4d(seeded(y.size, 3), y.shape);
  const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(xx, ww, c.stride, c.pad), dy));
  const [dx, dw] = tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, w]);
  return values(dx, dw);
}

describe('convolution gradients on WASM match the CPU backend', () => {
  it(`covers ${cases.length} shapes`, () => {
    expect(cases.length).toBeGreaterThan(60);
  });

  for (const c of cases) {
    it(`n=${c.n} ${c.h}x${c.w} k=${c.k} stride=${c.stride} ${c.pad}`, async () => {
      const [dxW, dwW] = await onBackend('wasm', () => grads(c));
      const [dxC, dwC] = await onBackend('cpu', () => grads(c));
      expect(dxW.length).toBe(c.n * c.h * c.w * c.ci);
      expect(dwW.length).toBe(c.k * c.k * c.ci * c.co);
      expect(maxAbsDiff(dxW, dxC)).toBeLessThan(1e-4 * Math.max(1, maxAbs(dxC)));
      expect(maxAbsDiff(dwW, dwC)).toBeLessThan(1e-4 * Math.max(1, maxAbs(dwC)));
    });
  }

  // Maps above 12x12 take the GEMM path of the filter gradient, smaller ones the convolution path.
  const large: Case[] = [
    { n: 16, h: 24, w: 24, ci: 16, co: 32, k: 3, stride: 2, pad: 'same' },
    { n: 2, h: 31, w: 29, ci: 8, co: 12, k: 3, stride: 1, pad: 'same' },
    { n: 3, h: 30, w: 34, ci: 6, co: 5, k: 3, stride: 2, pad: 'same' },
    { n: 2, h: 27, w: 25, ci: 5, co: 7, k: 5, stride: 2, pad: 'valid' },
    { n: 2, h: 40, w: 40, ci: 4, co: 8, k: 1, stride: 2, pad: 'same' },
  ];
  for (const c of large) {
    it(`larger map: n=${c.n} ${c.h}x${c.w}x${c.ci}->${c.co} k=${c.k} stride=${c.stride} ${c.pad}`, async () => {
      const [dxW, dwW] = await onBackend('wasm', () => grads(c));
      const [dxC, dwC] = await onBackend('cpu', () => grads(c));
      expect(maxAbsDiff(dxW, dxC)).toBeLessThan(1e-4 * maxAbs(dxC));
      expect(maxAbsDiff(dwW, dwC)).toBeLessThan(1e-4 * maxAbs(dwC));
    });
  }
});
