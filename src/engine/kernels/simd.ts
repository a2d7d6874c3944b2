/**
 * ranfer's WebAssembly SIMD kernels (simd.wat), instantiated on the WASM backend's own memory: they
 * read and write its tensors in place, by byte address, with no copies.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { SIMD_WASM_BASE64 } from './simd-wasm.js';

export interface SimdKernels {
  /**
   * The filter gradient's correlation over runs of rows inside the map (see simd.wat):
   * out[a*tw + b, co, ci] (float64) += sum of x[g, sH*i + oT + a, sW*j + oL + b, m, ci] * dy[g, i, j, m, co],
   * x [G, H, W, nb, Ci], dy [G, OH, OW, nb, Co], R output rows a block. Ci must be a multiple of 8, Co of 4.
   */
  correlate_runs(
    x: number,
    dy: number,
    out: number,
    G: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
    nb: number,
    Ci: number,
    Co: number,
    th: number,
    tw: number,
    oT: number,
    oL: number,
    R: number,
    sH: number,
    sW: number,
  ): void;
  /** Per-channel sums of u - ku and of (u - ku) * (v - kv) over R rows, added to s1 and s2 (float64). */
  channel_sums(
    u: number,
    v: number,
    ku: number,
    kv: number,
    R: number,
    C: number,
    s1: number,
    s2: number,
  ): void;
  /** PReLU's dx, and the sums of dy * x where x <= 0 added to s (float64). */
  prelu_grad(x: number, dy: number, alpha: number, dx: number, R: number, C: number, s: number): void;
  /** out = u * p + v * q + w, per channel, over R rows. */
  affine(u: number, v: number, p: number, q: number, w: number, out: number, R: number, C: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();
let module: WebAssembly.Module | null | undefined;

function compiled(): WebAssembly.Module | null {
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(Uint8Array.from(atob(SIMD_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch {
      module = null; // a runtime without WebAssembly SIMD
    }
  }
  return module;
}

/**
 * The kernels on `backend`'s memory, or null where they cannot run there (no SIMD, or the threaded
 * backend's shared memory): callers then take the stock kernels' path.
 */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    const m = compiled();
    try {
      kernels = m
        ? (new WebAssembly.Instance(m, { env: { memory } }).exports as unknown as SimdKernels)
        : null;
    } catch {
      kernels = null;
    }
    instances.set(memory, kernels);
  }
  return kernels;
}

/** The byte address of a tensor's data on the WASM heap. */
export function heapAddress(backend: BackendWasm, t: TensorInfo): number {
  return (backend.typedArrayFromHeap(t) as Float32Array).byteOffset;
}

/**
 * Runs `fill` on a zeroed float64 scratch of n values on the heap (its byte address, 8-aligned) and
 * returns a copy of them. `fill` must not allocate on the heap.
 */
export function float64Scratch(
  backend: BackendWasm,
  n: number,
  fill: (address: number) => void,
): Float64Array {
  const t = backend.makeOutput([2 * n + 1], 'float32');
  try {
    const at = heapAddress(backend, t);
    const at8 = at + (at % 8);
    const view = () => new Float64Array((backend.typedArrayFromHeap(t) as Float32Array).buffer, at8, n);
    view().fill(0);
    fill(at8);
    return view().slice();
  } finally {
    backend.disposeData(t.dataId);
  }
}
