/**
 * Data-movement helpers that work straight on the WASM heap, for layouts the stock kernels handle
 * slowly (strided slices, scatters into interleaved positions, filter flips). Each reads and writes
 * every element once, copying the innermost axis as a block.
 *
 * Rule: allocate every output before taking any view of the heap, since an allocation may grow the
 * WASM memory and detach the views taken before it.
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** A float32 view of a tensor's data on the heap (taken anew after any allocation). */
export function view(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** A new float32 tensor on the heap, filled with zeros. */
export function zerosOnHeap(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  view(backend, out).fill(0);
  return out;
}

/** out[a, i, j, b] = x[a, s*i + ph, t*j + pw, b] for a 4-D tensor; out has `rows` x `cols` positions. */
export function subsampleHW(
  backend: BackendWasm,
  x: TensorInfo,
  s: number,
  t: number,
  ph: number,
  pw: number,
  rows: number,
  cols: number,
): TensorInfo {
  const [A, H, W, B] = x.shape;
  const out = backend.makeOutput([A, rows, cols, B], 'float32');
  const src = view(backend, x);
  const dst = view(backend, out);
  let d = 0;
  for (let a = 0; a < A; a++) {
    for (let i = 0; i < rows; i++) {
      let srcRow = ((a * H + s * i + ph) * W + pw) * B;
      for (let j = 0; j < cols; j++, srcRow += t * B, d += B) dst.set(src.subarray(srcRow, srcRow + B), d);
    }
  }
  return out;
}

/** dst[a, s*i + ph, t*j + pw, b] = src[a, i, j, b] for every position of `src` (a 4-D scatter). */
export function scatterHW(
  backend: BackendWasm,
  src: TensorInfo,
  dst: TensorInfo,
  s: number,
  t: number,
  ph: number,
  pw: number,
): void {
  const [A, rows, cols, B] = src.shape;
  const [, H, W] = dst.shape;
  const from = view(backend, src);
  const to = view(backend, dst);
  let o = 0;
  for (let a = 0; a < A; a++) {
    for (let i = 0; i < rows; i++) {
      let d = ((a * H + s * i + ph) * W + pw) * B;
      for (let j = 0; j < cols; j++, d += t * B, o += B) to.set(from.subarray(o, o + B), d);
    }
  }
}

/**
 * The sub-filter of taps kh = s*j + qh, kw = t*k + qw (j < jh, k < jw), flipped in space and with its
 * channel axes swapped: out[a, b, co, ci] = w[s*(jh-1-a) + qh, t*(jw-1-b) + qw, ci, co].
 */
export function flippedSubFilter(
  backend: BackendWasm,
  w: TensorInfo,
  s: number,
  t: number,
  qh: number,
  qw: number,
  jh: number,
  jw: number,
): TensorInfo {
  const [, kW, ci, co] = w.shape;
  const out = backend.makeOutput([jh, jw, co, ci], 'float32');
  const src = view(backend, w);
  const dst = view(backend, out);
  for (let a = 0; a < jh; a++) {
    for (let b = 0; b < jw; b++) {
      const s0 = ((s * (jh - 1 - a) + qh) * kW + (t * (jw - 1 - b) + qw)) * ci * co;
      const d0 = (a * jw + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) dst[d0 + o * ci + i] = src[s0 + i * co + o];
      }
    }
  }
  return out;
}

/** out[r, :] = x[r, offset : offset + width] for a 2-D tensor (contiguous row copies). */
export function sliceColumns(backend: BackendWasm, x: TensorInfo, offset: number, width: number): TensorInfo {
  const [rows, cols] = x.shape;
  const out = backend.makeOutput([rows, width], 'float32');
  const src = view(backend, x);
  const dst = view(backend, out);
  for (let r = 0; r < rows; r++)
    dst.set(src.subarray(r * cols + offset, r * cols + offset + width), r * width);
  return out;
}

/** Rows `offset .. offset + count - 1` of x viewed as [rows, rest] (one contiguous copy). */
export function sliceRows(
  backend: BackendWasm,
  x: TensorInfo,
  rows: number,
  offset: number,
  count: number,
): TensorInfo {
  const width = x.shape.reduce((a, b) => a * b, 1) / rows;
  // Allocate first: growing the heap detaches earlier views of it.
  const out = backend.makeOutput([count, width], 'float32');
  view(backend, out).set(view(backend, x).subarray(offset * width, (offset + count) * width));
  return out;
}
