/**
 * Batch norms put back into a network whose own were folded away (a published network such as
 * MobileFaceNet), initialised so that the network computes what it computed without them: each gets its
 * input's mean and variance on a calibration batch as running statistics, and gamma = sqrt(var + eps),
 * beta = mean, so it maps its input to itself in inference and, up to the batch's own statistics, in
 * training. From there the network fine-tunes with the scale of its activations held by the norms.
 */
import * as tf from '@tensorflow/tfjs-core';
import { calibrationContext, type ForwardContext } from '../../nn/context.js';
import type { ParamStore } from '../../nn/params.js';

/** What calibration needs of a network: its stores and a forward pass. */
export interface Calibratable {
  readonly params: ParamStore;
  readonly state: ParamStore;
  logits(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor2D;
}

/**
 * Calibrates every batch norm whose name starts with `prefix` on the faces of `batches` (normalised
 * input, equal-sized chunks so that memory stays small), in place in the network's stores; returns how
 * many were set.
 */
export function calibrateNorms(
  net: Calibratable,
  batches: readonly tf.Tensor4D[],
  prefix: string,
  eps = 1e-5,
): number {
  // Per layer: the mean over chunks of each channel's mean and of its mean square.
  const sums = new Map<string, { mean: Float64Array; square: Float64Array }>();
  for (const x of batches) {
    const ctx = calibrationContext();
    tf.tidy(() => {
      net.logits(x, ctx);
    });
    const seen = new Set<string>();
    try {
      for (const s of ctx.stats) {
        // A layer applied more than once (the per-region tail) is calibrated on its first call's input.
        if (!s.name.startsWith(prefix) || seen.has(s.name)) continue;
        seen.add(s.name);
        const mean = s.mean.dataSync();
        const variance = s.variance.dataSync();
        let acc = sums.get(s.name);
        if (!acc) {
          acc = { mean: new Float64Array(mean.length), square: new Float64Array(mean.length) };
          sums.set(s.name, acc);
        }
        for (let c = 0; c < mean.length; c++) {
          acc.mean[c] += mean[c] / batches.length;
          acc.square[c] += (variance[c] + mean[c] * mean[c]) / batches.length;
        }
      }
    } finally {
      for (const s of ctx.stats) tf.dispose([s.mean, s.variance]);
    }
  }
  const assign = (v: tf.Variable, values: Float32Array) => {
    const t = tf.tensor(values, v.shape);
    v.assign(t);
    t.dispose();
  };
  for (const [name, acc] of sums) {
    const mean = Float32Array.from(acc.mean);
    const variance = Float32Array.from(acc.square, (q, c) => Math.max(0, q - acc.mean[c] * acc.mean[c]));
    assign(
      net.params.get(`${name}.gamma`),
      variance.map((v) => Math.sqrt(v + eps)),
    );
    assign(net.params.get(`${name}.beta`), mean);
    assign(net.state.get(`${name}.mean`), mean);
    assign(net.state.get(`${name}.var`), variance);
  }
  return sums.size;
}
