/**
 * The gradients of depthwise convolution for the WASM backend, which has none:
 * DepthwiseConv2dNativeBackpropInput (dx) and DepthwiseConv2dNativeBackpropFilter (dW), NHWC, any
 * stride, dilation, padding and channel multiplier. One pass each over dy in plain loops on views of
 * the WASM heap (js-kernel.ts): depthwise work is a few multiply-adds per value loaded, so its cost is
 * memory traffic, which the loops keep sequential (channels innermost).
 *
 *   y[n, oh, ow, c*m + q] = sum over kh, kw of x[n, s*oh + d*kh - pT, s*ow + d*kw - pL, c] * w[kh, kw, c, q]
 *   dx[n, ih, iw, c]      = sum over (oh, kh), (ow, kw) reaching (ih, iw), q of dy[n, oh, ow, c*m + q] * w[kh, kw, c, q]
 *   dW[kh, kw, c, q]      = sum over n, oh, ow of x[n, ih, iw, c] * dy[n, oh, ow, c*m + q]
 */
import {
  backend_util,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
} from '@tensorflow/tfjs-core';
import type { JsKernel } from './js-kernel.js';

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

/** Calls fn(inputOffset, outputOffset, tapOffset) for every (n, oh, ow, kh, kw) whose input lies inside x. */
function forEachTap(
  c: backend_util.Conv2DInfo,
  fn: (xOff: number, yOff: number, wOff: number) => void,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW } = c;
  const { filterHeight: kH, filterWidth: kW, outChannels: CO } = c;
  const { top: pT, left: pL } = c.padInfo;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let kh = 0; kh < kH; kh++) {
        const ih = oh * sH + kh * dH - pT;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < OW; ow++) {
          const yOff = ((n * OH + oh) * OW + ow) * CO;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW + kw * dW - pL;
            if (iw < 0 || iw >= W) continue;
            fn(((n * H + ih) * W + iw) * C, yOff, (kh * kW + kw) * CO);
          }
        }
      }
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
    if (m === 1) {
      forEachTap(c, (xOff, yOff, wOff) => {
        for (let ch = 0; ch < C; ch++) dx[xOff + ch] += dy[yOff + ch] * filter[wOff + ch];
      });
      return;
    }
    forEachTap(c, (xOff, yOff, wOff) => {
      for (let ch = 0; ch < C; ch++) {
        let s = 0;
        for (let q = 0; q < m; q++) s += dy[yOff + ch * m + q] * filter[wOff + ch * m + q];
        dx[xOff + ch] += s;
      }
    });
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
    forEachTap(c, (xOff, yOff, wOff) => {
      if (m === 1) for (let ch = 0; ch < C; ch++) acc[wOff + ch] += x[xOff + ch] * dy[yOff + ch];
      else
        for (let ch = 0; ch < C; ch++)
          for (let q = 0; q < m; q++) acc[wOff + ch * m + q] += x[xOff + ch] * dy[yOff + ch * m + q];
    });
    dw.set(acc);
  },
};
