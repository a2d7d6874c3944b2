/**
 * Concat and Slice for the WASM backend, copying contiguous runs straight on the heap.
 *
 * The stock kernels run in JavaScript and, for a concat along the last axis or a crop of an image,
 * copy element by element or a few values at a time (face-api's input normalisation concatenates
 * three [1, 512, 512, 1] channels: 39 ms stock; cropping a face from a 1366x768 photo: 20 ms).
 * Here every output is written as runs as long as the layout allows, one pass.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  Concat,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  Slice,
  slice_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { captureStock } from './stock.js';

type Heap = Float32Array | Int32Array | Uint8Array;
const stock = new Map<string, KernelFunc>();
const COPYABLE = new Set(['float32', 'int32', 'bool']);

function heap(backend: BackendWasm, t: TensorInfo): Heap {
  return backend.typedArrayFromHeap(t) as Heap;
}

/** Copies `n` values; short runs by a loop (no subarray objects), long ones by `set`. */
function copyRun(src: Heap, from: number, dst: Heap, to: number, n: number): void {
  if (n < 32) for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
  else dst.set(src.subarray(from, from + n), to);
}

/**
 * out = concat(x_i, axis): viewing each input as [outer, inner_i], each output row is the inputs' rows
 * back to back. When all inputs have the same small inner size (a channel concat), values are
 * interleaved in one loop.
 */
export function concatOnHeap(ins: Heap[], inners: number[], outer: number, out: Heap): void {
  const total = inners.reduce((a, b) => a + b, 0);
  if (inners.every((n) => n === 1)) {
    const k = ins.length;
    for (let i = 0; i < k; i++) {
      const src = ins[i];
      for (let o = 0, d = i; o < outer; o++, d += k) out[d] = src[o];
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    let d = o * total;
    for (let i = 0; i < ins.length; i++) {
      copyRun(ins[i], o * inners[i], out, d, inners[i]);
      d += inners[i];
    }
  }
}

/**
 * out = x[begin : begin + size] for any rank: trailing axes taken whole are merged into the copy run,
 * the remaining outer axes are walked with an odometer.
 */
export function sliceOnHeap(src: Heap, shape: number[], begin: number[], size: number[], out: Heap): void {
  const rank = shape.length;
  // The run: the innermost axis not taken whole, times every whole axis inside it.
  let axis = rank - 1;
  let run = 1;
  while (axis >= 0 && size[axis] === shape[axis]) run *= shape[axis--];
  if (axis < 0) {
    copyRun(src, 0, out, 0, run);
    return;
  }
  const strides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = strides[a + 1] * shape[a + 1];
  const runLen = run * size[axis];
  const rows = size.slice(0, axis).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(axis).fill(0);
  let d = 0;
  for (let r = 0; r < rows; r++) {
    let s = begin[axis] * strides[axis];
    for (let a = 0; a < axis; a++) s += (begin[a] + idx[a]) * strides[a];
    copyRun(src, s, out, d, runLen);
    d += runLen;
    for (let a = axis - 1; a >= 0; a--) {
      if (++idx[a] < size[a]) break;
      idx[a] = 0;
    }
  }
}

type Args<I> = { inputs: I; backend: BackendWasm; attrs: NamedAttrMap };

function fallback(name: string, args: unknown): TensorInfo {
  const f = stock.get(name);
  if (!f) throw new Error(`ranfer engine: stock ${name} was not captured`);
  return f(args as never) as TensorInfo;
}

const concatKernel = ((args: Args<TensorInfo[]>): TensorInfo => {
  const { backend, attrs } = args;
  const all = Array.from(args.inputs as ArrayLike<TensorInfo>);
  const inputs = all.filter((t) => util.sizeFromShape(t.shape) > 0);
  const dtype = all[0]?.dtype;
  if (inputs.length < 2 || !COPYABLE.has(dtype) || inputs.some((t) => t.dtype !== dtype))
    return fallback(Concat, args);
  const axis = util.parseAxisParam(attrs.axis as number, inputs[0].shape)[0];
  const outShape = [...inputs[0].shape];
  outShape[axis] = inputs.reduce((s, t) => s + t.shape[axis], 0);
  const outer = inputs[0].shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(outShape, dtype);
  // Views after the allocation (it may grow the heap).
  concatOnHeap(
    inputs.map((t) => heap(backend, t)),
    inputs.map((t) => util.sizeFromShape(t.shape) / outer),
    outer,
    heap(backend, out),
  );
  return out;
}) as unknown as KernelFunc;

const sliceKernel = ((args: Args<{ x: TensorInfo }>): TensorInfo => {
  const { backend, attrs } = args;
  const { x } = args.inputs;
  if (!COPYABLE.has(x.dtype) || x.shape.length === 0) return fallback(Slice, args);
  const [begin, size] = slice_util.parseSliceParams(
    x as never,
    attrs.begin as number | number[],
    attrs.size as number | number[],
  );
  slice_util.assertParamsValid(x as never, begin, size);
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) > 0) sliceOnHeap(heap(backend, x), x.shape, begin, size, heap(backend, out));
  return out;
}) as unknown as KernelFunc;

export const concatConfig: KernelConfig = {
  kernelName: Concat,
  backendName: 'wasm',
  kernelFunc: concatKernel,
};
export const sliceConfig: KernelConfig = { kernelName: Slice, backendName: 'wasm', kernelFunc: sliceKernel };

/** Remembers the stock kernels (and their WASM setup) before ours replace them. */
export function captureStockCopies(): void {
  captureStock([concatConfig, sliceConfig], stock);
}
