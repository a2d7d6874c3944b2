/**
 * Gradient checks of ranfer's depthwise-convolution gradients on WASM against TensorFlow.js's CPU
 * backend: strides 1 and 2, 'same' and 'valid' padding, odd sizes, 3x3 and 5x5 filters, channel
 * multipliers 1 and 2, batch 1 and 3, and one MobileFaceNet-sized layer (TensorFlow.js has no gradient of
 * dilated depthwise convolution to compare with).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maxAbs, maxAbsDiff, onBackend, seeded, values } from './backends.js';

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  m: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
  dilation: number;
}

const cases: Case[] = [];
for (const stride of [1, 2])
  for (const pad of ['same', 'valid'] as const)
    for (const [h, w] of [
      [7, 5],
      [8, 8],
    ])
      for (const k of [3, 5])
        for (const m of [1, 2]) {
          if (pad === 'valid' && (k > h || k > w)) continue;
          cases.push({ n: stride === 1 ? 1 : 3, h, w, c: 4, m, k, stride, pad, dilation: 1 });
        }
cases.push({ n: 4, h: 28, w: 28, c: 64, m: 1, k: 3, stride: 2, pad: 'same', dilation: 1 });

/** dx and dW of sum(depthwiseConv2d(x, w) * dy). */
function grads(c: Case): number[][] {
  const x = tf.tensor4d(seeded(c.n * c.h * c.w * c.c, 1), [c.n, c.h, c.w, c.c]);
  const w = tf.tensor4d(seeded(c.k * c.k * c.c * c.m, 2), [c.k, c.k, c.c, c.m]);
  const conv = (xx: tf.Tensor4D, ww: tf.Tensor4D) =>
    tf.depthwiseConv2d(xx, ww, c.stride, c.pad, 'NHWC', c.dilation);
  const dy = tf.tensor4d(seeded(conv(x, w).size, 3), conv(x, w).shape);
  const f = (xx: tf.Tensor4D, ww: tf.Tensor4D) => tf.sum(tf.mul(conv(xx, ww), dy));
  const [dx, dw] = tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, w]);
  return values(dx, dw);
}

describe('depthwise convolution gradients on WASM match the CPU backend', () => {
  it(`covers ${cases.length} shapes, and WASM has the kernels`, async () => {
    expect(cases.length).toBeGreaterThan(20);
    await onBackend('wasm', () => {
      expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
      expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
    });
  });

  for (const c of cases) {
    it(`n=${c.n} ${c.h}x${c.w}x${c.c} m=${c.m} k=${c.k} stride=${c.stride} ${c.pad} dilation=${c.dilation}`, async () => {
      const [dxW, dwW] = await onBackend('wasm', () => grads(c));
      const [dxC, dwC] = await onBackend('cpu', () => grads(c));
      expect(dxW.length).toBe(c.n * c.h * c.w * c.c);
      expect(dwW.length).toBe(c.k * c.k * c.c * c.m);
      expect(maxAbs(dxC)).toBeGreaterThan(0);
      expect(maxAbsDiff(dxW, dxC)).toBeLessThan(1e-4 * Math.max(1, maxAbs(dxC)));
      expect(maxAbsDiff(dwW, dwC)).toBeLessThan(1e-4 * Math.max(1, maxAbs(dwC)));
    });
  }
});
