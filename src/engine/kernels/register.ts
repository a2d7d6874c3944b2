/** Registers ranfer's training kernels on the WASM backend (idempotent). */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { batchMatMulConfig, captureStockBatchMatMul } from './batch-matmul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { captureStockCopies, concatConfig, sliceConfig } from './copy.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-grad.js';
import { identityConfig } from './identity.js';
import { registerJsKernel } from './js-kernel.js';
import { affineKernel, bnGradSumsKernel, momentsKernel, preluGradKernel } from './norm.js';
import { captureStockReductions, meanConfig, sumConfig } from './reduce.js';
import { resizeGradKernel, resizeKernel } from './resize.js';

export const trainingKernels = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  batchMatMulConfig,
  sumConfig,
  meanConfig,
  concatConfig,
  sliceConfig,
  identityConfig,
];

export function registerTrainingKernels(): void {
  captureStockBatchMatMul();
  captureStockReductions();
  captureStockCopies();
  for (const config of trainingKernels) {
    if (getKernel(config.kernelName, config.backendName))
      unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  registerNormKernels();
}

/** The single-pass kernels (normalisation, resizing), on WASM and CPU (see nn/layers.ts, nn/resize.ts). */
export function registerNormKernels(): void {
  for (const k of [
    momentsKernel,
    bnGradSumsKernel,
    preluGradKernel,
    affineKernel,
    resizeKernel,
    resizeGradKernel,
  ])
    registerJsKernel(k);
}
