/**
 * Kernels written as plain loops over Float32Arrays, registered for both the WASM backend (working on
 * views of its heap, no copies) and the CPU backend (the reference for gradient checks).
 * Used where one pass over memory replaces a chain of stock ops (normalisation statistics and
 * gradients), whose cost on this backend is memory traffic, not arithmetic.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { type SimdKernels, simdKernels } from './simd.js';

export interface JsKernel {
  name: string;
  /** Output shapes for the given input shapes and attributes. */
  outputs(inputs: number[][], attrs: Record<string, unknown>): number[][];
  /** Fills `outs` (zeroed) from `ins`. */
  compute(
    ins: Float32Array[],
    shapes: number[][],
    outs: Float32Array[],
    attrs: Record<string, unknown>,
  ): void;
  /**
   * The same computation in ranfer's SIMD kernels on the WASM heap, outputs allocated and zeroed;
   * returns false where it does not apply (then `compute` runs).
   */
  simd?(kernels: SimdKernels, backend: BackendWasm, ins: TensorInfo[], outs: TensorInfo[]): boolean;
}

interface CpuBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): TensorInfo;
}

function order(inputs: Record<string, TensorInfo>): TensorInfo[] {
  return Object.keys(inputs)
    .sort()
    .map((k) => inputs[k]);
}

function wasmFunc(k: JsKernel): KernelFunc {
  return (({
    inputs,
    backend,
    attrs,
  }: {
    inputs: Record<string, TensorInfo>;
    backend: BackendWasm;
    attrs: Record<string, unknown>;
  }) => {
    const ins = order(inputs);
    for (const t of ins) if (t.dtype !== 'float32') throw new Error(`${k.name}: float32 inputs only`);
    const shapes = ins.map((t) => t.shape);
    const outs = k.outputs(shapes, attrs).map((s) => backend.makeOutput(s, 'float32'));
    const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    for (const o of outs) view(o).fill(0);
    const kernels = k.simd ? simdKernels(backend) : null;
    if (kernels && k.simd?.(kernels, backend, ins, outs)) return outs;
    // Views taken after the SIMD attempt, whose scratch allocations may have grown the heap.
    k.compute(ins.map(view), shapes, outs.map(view), attrs);
    return outs;
  }) as unknown as KernelFunc;
}

function cpuFunc(k: JsKernel): KernelFunc {
  return (({
    inputs,
    backend,
    attrs,
  }: {
    inputs: Record<string, TensorInfo>;
    backend: CpuBackend;
    attrs: Record<string, unknown>;
  }) => {
    const ins = order(inputs);
    const shapes = ins.map((t) => t.shape);
    const outShapes = k.outputs(shapes, attrs);
    const outViews = outShapes.map((s) => new Float32Array(s.reduce((a, b) => a * b, 1)));
    k.compute(
      ins.map((t) => backend.readSync(t.dataId) as Float32Array),
      shapes,
      outViews,
      attrs,
    );
    return outShapes.map((s, i) => backend.makeTensorInfo(s, 'float32', outViews[i]));
  }) as unknown as KernelFunc;
}

export function registerJsKernel(k: JsKernel): void {
  const configs: KernelConfig[] = [
    { kernelName: k.name, backendName: 'wasm', kernelFunc: wasmFunc(k) },
    { kernelName: k.name, backendName: 'cpu', kernelFunc: cpuFunc(k) },
  ];
  for (const c of configs) {
    if (getKernel(c.kernelName, c.backendName)) unregisterKernel(c.kernelName, c.backendName);
    registerKernel(c);
  }
}
