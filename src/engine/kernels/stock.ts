/** Keeps the stock WASM kernels that ranfer's replace, for the cases ours hand back to them. */
import { getKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';

/**
 * Records the currently registered WASM kernel of each config in `stock` (by kernel name) and moves its
 * setup function over to ours, before ours are registered in their place. Idempotent.
 */
export function captureStock(configs: KernelConfig[], stock: Map<string, KernelFunc>): void {
  for (const config of configs) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current && current.kernelFunc !== config.kernelFunc) {
      stock.set(config.kernelName, current.kernelFunc);
      config.setupFunc = current.setupFunc;
    }
  }
}
