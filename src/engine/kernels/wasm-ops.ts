/**
 * Direct calls to kernels of the WASM backend from inside another kernel.
 *
 * Kernels receive and return `TensorInfo`s, not tensors, and must free every intermediate they
 * create. `WasmOps` wraps the backend's own kernel functions (XNNPACK convolution, matmul,
 * transpose, pad, ...) so that our training kernels can be written as short compositions of them.
 */
import { getKernel, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Inputs = Record<string, TensorInfo>;

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
  conv2d(x: TensorInfo, filter: TensorInfo, pads: [[number, number], [number, number]], dilations: [number, number] = [1, 1]): TensorInfo {
    return this.run(
      'Conv2D',
      { x, filter },
      { strides: [1, 1], pad: [[0, 0], pads[0], pads[1], [0, 0]], dataFormat: 'NHWC', dilations, dimRoundingMode: undefined as unknown as string },
    );
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
