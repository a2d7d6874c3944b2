/** What a forward pass needs to know besides its input: training or inference, and where batch statistics go. */
import type * as tf from '@tensorflow/tfjs-core';

export interface BatchStat {
  /** Name of the batch-norm layer (its running statistics live in the state store under `${name}.mean/.var`). */
  name: string;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export interface ForwardContext {
  training: boolean;
  /**
   * Ghost batch size for batch normalisation in training: statistics are computed over groups of this many
   * samples, so the result does not depend on how a batch is split across workers.
   */
  bnGroup: number;
  /** Batch statistics recorded in training (kept tensors; the caller disposes them). */
  stats: BatchStat[];
  /**
   * Calibration: every batch norm records the statistics of its input over the whole batch and passes
   * the input through unchanged (see lab/train/calibrate.ts).
   */
  calibrate?: boolean;
}

export function inferenceContext(): ForwardContext {
  return { training: false, bnGroup: 0, stats: [] };
}

/** A forward pass that records each batch norm's input statistics and normalises nothing. */
export function calibrationContext(): ForwardContext {
  return { training: true, bnGroup: 0, stats: [], calibrate: true };
}

export function trainingContext(bnGroup: number): ForwardContext {
  return { training: true, bnGroup, stats: [] };
}
