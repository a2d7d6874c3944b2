/**
 * Bilinear resizing (half-pixel centres, as `tf.image.resizeBilinear(x, size, false, true)`) and its
 * exact gradient, as single-pass kernels. The stock gradients are wrong on both backends used here:
 * WASM ignores half-pixel centres and the CPU backend swaps height and width of non-square inputs.
 */
import type { JsKernel } from './js-kernel.js';

/** Source taps of one axis: for each output index, two input indices and the weight of the second. */
export function bilinearTaps(
  inSize: number,
  outSize: number,
): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const a = Math.floor(src);
    i0[o] = a;
    i1[o] = Math.min(a + 1, inSize - 1);
    f[o] = src - a;
  }
  return { i0, i1, f };
}

/** `RanferResize`: x [N, H, W, C] -> [N, outH, outW, C]. */
export const resizeKernel: JsKernel = {
  name: 'RanferResize',
  outputs: ([x], attrs) => {
    const [oh, ow] = attrs.size as [number, number];
    return [[x[0], oh, ow, x[3]]];
  },
  compute([x], [[N, H, W, C]], [out], attrs) {
    const [oh, ow] = attrs.size as [number, number];
    const ty = bilinearTaps(H, oh);
    const tx = bilinearTaps(W, ow);
    let o = 0;
    for (let n = 0; n < N; n++) {
      const base = n * H * W * C;
      for (let i = 0; i < oh; i++) {
        const r0 = base + ty.i0[i] * W * C;
        const r1 = base + ty.i1[i] * W * C;
        const fy = ty.f[i];
        for (let j = 0; j < ow; j++) {
          const c0 = tx.i0[j] * C;
          const c1 = tx.i1[j] * C;
          const fx = tx.f[j];
          for (let c = 0; c < C; c++, o++) {
            const top = x[r0 + c0 + c] * (1 - fx) + x[r0 + c1 + c] * fx;
            const bottom = x[r1 + c0 + c] * (1 - fx) + x[r1 + c1 + c] * fx;
            out[o] = top * (1 - fy) + bottom * fy;
          }
        }
      }
    }
  },
};

/** `RanferResizeGrad`: dy [N, outH, outW, C] -> dx [N, H, W, C] (the transpose of the resize). */
export const resizeGradKernel: JsKernel = {
  name: 'RanferResizeGrad',
  outputs: ([dy], attrs) => {
    const [h, w] = attrs.inputSize as [number, number];
    return [[dy[0], h, w, dy[3]]];
  },
  compute([dy], [[N, oh, ow, C]], [dx], attrs) {
    const [H, W] = attrs.inputSize as [number, number];
    const ty = bilinearTaps(H, oh);
    const tx = bilinearTaps(W, ow);
    let o = 0;
    for (let n = 0; n < N; n++) {
      const base = n * H * W * C;
      for (let i = 0; i < oh; i++) {
        const r0 = base + ty.i0[i] * W * C;
        const r1 = base + ty.i1[i] * W * C;
        const fy = ty.f[i];
        for (let j = 0; j < ow; j++) {
          const c0 = tx.i0[j] * C;
          const c1 = tx.i1[j] * C;
          const fx = tx.f[j];
          for (let c = 0; c < C; c++, o++) {
            const g = dy[o];
            dx[r0 + c0 + c] += g * (1 - fy) * (1 - fx);
            dx[r0 + c1 + c] += g * (1 - fy) * fx;
            dx[r1 + c0 + c] += g * fy * (1 - fx);
            dx[r1 + c1 + c] += g * fy * fx;
          }
        }
      }
    }
  },
};
