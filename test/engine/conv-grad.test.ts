/**
 * Gradient checks of ranfer's convolution kernels on WASM against TensorFlow.js's CPU backend, over
 * strides 1 and 2, 'same' and 'valid' padding, odd sizes, 1x1 / 3x3 / 5x5 filters, batch 1 and 3.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import {
  correlateTaps,
  correlateTapsSimd,
  simdBlocking,
} from '../../src/engine/kernels/conv2d-backprop-filter.js';
import { simdKernels } from '../../src/engine/kernels/simd.js';
import { WasmOps } from '../../src/engine/kernels/wasm-ops.js';
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

  // Maps above 12x12 take the GEMM path of the filter gradient, smaller ones the convolution path;
  // input channels in eights and output channels in fours take the SIMD kernel at any stride.
  const large: Case[] = [
    { n: 2, h: 13, w: 11, ci: 8, co: 4, k: 3, stride: 1, pad: 'same' },
    { n: 3, h: 19, w: 17, ci: 16, co: 12, k: 5, stride: 2, pad: 'valid' },
    { n: 2, h: 20, w: 20, ci: 8, co: 8, k: 3, stride: 2, pad: 'same' },
    { n: 5, h: 21, w: 9, ci: 24, co: 20, k: 3, stride: 1, pad: 'valid' },
    // one image in blocks of rows at stride 2 (the kernel's strided runs without image groups)
    { n: 1, h: 70, w: 66, ci: 8, co: 12, k: 3, stride: 2, pad: 'same' },
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

describe('the SIMD correlation kernel', () => {
  it('runs on the WASM backend in Node, and equals the GEMM correlation over taps, offsets and blockings', async () => {
    await initBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const kernels = simdKernels(backend);
    expect(kernels).not.toBeNull();
    if (!kernels) return;
    // [x shape, dy shape]: three images a block; one image in blocks of rows (35 of 66, then 31).
    const shapes: [number[], number[]][] = [
      [
        [3, 17, 20, 16],
        [3, 15, 19, 8],
      ],
      [
        [1, 66, 70, 8],
        [1, 66, 70, 12],
      ],
    ];
    expect(simdBlocking(3, [17, 20], [15, 19], 16, 8)).toEqual({ images: 3, rows: 15 });
    expect(simdBlocking(1, [66, 70], [66, 70], 8, 12)).toEqual({ images: 1, rows: 35 });
    for (const [xs, ds] of shapes) {
      const x = tf.tensor4d(seeded(xs[0] * xs[1] * xs[2] * xs[3], 4), xs as [number, number, number, number]);
      const dy = tf.tensor4d(
        seeded(ds[0] * ds[1] * ds[2] * ds[3], 5),
        ds as [number, number, number, number],
      );
      for (const [taps, offset] of [
        [
          [3, 3],
          [-1, -1],
        ],
        [
          [2, 3],
          [0, 1],
        ],
        [
          [1, 1],
          [0, 0],
        ],
        [
          [5, 4],
          [-2, 0],
        ],
      ] as [[number, number], [number, number]][]) {
        const run = (simd: boolean) => {
          const ops = new WasmOps(backend);
          const out = ops.finish(
            simd
              ? correlateTapsSimd(ops, kernels, x, dy, taps, offset)
              : correlateTaps(ops, x, dy, taps, offset),
          );
          const v = Array.from(backend.typedArrayFromHeap(out) as Float32Array);
          expect(out.shape).toEqual([...taps, xs[3], ds[3]]);
          backend.disposeData(out.dataId);
          return v;
        };
        const want = run(false);
        expect(maxAbs(want)).toBeGreaterThan(1);
        expect(maxAbsDiff(run(true), want)).toBeLessThan(1e-5 * maxAbs(want));
      }
      tf.dispose([x, dy]);
    }
  });
});
