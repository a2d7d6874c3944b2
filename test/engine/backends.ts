/** Runs the same computation on the WASM backend (ranfer's kernels) and the CPU reference backend. */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/engine/backend.js';

export async function onBackend<T>(name: 'wasm' | 'cpu', fn: () => T): Promise<T> {
  await initBackend(name);
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

/** Values of tensors as plain arrays (so that they outlive the backend they were made on). */
export function values(...ts: tf.Tensor[]): number[][] {
  return ts.map((t) => Array.from(t.dataSync()));
}

export function maxAbsDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: number[]): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** Deterministic pseudo-random values in [-1, 1). */
export function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}
