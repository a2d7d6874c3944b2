/**
 * Conv2DBackpropInput for the WASM backend, as XNNPACK forward convolutions.
 *
 * The input gradient of `y = conv(x, w, stride s, pad p)` at a position h = s*i + r (phase r) collects
 * dy through the taps kh = s*j + q with q = (r + p) mod s: a stride-1 correlation of dy with that
 * flipped, channel-swapped sub-filter. With stride 1 there is one phase (the classic "full" correlation
 * with the flipped filter); with stride 2 there are four, each a quarter of the work, scattered back into
 * their interleaved positions. No zeros are inserted, so the cost is that of the forward convolution.
 * The stock WASM kernel is a scalar loop (~1.5-2.4 GFLOPS here).
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { flippedSubFilter, scatterHW, zerosOnHeap } from './heap.js';
import { WasmOps } from './wasm-ops.js';

/** One axis of a phase: output positions r, r + s, ...; sub-filter taps q, q + s, ...; correlation offset. */
export interface Phase {
  r: number;
  count: number;
  q: number;
  taps: number;
  offset: number;
}

/** The phases of one axis of the input gradient (input length `len`, kernel `k`, stride `s`, leading pad `p`). */
export function inputGradPhases(len: number, k: number, s: number, p: number): Phase[] {
  const phases: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const count = Math.ceil((len - r) / s);
    const q = (((r + p) % s) + s) % s;
    const taps = Math.max(0, Math.ceil((k - q) / s));
    const c = (r + p - q) / s;
    phases.push({ r, count, q, taps, offset: c - (taps - 1) });
  }
  return phases;
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
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: Ci } = info;
  const ops = new WasmOps(backend);
  const rows = inputGradPhases(H, kH, sH, info.padInfo.top);
  const cols = inputGradPhases(W, kW, sW, info.padInfo.left);

  if (sH === 1 && sW === 1) {
    const [r] = rows;
    const [c] = cols;
    const wT = ops.track(flippedSubFilter(backend, filter, 1, 1, 0, 0, kH, kW));
    return ops.finish(ops.correlate(dy, wT, [H, W], [r.offset, c.offset]));
  }
  const dx = zerosOnHeap(backend, [N, H, W, Ci]);
  for (const r of rows) {
    for (const c of cols) {
      if (r.count <= 0 || c.count <= 0 || r.taps <= 0 || c.taps <= 0) continue;
      const sub = ops.track(flippedSubFilter(backend, filter, sH, sW, r.q, c.q, r.taps, c.taps));
      const part = ops.correlate(dy, sub, [r.count, c.count], [r.offset, c.offset]);
      scatterHW(backend, part, dx, sH, sW, r.r, c.r);
    }
  }
  ops.finish(dx);
  return dx;
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelFunc,
};
