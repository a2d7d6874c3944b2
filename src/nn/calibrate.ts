/**
 * Batch norms put back into a network whose own were folded away (a published network such as
 * MobileFaceNet), initialised so that the network computes what it computed without them: each gets its
 * input's mean and variance on a calibration batch as running statistics, and gamma = sqrt(var + eps),
 * beta = mean, so it maps its input to itself in inference and, up to the batch's own statistics, in
 * training. From there the network fine-tunes with the scale of its activations held by the norms.
 */
import * as tf from '@tensorflow/tfjs-core';
import { calibrationContext, type ForwardContext } from './context.js';
import type { ParamStore } from './params.js';

/** What calibration needs of a network: its stores and a forward pass. */
export interface Calibratable {
  readonly params: ParamStore;
  readonly state: ParamStore;
  logits(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
}

/**
 * Calibrates every batch norm whose name starts with `prefix` on the batch `x` (normalised input), in
 * place in the network's stores; returns how many were set.
 */
export function calibrateNorms(net: Calibratable, x: tf.Tensor4D, prefix: string, eps = 1e-5): number {
  const ctx = calibrationContext();
  tf.tidy(() => {
    net.logits(x, ctx);
  });
  let set = 0;
  const seen = new Set<string>();
  try {
    for (const s of ctx.stats) {
      // A layer applied more than once (the per-region tail) is calibrated on its first call's input.
      if (!s.name.startsWith(prefix) || seen.has(s.name)) continue;
      seen.add(s.name);
      const mean = s.mean.dataSync() as Float32Array;
      const variance = s.variance.dataSync() as Float32Array;
      const gamma = variance.map((v) => Math.sqrt(v + eps));
      const assign = (v: tf.Variable, values: Float32Array) => {
        const t = tf.tensor(values, v.shape);
        v.assign(t);
        t.dispose();
      };
      assign(net.params.get(`${s.name}.gamma`), gamma);
      assign(net.params.get(`${s.name}.beta`), mean);
      assign(net.state.get(`${s.name}.mean`), mean);
      assign(net.state.get(`${s.name}.var`), variance);
      set++;
    }
  } finally {
    for (const s of ctx.stats) tf.dispose([s.mean, s.variance]);
  }
  return set;
}
