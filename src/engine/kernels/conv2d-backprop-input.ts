/**
 * Conv2DBackpropInput for the WASM backend, as one XNNPACK forward convolution.
 *
 * The input gradient of `y = conv(x, w, stride s, pad p)` is the convolution of `dy` (dilated by `s`
 * with zeros) with the spatially flipped filter whose in/out channels are swapped. The stock WASM
 * kernel is a scalar loop (~1.5-2.4 GFLOPS here); this runs at the speed of the forward convolution.
 */
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WasmOps } from './wasm-ops.js';

/** Inserts `s - 1` zeros after every element along axis 1 (rows) and 2 (columns) of an NHWC tensor. */
export function dilateNHWC(ops: WasmOps, x: TensorInfo, sH: number, sW: number): TensorInfo {
  const [n, h, w, c] = x.shape;
  let out = x;
  if (sW > 1) {
    const cols = ops.reshape(out, [n * h * w, 1, c]);
    const padded = ops.pad(cols, [
      [0, 0],
      [0, sW - 1],
      [0, 0],
    ]);
    out = ops.reshape(padded, [n, h, w * sW, c]);
  }
  if (sH > 1) {
    const rows = ops.reshape(out, [n * h, 1, w * sW * c]);
    const padded = ops.pad(rows, [
      [0, 0],
      [0, sH - 1],
      [0, 0],
    ]);
    out = ops.reshape(padded, [n, h * sH, w * sW, c]);
  }
  return out;
}

export function conv2DBackpropInputWasm(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat !== 'NHWC') throw new Error('ranfer engine: Conv2DBackpropInput supports NHWC only');
  const info = backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sH, strideWidth: sW, filterHeight: kH, filterWidth: kW } = info;
  const { inHeight: H, inWidth: W } = info;
  const ops = new WasmOps(backend);

  // Filter [kH, kW, Cin, Cout] -> flipped in space, channels swapped: [kH, kW, Cout, Cin].
  const flipped = ops.reverse(filter, [0, 1]);
  const wT = ops.transpose(flipped, [0, 1, 3, 2]);

  let d = sH > 1 || sW > 1 ? dilateNHWC(ops, dy, sH, sW) : dy;
  // d now has length L = OH * s along each axis (trailing zeros after the last row/column).
  const top = kH - 1 - info.padInfo.top;
  const left = kW - 1 - info.padInfo.left;
  if (top < 0 || left < 0) throw new Error('ranfer engine: padding larger than the filter is not supported');
  let bottom = H + kH - 1 - top - d.shape[1];
  let right = W + kW - 1 - left - d.shape[2];
  if (bottom < 0 || right < 0) {
    // Rows/columns of d past the last that reach dx; they only feed positions outside the input.
    d = ops.slice(d, [0, 0, 0, 0], [d.shape[0], d.shape[1] + Math.min(bottom, 0), d.shape[2] + Math.min(right, 0), d.shape[3]]);
    bottom = Math.max(bottom, 0);
    right = Math.max(right, 0);
  }
  const dx = ops.conv2d(d, wT, [
    [top, bottom],
    [left, right],
  ]);
  return ops.finish(dx);
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
