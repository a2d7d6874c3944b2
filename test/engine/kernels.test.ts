/** ranfer's other WASM kernels (reductions, transposed matmul, normalisation) against the CPU backend. */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { bnGradSumsKernel, momentsKernel, preluGradKernel } from '../../src/engine/kernels/norm.js';
import { maxAbsDiff, onBackend, seeded, values } from './backends.js';

async function both(fn: () => number[][]): Promise<[number[][], number[][]]> {
  return [await onBackend('wasm', fn), await onBackend('cpu', fn)];
}

describe('reductions', () => {
  const shapes: Array<[number[], number | number[], boolean]> = [
    [[2, 3, 5, 7], [0, 1, 2], false],
    [[2, 3, 5, 7], [1, 2], true],
    [[4, 40, 6], 1, false],
    [[2, 8, 8, 3], [0, 1, 2], true],
    [[3, 50], 0, false],
    [[3, 50], 1, false],
    [[6, 10, 10, 4], [1, 3], false],
  ];
  for (const [shape, axis, keepDims] of shapes) {
    it(`sum and mean of ${shape.join('x')} over ${axis} (keepDims ${keepDims})`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      const [w, c] = await both(() => {
        const x = tf.tensor(seeded(size, 7), shape);
        const s = tf.sum(x, axis, keepDims);
        const m = tf.mean(x, axis, keepDims);
        return [...values(s, m), s.shape, m.shape];
      });
      expect(w[2]).toEqual(c[2]);
      expect(maxAbsDiff(w[0], c[0])).toBeLessThan(1e-4);
      expect(maxAbsDiff(w[1], c[1])).toBeLessThan(1e-5);
    });
  }
});

describe('matMul with transposed operands', () => {
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`transposeA=${ta} transposeB=${tb}`, async () => {
      const [w, c] = await both(() => {
        const a = tf.tensor3d(seeded(2 * 5 * 7, 1), ta ? [2, 7, 5] : [2, 5, 7]);
        const b = tf.tensor3d(seeded(2 * 7 * 3, 2), tb ? [2, 3, 7] : [2, 7, 3]);
        return values(tf.matMul(a, b, ta, tb));
      });
      expect(w[0].length).toBe(30);
      expect(maxAbsDiff(w[0], c[0])).toBeLessThan(1e-5);
    });
  }
});

describe('concat and slice (heap copies)', () => {
  const concats: Array<[number[][], number]> = [
    [
      [
        [1, 6, 5, 1],
        [1, 6, 5, 1],
        [1, 6, 5, 1],
      ],
      3,
    ],
    [
      [
        [2, 3, 4],
        [2, 3, 9],
      ],
      2,
    ],
    [
      [
        [2, 3, 4],
        [2, 5, 4],
        [2, 1, 4],
      ],
      1,
    ],
    [
      [
        [2, 3, 40],
        [3, 3, 40],
      ],
      0,
    ],
    [
      [
        [2, 0, 4],
        [2, 3, 4],
      ],
      1,
    ],
    [
      [
        [4, 2],
        [4, 70],
      ],
      -1,
    ],
  ];
  for (const [shapes, axis] of concats) {
    it(`concat of ${shapes.map((s) => s.join('x')).join(' + ')} on axis ${axis} (float32 and int32)`, async () => {
      const [w, c] = await both(() => {
        const xs = shapes.map((s, i) =>
          tf.tensor(
            seeded(
              s.reduce((a, b) => a * b, 1),
              i + 3,
            ),
            s,
          ),
        );
        const f = tf.concat(xs, axis);
        const n = tf.concat(
          xs.map((x) => tf.cast(tf.mul(x, 100), 'int32')),
          axis,
        );
        expect(n.dtype).toBe('int32');
        return [...values(f, n), f.shape];
      });
      expect(w[2]).toEqual(c[2]);
      expect(w[0]).toEqual(c[0]);
      expect(w[1]).toEqual(c[1]);
    });
  }
  const slices: Array<[number[], number[], number[]]> = [
    [
      [768, 50, 3],
      [100, 7, 0],
      [62, 40, 3],
    ],
    [
      [2, 9, 9, 4],
      [1, 2, 3, 1],
      [1, 5, 4, 2],
    ],
    [
      [2, 9, 9, 4],
      [0, 2, 0, 0],
      [2, 5, -1, -1],
    ],
    [
      [2, 9, 9, 4],
      [1, 0, 0, 0],
      [1, -1, -1, -1],
    ],
    [
      [5, 70],
      [2, 3],
      [3, 60],
    ],
    [[33], [4], [20]],
    [
      [3, 4],
      [1, 1],
      [0, 2],
    ],
  ];
  for (const [shape, begin, size] of slices) {
    it(`slice of ${shape.join('x')} at ${begin.join(',')} size ${size.join(',')}`, async () => {
      const [w, c] = await both(() => {
        const x = tf.tensor(
          seeded(
            shape.reduce((a, b) => a * b, 1),
            9,
          ),
          shape,
        );
        const f = tf.slice(x, begin, size);
        const n = tf.slice(tf.cast(tf.mul(x, 100), 'int32'), begin, size);
        return [...values(f, n), f.shape];
      });
      expect(w[2]).toEqual(c[2]);
      expect(w[0]).toEqual(c[0]);
      expect(w[1]).toEqual(c[1]);
    });
  }
});

describe('identity without a copy', () => {
  it('shares the input data, keeps it alive after the input is disposed, and frees it with the last reference', async () => {
    await initBackend('wasm');
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor2d(seeded(12, 3), [3, 4]);
    const id = tf.clone(x);
    expect(tf.memory().numDataBuffers - before).toBe(1);
    x.dispose();
    expect(Array.from(id.dataSync())).toEqual(Array.from(seeded(12, 3), Math.fround));
    id.dispose();
    expect(tf.memory().numDataBuffers).toBe(before);
  });

  it('leaves gradients through clones as they were (a variable updated after identity keeps its copy)', async () => {
    await initBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.clone(a), tf.clone(a))))(tf.tensor1d([1, -2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
    tf.dispose([v, snapshot, g]);
  });
});

describe('batch-norm and PReLU sums over tiles of positions', () => {
  // Positions below, at and across tile edges; channel counts with and without a remainder of four.
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1],
    [2, 63, 4],
    [1, 64, 8],
    [3, 129, 7],
    [2, 200, 18],
  ];
  for (const [G, R, C] of shapes) {
    it(`match their definitions on [${G}, ${R}, ${C}]`, () => {
      const n = G * R * C;
      const x = Float32Array.from(seeded(n, 11), (v) => 3 * v + 2);
      const dy = Float32Array.from(seeded(n, 12));
      const alpha = Float32Array.from(seeded(C, 13));
      const out = (k: number) => Array.from({ length: k }, () => new Float32Array(G * C));
      const [mean, variance] = out(2);
      momentsKernel.compute([x], [[G, R, C]], [mean, variance], {});
      const [sumDy, sumDyX] = out(2);
      bnGradSumsKernel.compute([dy, x], [[G, R, C]], [sumDy, sumDyX], {});
      const dx = new Float32Array(n);
      const dalpha = new Float32Array(C);
      preluGradKernel.compute([alpha, dy, x], [[C]], [dx, dalpha], {});
      const at = (g: number, r: number, c: number) => (g * R + r) * C + c;
      const dalphaRef = new Float64Array(C);
      for (let g = 0; g < G; g++)
        for (let c = 0; c < C; c++) {
          let m = 0;
          let sd = 0;
          let sdx = 0;
          for (let r = 0; r < R; r++) {
            m += x[at(g, r, c)] / R;
            sd += dy[at(g, r, c)];
            sdx += dy[at(g, r, c)] * x[at(g, r, c)];
          }
          let v = 0;
          for (let r = 0; r < R; r++) v += (x[at(g, r, c)] - m) ** 2 / R;
          expect(mean[g * C + c]).toBeCloseTo(m, 5);
          expect(variance[g * C + c]).toBeCloseTo(v, 4);
          expect(sumDy[g * C + c]).toBeCloseTo(sd, 4);
          expect(sumDyX[g * C + c]).toBeCloseTo(sdx, 4);
        }
      for (let i = 0; i < n; i++) {
        const c = i % C;
        expect(dx[i]).toBe(Math.fround(x[i] > 0 ? dy[i] : alpha[c] * dy[i]));
        if (x[i] <= 0) dalphaRef[c] += dy[i] * x[i];
      }
      for (let c = 0; c < C; c++) expect(dalpha[c]).toBeCloseTo(dalphaRef[c], 4);
    });
  }
});
