/**
 * Conv2DBackpropFilter for the WASM backend (which has none), through its fast paths.
 *
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*s + kh - pT, ow*s + kw - pL, ci] * dy[n, oh, ow, co].
 * - 1x1 filters without padding: a matrix product of the (strided, transposed) input and dy.
 * - Otherwise: a forward convolution of the batch-transposed input [Ci, H, W, N] with dy as the filter
 *   [OH, OW, N, Co], dilated by the stride; its [Ci, kH, kW, Co] output transposed to [kH, kW, Ci, Co].
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmOps } from './wasm-ops.js';

export function conv2DBackpropFilterWasm(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat !== 'NHWC') throw new Error('ranfer engine: Conv2DBackpropFilter supports NHWC only');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sH, strideWidth: sW, filterHeight: kH, filterWidth: kW } = info;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci, outChannels: Co } = info;
  const { outHeight: OH, outWidth: OW } = info;
  const { top: pT, left: pL } = info.padInfo;
  const ops = new WasmOps(backend);

  if (kH === 1 && kW === 1 && pT === 0 && pL === 0) {
    const xs = sH > 1 || sW > 1 || OH * sH < H || OW * sW < W ? ops.stridedSlice(x, [0, 0, 0, 0], [N, OH * sH, OW * sW, Ci], [1, sH, sW, 1]) : x;
    const a = ops.transpose(ops.reshape(xs, [1, N * OH * OW, Ci]), [0, 2, 1]); // [1, Ci, M]
    const b = ops.reshape(dy, [1, N * OH * OW, Co]);
    const dw = ops.matMul(a, b);
    return ops.finish(ops.reshape(dw, [1, 1, Ci, Co]));
  }

  // Extent of input rows the convolution reads: (OH - 1) * s + kH rows starting at -pT.
  let xin = x;
  let bottom = (OH - 1) * sH + kH - pT - H;
  let right = (OW - 1) * sW + kW - pL - W;
  if (bottom < 0 || right < 0) {
    xin = ops.slice(x, [0, 0, 0, 0], [N, H + Math.min(bottom, 0), W + Math.min(right, 0), Ci]);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const xt = ops.transpose(xin, [3, 1, 2, 0]); // [Ci, H, W, N]
  const f = ops.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
  const out = ops.conv2d(
    xt,
    f,
    [
      [pT, bottom],
      [pL, right],
    ],
    [sH, sW],
  ); // [Ci, kH, kW, Co]
  return ops.finish(ops.transpose(out, [1, 2, 0, 3]));
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
