/**
 * What the training engine needs from a network, whatever its architecture: its parameter and state
 * stores, and a loss over a batch. Networks are created from a plain JSON spec so that worker threads
 * can build identical copies.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ForwardContext } from '../nn/context.js';
import type { ParamStore } from '../nn/params.js';

export interface Batch {
  /** Images, NHWC, float32 (already normalised). */
  x: tf.Tensor4D;
  /** Target distributions over the classes, [N, classes] (one-hot for majority labels). */
  y: tf.Tensor2D;
}

export interface Prediction {
  logits: tf.Tensor2D;
  /** Per-region attention weights (mu * nu for the RAN), [N, regions]; absent for single-region networks. */
  attention?: tf.Tensor2D;
  /** Self-attention weights mu, [N, regions]. */
  mu?: tf.Tensor2D;
}

export interface Network {
  readonly params: ParamStore;
  readonly state: ParamStore;
  /** Sum over the batch of the per-sample loss (the engine divides by the global batch size). */
  lossSum(batch: Batch, ctx: ForwardContext): tf.Scalar;
  /** Class logits, [N, classes]. */
  logits(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
  /**
   * Logits and, where the network has them, attention weights. `boxes` (RAN only): per-face region boxes
   * (normalised [top, left, bottom, right], one per region, face-major) replacing the fixed regions.
   */
  predict(x: tf.Tensor4D, ctx: ForwardContext, boxes?: Float32Array): Prediction;
  /** Forward FLOPs per sample, for throughput reports. */
  flopsPerSample(): number;
  dispose(): void;
}
