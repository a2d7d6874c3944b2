/**
 * Conv2DBackpropFilter for the WASM backend (which has none), through its fast paths.
 *
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, s*oh + kh - pT, s*ow + kw - pL, ci] * dy[n, oh, ow, co].
 * - 1x1 filters without padding: a matrix product of the (subsampled, transposed) input and dy.
 * - Input channels in eights and output channels in fours: ranfer's SIMD kernel (`correlateTapsSimd`,
 *   20-25 GFLOPS here against 7-11 for the paths below), every tap, stride and padding in one call.
 * - Otherwise, per phase (ph, pw) of the stride: the taps kh with (kh - pT) mod s = ph read only the
 *   input rows s*i + ph, so they are a stride-1 correlation of that subsampled input with dy (stride 1
 *   has one phase). On small maps that correlation is one XNNPACK convolution (`correlateTapsConv`);
 *   on larger ones a set of plain matrix products (XNNPACK's fast GEMM):
 *   the input, channel-major [Ci, N, Hg, Wg] on a zero-padded grid and flattened, shifted by
 *   a*Wg + b for tap (a, b), times dy on the same grid [N*Hg*Wg, Co]. dy is packed once for all taps.
 *   (A forward convolution with dy as its filter runs at about half this speed here.)
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { scatterHW, sliceColumns, sliceRows, subsampleHW, zerosOnHeap } from './heap.js';
import { float64Scratch, heapAddress, type SimdKernels, simdKernels } from './simd.js';
import { WasmOps } from './wasm-ops.js';

/** Taps of one axis sharing a stride phase: kernel positions s*(first + t) + ph + p for t < taps. */
export interface TapPhase {
  ph: number;
  /** Input positions of this phase: ph, ph + s, ... (`length` of them). */
  length: number;
  first: number;
  taps: number;
}

export function filterGradPhases(len: number, k: number, s: number, p: number): TapPhase[] {
  const phases: TapPhase[] = [];
  for (let ph = 0; ph < s; ph++) {
    const ks: number[] = [];
    for (let kh = 0; kh < k; kh++) if ((((kh - p) % s) + s) % s === ph) ks.push(kh);
    if (ks.length === 0) continue;
    phases.push({ ph, length: Math.ceil((len - ph) / s), first: (ks[0] - p - ph) / s, taps: ks.length });
  }
  return phases;
}

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
  const strided = sH > 1 || sW > 1;

  if (kH === 1 && kW === 1 && pT === 0 && pL === 0) {
    const xs = strided ? ops.track(subsampleHW(backend, x, sH, sW, 0, 0, OH, OW)) : x;
    const a = ops.transpose(ops.reshape(xs, [1, N * OH * OW, Ci]), [0, 2, 1]); // [1, Ci, M]
    const b = ops.reshape(dy, [1, N * OH * OW, Co]);
    return ops.finish(ops.reshape(ops.matMul(a, b), [1, 1, Ci, Co]));
  }

  // ranfer's SIMD kernel: every tap in one call, strided too where an image's rows fill a block (on
  // smaller maps, images go several at a time, by stride phases).
  const kernels = Ci % 8 === 0 && Co % 4 === 0 ? simdKernels(backend) : null;
  if (kernels && (!strided || simdBlocking(N, [H, W], [OH, OW], Ci, Co, sH).rows < OH))
    return ops.finish(correlateTapsSimd(ops, kernels, x, dy, [kH, kW], [-pT, -pL], [sH, sW]));

  const rows = filterGradPhases(H, kH, sH, pT);
  const cols = filterGradPhases(W, kW, sW, pL);
  // Measured per layer: GEMMs win on maps larger than 12x12, one convolution on smaller ones.
  const correlate: Correlation = kernels
    ? (o, xp, d, taps, offset) => correlateTapsSimd(o, kernels, xp, d, taps, offset)
    : OH * OW > SMALL_MAP
      ? correlateTaps
      : correlateTapsConv;
  if (!strided) return ops.finish(correlate(ops, x, dy, [kH, kW], [rows[0].first, cols[0].first]));
  const dw = zerosOnHeap(backend, [1, kH, kW, Ci * Co]);
  ops.track(dw);
  for (const r of rows) {
    for (const c of cols) {
      const xp = ops.track(subsampleHW(backend, x, sH, sW, r.ph, c.ph, r.length, c.length));
      const part = correlate(ops, xp, dy, [r.taps, c.taps], [r.first, c.first]);
      // Tap t of this phase is kernel position s*(first + t) + ph + p.
      const flat = ops.reshape(part, [1, r.taps, c.taps, Ci * Co]);
      scatterHW(backend, flat, dw, sH, sW, sH * r.first + r.ph + pT, sW * c.first + c.ph + pL);
    }
  }
  return ops.finish(ops.reshape(dw, [kH, kW, Ci, Co]));
}

/**
 * The same correlation as one XNNPACK convolution: the batch-transposed input [Ci, H, W, N] convolved
 * with dy as the filter [OH, OW, N, Co]. Faster than the GEMMs on small maps, where the GEMMs' padded
 * grid adds up to 2x work.
 */
export function correlateTapsConv(
  ops: WasmOps,
  x: TensorInfo,
  dy: TensorInfo,
  taps: [number, number],
  offset: [number, number],
): TensorInfo {
  const xt = ops.transpose(x, [3, 1, 2, 0]);
  const f = ops.transpose(dy, [1, 2, 0, 3]);
  return ops.transpose(ops.correlate(xt, f, taps, offset), [1, 2, 0, 3]);
}

/** The zero-padded grid that a correlation's tap windows read (see `correlateTaps`). */
interface Grid {
  /** Grid positions: the output's plus taps - 1 on each axis. */
  rows: number;
  cols: number;
  /** Whether the input must be cut to `size` from `begin` before padding. */
  cut: boolean;
  begin: [number, number];
  size: [number, number];
  /** Zeros above, below, left and right of the (cut) input. */
  pad: [number, number, number, number];
}

/** The grid covers input rows offset .. offset + rows - 1: padded where that leaves the input, cut where it stops short. */
function gridOf(
  [H, W]: number[],
  [OH, OW]: number[],
  [th, tw]: [number, number],
  offset: [number, number],
): Grid {
  const rows = OH + th - 1;
  const cols = OW + tw - 1;
  const top = Math.max(-offset[0], 0);
  const left = Math.max(-offset[1], 0);
  const begin: [number, number] = [Math.max(offset[0], 0), Math.max(offset[1], 0)];
  const bottom = rows - top - (H - begin[0]);
  const right = cols - left - (W - begin[1]);
  return {
    rows,
    cols,
    cut: begin[0] > 0 || begin[1] > 0 || bottom < 0 || right < 0,
    begin,
    size: [H - begin[0] + Math.min(bottom, 0), W - begin[1] + Math.min(right, 0)],
    pad: [top, Math.max(bottom, 0), left, Math.max(right, 0)],
  };
}

type Correlation = (
  ops: WasmOps,
  x: TensorInfo,
  dy: TensorInfo,
  taps: [number, number],
  offset: [number, number],
) => TensorInfo;

/** Output maps of at most this many positions take the convolution path. */
const SMALL_MAP = 144;

/** Floats of dy per reduction chunk (4 MB; measured best of 256 KB / 1 MB / 4 MB / unchunked). */
const CHUNK_FLOATS = 1 << 20;

/**
 * out[a, b, ci, co] = sum over n, i, j of x[n, i + oT + a, j + oL + b, ci] * dy[n, i, j, co]
 * (x is zero outside its extent), for a < taps[0], b < taps[1]: one GEMM per tap.
 */
export function correlateTaps(
  ops: WasmOps,
  x: TensorInfo,
  dy: TensorInfo,
  taps: [number, number],
  offset: [number, number],
): TensorInfo {
  const backend = ops.backend;
  const [N, H, W, Ci] = x.shape;
  const [, OH, OW, Co] = dy.shape;
  const [th, tw] = taps;
  const g = gridOf([H, W], [OH, OW], taps, offset);
  const Hg = g.rows;
  const Wg = g.cols;
  let xc = ops.transpose(x, [3, 0, 1, 2]); // [Ci, N, H, W]
  if (g.cut) xc = ops.slice(xc, [0, 0, g.begin[0], g.begin[1]], [Ci, N, g.size[0], g.size[1]]);
  // One extra zero image at the end, so that every shifted window stays inside the buffer.
  const xg = ops.pad(xc, [
    [0, 0],
    [0, 1],
    [g.pad[0], g.pad[1]],
    [g.pad[2], g.pad[3]],
  ]);
  const P = N * Hg * Wg;
  const xf = ops.reshape(xg, [Ci, (N + 1) * Hg * Wg]);
  const dyg = ops.pad(dy, [
    [0, 0],
    [0, th - 1],
    [0, tw - 1],
    [0, 0],
  ]);
  // The reduction runs over P grid positions in chunks whose slice of dy (the GEMM's packed operand)
  // stays in cache: one long GEMM over all of P streams dy from memory once per row block and ran at
  // 12-14 GFLOPS on large maps; 4 MB chunks run at ~17.
  const chunk = Math.max(1024, Math.floor(CHUNK_FLOATS / Co));
  const acc = new Float64Array(th * tw * Ci * Co);
  for (let k0 = 0; k0 < P; k0 += chunk) {
    const kc = Math.min(chunk, P - k0);
    const b = ops.reshape(ops.track(sliceRows(backend, dyg, P, k0, kc)), [1, kc, Co]);
    for (let a = 0; a < th; a++) {
      for (let c = 0; c < tw; c++) {
        const shifted = ops.track(sliceColumns(backend, xf, a * Wg + c + k0, kc));
        const part = ops.matMul(ops.reshape(shifted, [1, Ci, kc]), b); // [1, Ci, Co]
        const v = backend.typedArrayFromHeap(part) as Float32Array;
        const o = (a * tw + c) * Ci * Co;
        for (let i = 0; i < v.length; i++) acc[o + i] += v[i];
      }
    }
  }
  const out = ops.track(backend.makeOutput([th, tw, Ci, Co], 'float32'));
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

/** Bytes of x and dy per block of the SIMD correlation: a block stays in the L2 cache while it is read. */
const SIMD_BLOCK_BYTES = 192 * 1024;

/**
 * How the SIMD correlation blocks its work: maps that fit the block whole go `images` at a time (x and dy
 * regrouped position-major, [N / images, H, W, images, C], so that a tap's run of rows spans them all);
 * larger ones, and strided layers, one image at a time, `rows` output rows a block (an output row reads
 * `stride` input rows).
 */
export function simdBlocking(
  N: number,
  [H, W]: number[],
  [OH, OW]: number[],
  Ci: number,
  Co: number,
  stride = 1,
): { images: number; rows: number } {
  const image = (H * W * Ci + OH * OW * Co) * 4;
  // Strided layers go one image at a time: the kernel's strided runs step over x's rows of one image.
  if (stride > 1 || image > SIMD_BLOCK_BYTES) {
    const rows = Math.floor(SIMD_BLOCK_BYTES / ((stride * W * Ci + OW * Co) * 4));
    return { images: 1, rows: Math.min(OH, Math.max(1, rows)) };
  }
  let images = 1;
  for (let d = 2; d <= N && d * image <= SIMD_BLOCK_BYTES; d++) if (N % d === 0) images = d;
  return { images, rows: OH };
}

/**
 * out[a, b, ci, co] = sum over n, i, j of x[n, sH*i + oT + a, sW*j + oL + b, ci] * dy[n, i, j, co] (x is
 * zero outside its extent), in one call of ranfer's SIMD kernel (simd.wat), which reads only the positions
 * inside the map: no padded grid, no stride phases, no transposes when images go one at a time.
 * At strides 1 this is `correlateTaps`. Ci must be a multiple of 8, Co of 4.
 */
export function correlateTapsSimd(
  ops: WasmOps,
  kernels: SimdKernels,
  x: TensorInfo,
  dy: TensorInfo,
  taps: [number, number],
  offset: [number, number],
  [sH, sW]: [number, number] = [1, 1],
): TensorInfo {
  const backend = ops.backend;
  const [N, H, W, Ci] = x.shape;
  const [, OH, OW, Co] = dy.shape;
  const [th, tw] = taps;
  const { images, rows } = simdBlocking(N, [H, W], [OH, OW], Ci, Co, sH);
  const G = N / images;
  const grouped = (t: TensorInfo, [h, w, c]: number[]) =>
    images === 1 ? t : ops.transpose(ops.reshape(t, [G, images, h, w, c]), [0, 2, 3, 1, 4]);
  const xg = grouped(x, [H, W, Ci]);
  const dyg = grouped(dy, [OH, OW, Co]);
  const T = th * tw;
  const sums = float64Scratch(backend, T * Co * Ci, (acc) =>
    kernels.correlate_runs(
      heapAddress(backend, xg),
      heapAddress(backend, dyg),
      acc,
      G,
      H,
      W,
      OH,
      OW,
      images,
      Ci,
      Co,
      th,
      tw,
      offset[0],
      offset[1],
      rows,
      sH,
      sW,
    ),
  );
  const out = ops.track(backend.makeOutput([th, tw, Ci, Co], 'float32'));
  const o = backend.typedArrayFromHeap(out) as Float32Array;
  for (let t = 0; t < T; t++)
    for (let co = 0; co < Co; co++)
      for (let ci = 0, s = (t * Co + co) * Ci, d = t * Ci * Co + co; ci < Ci; ci++, d += Co)
        o[d] = sums[s + ci];
  return out;
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelFunc,
};
