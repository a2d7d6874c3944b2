/**
 * Single-pass kernels for batch normalisation and PReLU training on [G, R, C] tensors
 * (G ghost batches, R positions, C channels; inputs are ordered by name).
 *
 * Per-channel sums run over tiles of `TILE` positions, four channels at a time, with the sums in local
 * variables: a tile's values stay in the cache while its channel blocks are summed, and no sum goes
 * through memory per value (3-4x faster than a loop over positions with per-channel sum arrays). The two
 * sums' loops are written out in each kernel: one routine shared by both (sums of a and of a x b, with
 * shifts) measured 1.2-1.7x slower.
 *
 * On the WASM backend, channel counts in fours run in ranfer's SIMD kernels instead (simd.wat: the same
 * tiles, four channels a float32x4, each tile's sums added in float64).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { view, zerosOnHeap } from './heap.js';
import type { JsKernel } from './js-kernel.js';
import { float64Scratch, heapAddress } from './simd.js';

/** Positions per tile (a tile of 64 x C float32 values stays in the L1 or L2 cache). */
const TILE = 64;

/**
 * `RanferMoments`: x [G, R, C] -> mean [G, C], biased variance [G, C]. One pass: float64 sums of x and
 * x^2 (relative to the first row, which keeps E[x^2] - E[x]^2 well conditioned for shifted data).
 */
export const momentsKernel: JsKernel = {
  name: 'RanferMoments',
  outputs: ([x]) => [
    [x[0], x[2]],
    [x[0], x[2]],
  ],
  compute([x], [[G, R, C]], [mean, variance]) {
    const s1 = new Float64Array(C);
    const s2 = new Float64Array(C);
    const k = new Float64Array(C);
    for (let g = 0; g < G; g++) {
      const base = g * R * C;
      for (let c = 0; c < C; c++) k[c] = x[base + c];
      s1.fill(0);
      s2.fill(0);
      for (let r0 = 0; r0 < R; r0 += TILE) {
        const end = base + Math.min(R, r0 + TILE) * C;
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          const k0 = k[c];
          const k1 = k[c + 1];
          const k2 = k[c + 2];
          const k3 = k[c + 3];
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          let b0 = 0;
          let b1 = 0;
          let b2 = 0;
          let b3 = 0;
          for (let i = base + r0 * C + c; i < end; i += C) {
            const d0 = x[i] - k0;
            const d1 = x[i + 1] - k1;
            const d2 = x[i + 2] - k2;
            const d3 = x[i + 3] - k3;
            a0 += d0;
            a1 += d1;
            a2 += d2;
            a3 += d3;
            b0 += d0 * d0;
            b1 += d1 * d1;
            b2 += d2 * d2;
            b3 += d3 * d3;
          }
          s1[c] += a0;
          s1[c + 1] += a1;
          s1[c + 2] += a2;
          s1[c + 3] += a3;
          s2[c] += b0;
          s2[c + 1] += b1;
          s2[c + 2] += b2;
          s2[c + 3] += b3;
        }
        for (; c < C; c++) {
          const kc = k[c];
          let a = 0;
          let b = 0;
          for (let i = base + r0 * C + c; i < end; i += C) {
            const d = x[i] - kc;
            a += d;
            b += d * d;
          }
          s1[c] += a;
          s2[c] += b;
        }
      }
      for (let c = 0; c < C; c++) {
        const m = s1[c] / R;
        mean[g * C + c] = k[c] + m;
        variance[g * C + c] = Math.max(s2[c] / R - m * m, 0);
      }
    }
  },
  simd(kernels, backend, [x], [mean, variance]) {
    const [G, R, C] = x.shape;
    if (C % 4 !== 0) return false;
    const at = heapAddress(backend, x);
    // float64 sums of x - (the group's first row) [G, C], then of their squares [G, C]
    const s = float64Scratch(backend, 2 * G * C, (sums) => {
      for (let g = 0; g < G; g++) {
        const u = at + g * R * C * 4;
        kernels.channel_sums(u, u, u, u, R, C, sums + g * C * 8, sums + (G + g) * C * 8);
      }
    });
    const xv = view(backend, x);
    const m = view(backend, mean);
    const v = view(backend, variance);
    for (let g = 0; g < G; g++) {
      for (let c = 0; c < C; c++) {
        const d = s[g * C + c] / R;
        m[g * C + c] = xv[g * R * C + c] + d;
        v[g * C + c] = Math.max(s[(G + g) * C + c] / R - d * d, 0);
      }
    }
    return true;
  },
};

/** `RanferBNGradSums`: dy, x [G, R, C] -> sum over R of dy [G, C] and of dy * x [G, C]. */
export const bnGradSumsKernel: JsKernel = {
  name: 'RanferBNGradSums',
  outputs: ([dy]) => [
    [dy[0], dy[2]],
    [dy[0], dy[2]],
  ],
  compute([dy, x], [[G, R, C]], [sumDy, sumDyX]) {
    const a = new Float64Array(C);
    const b = new Float64Array(C);
    for (let g = 0; g < G; g++) {
      const base = g * R * C;
      a.fill(0);
      b.fill(0);
      for (let r0 = 0; r0 < R; r0 += TILE) {
        const end = base + Math.min(R, r0 + TILE) * C;
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          let b0 = 0;
          let b1 = 0;
          let b2 = 0;
          let b3 = 0;
          for (let i = base + r0 * C + c; i < end; i += C) {
            const d0 = dy[i];
            const d1 = dy[i + 1];
            const d2 = dy[i + 2];
            const d3 = dy[i + 3];
            a0 += d0;
            a1 += d1;
            a2 += d2;
            a3 += d3;
            b0 += d0 * x[i];
            b1 += d1 * x[i + 1];
            b2 += d2 * x[i + 2];
            b3 += d3 * x[i + 3];
          }
          a[c] += a0;
          a[c + 1] += a1;
          a[c + 2] += a2;
          a[c + 3] += a3;
          b[c] += b0;
          b[c + 1] += b1;
          b[c + 2] += b2;
          b[c + 3] += b3;
        }
        for (; c < C; c++) {
          let sa = 0;
          let sb = 0;
          for (let i = base + r0 * C + c; i < end; i += C) {
            sa += dy[i];
            sb += dy[i] * x[i];
          }
          a[c] += sa;
          b[c] += sb;
        }
      }
      for (let c = 0; c < C; c++) {
        sumDy[g * C + c] = a[c];
        sumDyX[g * C + c] = b[c];
      }
    }
  },
  simd(kernels, backend, [dy, x], [sumDy, sumDyX]) {
    const [G, R, C] = dy.shape;
    if (C % 4 !== 0) return false;
    const zeros = zerosOnHeap(backend, [C]);
    try {
      const d = heapAddress(backend, dy);
      const xa = heapAddress(backend, x);
      const z = heapAddress(backend, zeros);
      const s = float64Scratch(backend, 2 * G * C, (sums) => {
        for (let g = 0; g < G; g++) {
          const o = g * R * C * 4;
          kernels.channel_sums(d + o, xa + o, z, z, R, C, sums + g * C * 8, sums + (G + g) * C * 8);
        }
      });
      view(backend, sumDy).set(s.subarray(0, G * C));
      view(backend, sumDyX).set(s.subarray(G * C));
    } finally {
      backend.disposeData(zeros.dataId);
    }
    return true;
  },
};

/**
 * `RanferPReLUGrad`: alpha [C], dy, x [N, C] (any leading shape flattened) ->
 * dx = dy where x > 0 else alpha * dy; dalpha [C] = sum of dy * x where x <= 0.
 */
export const preluGradKernel: JsKernel = {
  name: 'RanferPReLUGrad',
  outputs: ([alpha, dy]) => [dy, alpha],
  compute([alpha, dy, x], [[C]], [dx, dalpha]) {
    const acc = new Float64Array(C);
    const R = dy.length / C;
    for (let r0 = 0; r0 < R; r0 += TILE) {
      const end = Math.min(R, r0 + TILE) * C;
      for (let c = 0; c < C; c++) {
        const p = alpha[c];
        let a = 0;
        for (let i = r0 * C + c; i < end; i += C) {
          const v = x[i];
          const d = dy[i];
          dx[i] = v > 0 ? d : p * d;
          a += v > 0 ? 0 : d * v;
        }
        acc[c] += a;
      }
    }
    for (let c = 0; c < C; c++) dalpha[c] = acc[c];
  },
  simd(kernels, backend, [alpha, dy, x], [dx, dalpha]) {
    const C = alpha.shape[0];
    if (C % 4 !== 0) return false;
    const R = dy.shape.reduce((a, b) => a * b, 1) / C;
    const a = (t: TensorInfo) => heapAddress(backend, t);
    const s = float64Scratch(backend, C, (sums) =>
      kernels.prelu_grad(a(x), a(dy), a(alpha), a(dx), R, C, sums),
    );
    view(backend, dalpha).set(s);
    return true;
  },
};

/**
 * `RanferAffine`: p, q [G, C], u, v [G, R, C], w [G, C] -> u * p + v * q + w, with the coefficients of
 * each ghost batch and channel: batch normalisation's affine step, and its dx, in one pass.
 */
export const affineKernel: JsKernel = {
  name: 'RanferAffine',
  outputs: ([, , u]) => [u],
  compute([p, q, u, v, w], [, , [G, R, C]], [out]) {
    for (let g = 0; g < G; g++) {
      const k = g * C;
      for (let r = 0; r < R; r++) {
        const base = (g * R + r) * C;
        for (let c = 0; c < C; c++)
          out[base + c] = u[base + c] * p[k + c] + v[base + c] * q[k + c] + w[k + c];
      }
    }
  },
  simd(kernels, backend, [p, q, u, v, w], [out]) {
    const [G, R, C] = u.shape;
    if (C % 4 !== 0) return false;
    const a = (t: TensorInfo) => heapAddress(backend, t);
    for (let g = 0; g < G; g++) {
      const o = g * R * C * 4;
      const k = g * C * 4;
      kernels.affine(a(u) + o, a(v) + o, a(p) + k, a(q) + k, a(w) + k, a(out) + o, R, C);
    }
    return true;
  },
};
