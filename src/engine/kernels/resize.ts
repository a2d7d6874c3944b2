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

/**
 * One pass of the resize over every (output position, channel): `adjoint` false gathers the four
 * taps from the input [N, H, W, C] into the output [N, oh, ow, C]; true scatters the output-shaped
 * gradient back onto the input shape (the exact transpose).
 */
function bilinearPass(
  big: Float32Array,
  small: Float32Array,
  N: number,
  H: number,
  W: number,
  C: number,
  oh: number,
  ow: number,
  adjoint: boolean,
): void {
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
        const fx = tx.f[j];
        const w00 = (1 - fy) * (1 - fx);
        const w01 = (1 - fy) * fx;
        const w10 = fy * (1 - fx);
        const w11 = fy * fx;
        const a = r0 + tx.i0[j] * C;
        const b = r0 + tx.i1[j] * C;
        const c = r1 + tx.i0[j] * C;
        const d = r1 + tx.i1[j] * C;
        for (let k = 0; k < C; k++, o++) {
          if (adjoint) {
            const g = small[o];
            big[a + k] += g * w00;
            big[b + k] += g * w01;
            big[c + k] += g * w10;
            big[d + k] += g * w11;
          } else {
            small[o] = big[a + k] * w00 + big[b + k] * w01 + big[c + k] * w10 + big[d + k] * w11;
          }
        }
      }
    }
  }
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
    bilinearPass(x, out, N, H, W, C, oh, ow, false);
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
    bilinearPass(dx, dy, N, H, W, C, oh, ow, true);
  },
};
