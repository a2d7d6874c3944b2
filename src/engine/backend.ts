/**
 * Chooses and starts the TensorFlow.js backend.
 *
 * - `tensorflow`: `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` when the user installed one
 *   (optional; never required).
 * - `wasm`: `@tensorflow/tfjs-backend-wasm` with SIMD + XNNPACK, single-threaded (the threaded build
 *   cannot start its workers in Node), plus ranfer's own training kernels. The default.
 * - `cpu`: the pure-JS reference backend, used by gradient checks.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The union package's Node bundle registers every op's gradient (tfjs-core's ESM files cannot load in Node).
import '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerNormKernels, registerTrainingKernels } from './kernels/register.js';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow';
export type BackendChoice = BackendName | 'auto';

const require = createRequire(import.meta.url);
let wasmConfigured = false;

function configureWasm(): void {
  if (wasmConfigured) return;
  const simd = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths(`${path.dirname(simd)}${path.sep}`);
  registerTrainingKernels();
  wasmConfigured = true;
}

async function tryNativeBinding(): Promise<boolean> {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(name);
      if (tf.findBackend('tensorflow')) return true;
    } catch {
      // not installed: fall through to the next candidate
    }
  }
  return false;
}

/** Starts a backend and returns its name. `auto` prefers tfjs-node when installed, else WASM. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendName> {
  // PROD silences tfjs's console advice (the CPU backend's "install tfjs-node" banner).
  tf.env().set('PROD', true);
  if (choice === 'auto' || choice === 'tensorflow') {
    if (process.env.RANFER_BACKEND !== 'wasm' && (await tryNativeBinding())) {
      await tf.setBackend('tensorflow');
      return 'tensorflow';
    }
    if (choice === 'tensorflow') throw new Error('ranfer: @tensorflow/tfjs-node is not installed');
  }
  if (choice === 'cpu') {
    registerNormKernels();
    await tf.setBackend('cpu');
    return 'cpu';
  }
  configureWasm();
  if (!(await tf.setBackend('wasm'))) throw new Error('ranfer: the WASM backend failed to start');
  await tf.ready();
  return 'wasm';
}

export { tf };
