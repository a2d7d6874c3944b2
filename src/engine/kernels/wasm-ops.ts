/**
 * Direct calls to kernels of the WASM backend from inside another kernel.
 *
 * Kernels receive and return `TensorInfo`s, not tensors, and must free every intermediate they
 * create. `WasmOps` wraps the backend's own kernel functions (XNNPACK convolution, matmul,
 * transpose, pad, ...) so that our training kernels can be written as short compositions of them.
 */

import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { getKernel, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

type Inputs = Record<string, TensorInfo>;

/** Attributes of a stride-1 NHWC convolution with explicit padding. */
function stride1Attrs(pads: [[number, number], [number, number]], dilations: [number, number]): NamedAttrMap {
  return {
    strides: [1, 1],
    pad: [[0, 0], pads[0], pads[1], [0, 0]],
    dataFormat: 'NHWC',
    dilations,
    dimRoundingMode: undefined as unknown as string,
  };
}

export class WasmOps {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Runs a kernel registered for the WASM backend; the result is freed by `dispose()` unless kept. */
  run(kernelName: string, inputs: Inputs, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`ranfer engine: kernel ${kernelName} is not registered for wasm`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend }) as TensorInfo;
    this.temps.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    return this.run(
      'StridedSlice',
      { x },
      { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 },
    );
  }

  /** Plain `a @ b` on rank-3 operands (the XNNPACK path; transposed variants are slow). */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** NHWC convolution, stride 1, explicit padding [[top, bottom], [left, right]], optional dilation. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pads: [[number, number], [number, number]],
    dilations: [number, number] = [1, 1],
  ): TensorInfo {
    return this.run('Conv2D', { x, filter }, stride1Attrs(pads, dilations));
  }

  /** NHWC depthwise convolution (XNNPACK), stride 1, explicit padding, optional dilation. */
  depthwiseConv2d(
    x: TensorInfo,
    filter: TensorInfo,
    pads: [[number, number], [number, number]],
    dilations: [number, number] = [1, 1],
  ): TensorInfo {
    return this.run('DepthwiseConv2dNative', { x, filter }, stride1Attrs(pads, dilations));
  }

  /** Registers a tensor made outside `run` (a heap helper's output) as an intermediate. */
  track(x: TensorInfo): TensorInfo {
    this.temps.push(x);
    return x;
  }

  /**
   * Stride-1 correlation with the output of length `out` along H and W, where output position i reads
   * input positions i + offset .. i + offset + k - 1 (a negative offset pads with zeros; input past
   * what any output reads is cut off).
   */
  correlate(x: TensorInfo, filter: TensorInfo, out: [number, number], offset: [number, number]): TensorInfo {
    const [n, h, w, c] = x.shape;
    const [kH, kW] = filter.shape;
    const begin = [0, Math.max(offset[0], 0), Math.max(offset[1], 0), 0];
    const top = Math.max(-offset[0], 0);
    const left = Math.max(-offset[1], 0);
    // Last input position read: out - 1 + offset + k - 1.
    let bottom = out[0] + offset[0] + kH - 1 - h;
    let right = out[1] + offset[1] + kW - 1 - w;
    let input = x;
    if (begin[1] > 0 || begin[2] > 0 || bottom < 0 || right < 0) {
      const size = [n, h - begin[1] + Math.min(bottom, 0), w - begin[2] + Math.min(right, 0), c];
      input = this.slice(x, begin, size);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    return this.conv2d(input, filter, [
      [top, bottom],
      [left, right],
    ]);
  }

  /**
   * Frees every intermediate except `keep`, which is returned. Views made by `reshape` share their
   * source's data with a reference count, so each intermediate is released exactly once.
   */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
    return keep;
  }
}
