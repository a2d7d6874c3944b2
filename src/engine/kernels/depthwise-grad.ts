/**
 * The gradients of depthwise convolution for the WASM backend, which has none:
 * DepthwiseConv2dNativeBackpropInput (dx) and DepthwiseConv2dNativeBackpropFilter (dW), NHWC.
 * dx runs as an XNNPACK depthwise convolution (dy spread on the stride grid, correlated with the turned
 * filter) where the channel multiplier is 1 and there is no dilation; dW, and dx otherwise, as plain loops
 * over the heap (any stride, dilation, padding and multiplier; channels innermost). Folding the batch into
 * the channels to run dW as a dilated XNNPACK convolution with dy as the filter was measured slower.
 *
 *   y[n, oh, ow, c*m + q] = sum over kh, kw of x[n, s*oh + d*kh - pT, s*ow + d*kw - pL, c] * w[kh, kw, c, q]
 *   dx[n, ih, iw, c]      = sum over (oh, kh), (ow, kw) reaching (ih, iw), q of dy[n, oh, ow, c*m + q] * w[kh, kw, c, q]
 *   dW[kh, kw, c, q]      = sum over n, oh, ow of x[n, ih, iw, c] * dy[n, oh, ow, c*m + q]
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { scatterHW, zerosOnHeap } from './heap.js';
import type { JsKernel } from './js-kernel.js';
import { WasmOps } from './wasm-ops.js';

interface DepthwiseAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dilations: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function info(xShape: number[], filterShape: number[], attrs: DepthwiseAttrs) {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad as 'same',
    attrs.dimRoundingMode,
    true,
  );
}

/**
 * Every (n, oh, ow, kh, kw) whose input lies inside x, as offset triples (input, output, tap) into the
 * NHWC input, the output and the filter, each at channel 0 (output and filter offsets in output channels).
 * The kernels then run one flat loop over the triples, whatever the stride, padding and dilation.
 */
function tapPlan(c: backend_util.Conv2DInfo): Int32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW } = c;
  const { filterHeight: kH, filterWidth: kW, outChannels: CO } = c;
  const { top: pT, left: pL } = c.padInfo;
  const plan = new Int32Array(3 * N * OH * OW * kH * kW);
  let t = 0;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH + kh * dH - pT;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++)
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW + kw * dW - pL;
            if (iw < 0 || iw >= W) continue;
            plan[t++] = ((n * H + ih) * W + iw) * C;
            plan[t++] = ((n * OH + oh) * OW + ow) * CO;
            plan[t++] = (kh * kW + kw) * CO;
          }
      }
  return plan.subarray(0, t);
}

export const depthwiseBackpropInputKernel: JsKernel = {
  name: DepthwiseConv2dNativeBackpropInput,
  outputs: (_shapes, attrs) => [(attrs as { inputShape: number[] }).inputShape],
  // Inputs in key order: dy, filter.
  compute: ([dy, filter], [dyShape, filterShape], [dx], attrs) => {
    const inputShape = (attrs as { inputShape: number[] }).inputShape;
    const c = info(inputShape, filterShape, attrs as unknown as DepthwiseAttrs);
    if (dyShape[1] !== c.outHeight || dyShape[2] !== c.outWidth)
      throw new Error('DepthwiseConv2dNativeBackpropInput: dy does not fit the input and filter shapes');
    const C = c.inChannels;
    const m = c.outChannels / C;
    const plan = tapPlan(c);
    for (let t = 0; t < plan.length; t += 3) {
      const xOff = plan[t];
      const yOff = plan[t + 1];
      const wOff = plan[t + 2];
      if (m === 1) for (let ch = 0; ch < C; ch++) dx[xOff + ch] += dy[yOff + ch] * filter[wOff + ch];
      else
        for (let ch = 0; ch < C; ch++) {
          let sum = 0;
          for (let q = 0; q < m; q++) sum += dy[yOff + ch * m + q] * filter[wOff + ch * m + q];
          dx[xOff + ch] += sum;
        }
    }
  },
};

export const depthwiseBackpropFilterKernel: JsKernel = {
  name: DepthwiseConv2dNativeBackpropFilter,
  outputs: (_shapes, attrs) => [(attrs as { filterShape: number[] }).filterShape],
  // Inputs in key order: dy, x.
  compute: ([dy, x], [dyShape, xShape], [dw], attrs) => {
    const filterShape = (attrs as { filterShape: number[] }).filterShape;
    const c = info(xShape, filterShape, attrs as unknown as DepthwiseAttrs);
    if (dyShape[1] !== c.outHeight || dyShape[2] !== c.outWidth)
      throw new Error('DepthwiseConv2dNativeBackpropFilter: dy does not fit the input and filter shapes');
    const C = c.inChannels;
    const m = c.outChannels / C;
    // Float64 sums: a tap adds up N * OH * OW products.
    const acc = new Float64Array(dw.length);
    const plan = tapPlan(c);
    for (let t = 0; t < plan.length; t += 3) {
      const xOff = plan[t];
      const yOff = plan[t + 1];
      const wOff = plan[t + 2];
      if (m === 1) for (let ch = 0; ch < C; ch++) acc[wOff + ch] += x[xOff + ch] * dy[yOff + ch];
      else
        for (let ch = 0; ch < C; ch++)
          for (let q = 0; q < m; q++) acc[wOff + ch * m + q] += x[xOff + ch] * dy[yOff + ch * m + q];
    }
    dw.set(acc);
  },
};

/** The JS loops of a kernel on heap views (the fallback of the XNNPACK paths below). */
function onHeap(
  k: JsKernel,
  backend: BackendWasm,
  ins: TensorInfo[],
  attrs: Record<string, unknown>,
): TensorInfo {
  const shapes = ins.map((t) => t.shape);
  const [shape] = k.outputs(shapes, attrs);
  const out = backend.makeOutput(shape, 'float32');
  const outView = backend.typedArrayFromHeap(out) as Float32Array;
  outView.fill(0);
  k.compute(
    ins.map((t) => backend.typedArrayFromHeap(t) as Float32Array),
    shapes,
    [outView],
    attrs,
  );
  return out;
}

/**
 * dx through XNNPACK's depthwise convolution: dy spread onto the stride grid (zeros between), correlated
 * with the filter turned by 180 degrees. Channel multiplier 1, no dilation; the loops otherwise.
 */
function backpropInputWasm(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  const c = info(inputShape, filter.shape, attrs as unknown as DepthwiseAttrs);
  const { strideHeight: s, strideWidth: t, filterHeight: kH, filterWidth: kW } = c;
  const top = kH - 1 - c.padInfo.top;
  const left = kW - 1 - c.padInfo.left;
  const upH = s * (c.outHeight - 1) + 1;
  const upW = t * (c.outWidth - 1) + 1;
  const bottom = c.inHeight + kH - 1 - top - upH;
  const right = c.inWidth + kW - 1 - left - upW;
  const simple =
    c.outChannels === c.inChannels &&
    c.dilationHeight === 1 &&
    c.dilationWidth === 1 &&
    Math.min(top, left, bottom, right) >= 0;
  if (!simple) return onHeap(depthwiseBackpropInputKernel, backend, [dy, filter], attrs);
  const ops = new WasmOps(backend);
  let spread = dy;
  if (s > 1 || t > 1) {
    spread = ops.track(zerosOnHeap(backend, [c.batchSize, upH, upW, c.inChannels]));
    scatterHW(backend, dy, spread, s, t, 0, 0);
  }
  const flipped = ops.reverse(filter, [0, 1]);
  return ops.finish(
    ops.depthwiseConv2d(
      spread,
      flipped,
      [
        [top, bottom],
        [left, right],
      ],
      [1, 1],
    ),
  );
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: backpropInputWasm as unknown as KernelFunc,
};

/** dW as loops on the heap: measured faster than XNNPACK with dy as a large dilated filter. */
export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: (({
    inputs,
    backend,
    attrs,
  }: {
    inputs: { x: TensorInfo; dy: TensorInfo };
    backend: BackendWasm;
    attrs: Record<string, unknown>;
  }) =>
    onHeap(depthwiseBackpropFilterKernel, backend, [inputs.dy, inputs.x], attrs)) as unknown as KernelFunc,
};
