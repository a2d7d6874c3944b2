/**
 * Identity for the WASM backend without a copy: the output shares the input's data, as the CPU backend's
 * Identity and the WASM backend's own Reshape do (TensorFlow.js counts the references; no kernel writes
 * into its inputs). The stock WASM kernel copies the values, and gradients call it for every tensor that
 * passes through unchanged (over 300 times a training step).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

function identity(args: { inputs: { x: TensorInfo }; backend: BackendWasm }): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: identity as unknown as KernelFunc,
};
