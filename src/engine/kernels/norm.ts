/**
 * Single-pass kernels for batch normalisation and PReLU training on [G, R, C] tensors
 * (G ghost batches, R positions, C channels; inputs are ordered by name).
 */
import type { JsKernel } from './js-kernel.js';

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
      for (let r = 0, i = base; r < R; r++) {
        for (let c = 0; c < C; c++, i++) {
          const d = x[i] - k[c];
          s1[c] += d;
          s2[c] += d * d;
        }
      }
      for (let c = 0; c < C; c++) {
        const m = s1[c] / R;
        mean[g * C + c] = k[c] + m;
        variance[g * C + c] = Math.max(s2[c] / R - m * m, 0);
      }
    }
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
      a.fill(0);
      b.fill(0);
      for (let r = 0, i = g * R * C; r < R; r++) {
        for (let c = 0; c < C; c++, i++) {
          const d = dy[i];
          a[c] += d;
          b[c] += d * x[i];
        }
      }
      for (let c = 0; c < C; c++) {
        sumDy[g * C + c] = a[c];
        sumDyX[g * C + c] = b[c];
      }
    }
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
    const positions = dy.length / C;
    for (let p = 0, i = 0; p < positions; p++) {
      for (let c = 0; c < C; c++, i++) {
        const v = x[i];
        const d = dy[i];
        if (v > 0) dx[i] = d;
        else {
          dx[i] = alpha[c] * d;
          acc[c] += d * v;
        }
      }
    }
    for (let c = 0; c < C; c++) dalpha[c] = acc[c];
  },
};
