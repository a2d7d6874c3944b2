/**
 * Sum and Mean for the WASM backend, with reductions over leading/middle axes done in place.
 *
 * The stock kernels transpose the reduced axes to the end before reducing; for the per-channel sums
 * of training (batch-norm statistics, the gradients of every broadcast bias or scale) that transpose of
 * a whole activation tensor dominated the step (5.4 s of an 8.5 s step at batch 64, the 5-D transpose
 * being slowest). Here a contiguous block of reduced axes not including the last one is summed straight
 * from the WASM heap as `x[A, R, C] -> out[A, C]`, reading the tensor once, with no copy.
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  type KernelConfig,
  type KernelFunc,
  Mean,
  type NamedAttrMap,
  Sum,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { captureStock } from './stock.js';

/** out[a, c] = scale * sum over r of x[a, r, c] (accumulated in float64). */
export function columnSums(
  x: Float32Array,
  A: number,
  R: number,
  C: number,
  scale: number,
  out: Float32Array,
): void {
  const acc = new Float64Array(C);
  for (let a = 0; a < A; a++) {
    acc.fill(0);
    let base = a * R * C;
    for (let r = 0; r < R; r++, base += C) {
      for (let c = 0; c < C; c++) acc[c] += x[base + c];
    }
    for (let c = 0; c < C; c++) out[a * C + c] = acc[c] * scale;
  }
}

const stock = new Map<string, KernelFunc>();
/** Below this many reduced elements the stock kernel is as good. */
const MIN_REDUCE = 16;

type ReduceArgs = {
  inputs: { x: TensorInfo };
  backend: BackendWasm;
  attrs: NamedAttrMap & { axis: number | number[]; keepDims: boolean };
};

function reduceKernel(name: typeof Sum | typeof Mean): KernelFunc {
  return ((args: ReduceArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const fallback = stock.get(name);
    if (!fallback) throw new Error(`ranfer engine: stock ${name} was not captured`);
    const rank = x.shape.length;
    const axes = [...new Set(util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
    const contiguous = axes.every((a, i) => a === axes[0] + i);
    const last = axes[axes.length - 1];
    const R = axes.reduce((p, a) => p * x.shape[a], 1);
    if (x.dtype !== 'float32' || axes.length === 0 || !contiguous || last === rank - 1 || R < MIN_REDUCE) {
      return fallback(args as never) as TensorInfo;
    }
    const A = x.shape.slice(0, axes[0]).reduce((p, d) => p * d, 1);
    const C = x.shape.slice(last + 1).reduce((p, d) => p * d, 1);
    const outShape = attrs.keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.makeOutput(outShape, 'float32');
    columnSums(
      backend.typedArrayFromHeap(x) as Float32Array,
      A,
      R,
      C,
      name === Mean ? 1 / R : 1,
      backend.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  }) as unknown as KernelFunc;
}

export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: reduceKernel(Sum),
};
export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: reduceKernel(Mean),
};

/** Remembers the stock kernels (and moves their WASM setup over) before ours replace them. */
export function captureStockReductions(): void {
  captureStock([sumConfig, meanConfig], stock);
}
