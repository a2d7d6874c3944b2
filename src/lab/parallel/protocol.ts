/** Messages between the training engine and its gradient workers. */

import type { BackendChoice } from '../../engine/backend.js';
import type { NetworkConfig } from '../../model/registry.js';
import type { ParamInfo } from '../../nn/params.js';

/** Builds the network; the worker answers 'ready' with its sizes. */
export interface InitMessage {
  type: 'init';
  network: NetworkConfig;
  seed: number;
  backend: BackendChoice;
}

/** Hands the worker its shared vectors; it answers 'attached'. */
export interface AttachMessage {
  type: 'attach';
  /** Shared vectors: weights and running state (written by the engine), this worker's gradients and statistics. */
  params: SharedArrayBuffer;
  state: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  /** The first worker writes its freshly initialised weights into `params` and `state`. */
  writeInitial: boolean;
}

export interface StepMessage {
  type: 'step';
  id: number;
  version: number;
  bnGroup: number;
  x: Float32Array;
  xShape: [number, number, number, number];
  y: Float32Array;
  yShape: [number, number];
}

export interface PredictMessage {
  type: 'predict';
  id: number;
  version: number;
  x: Float32Array;
  xShape: [number, number, number, number];
}

export type ToWorker = InitMessage | AttachMessage | StepMessage | PredictMessage | { type: 'close' };

export type FromWorker =
  | {
      type: 'ready';
      paramCount: number;
      stateCount: number;
      backend: string;
      flopsPerSample: number;
      layout: ParamInfo[];
      stateLayout: ParamInfo[];
    }
  | { type: 'attached' }
  | { type: 'step-done'; id: number; lossSum: number; count: number }
  | {
      type: 'predict-done';
      id: number;
      logits: Float32Array;
      classes: number;
      attention?: Float32Array;
      regions: number;
    }
  | { type: 'error'; id: number; message: string };
