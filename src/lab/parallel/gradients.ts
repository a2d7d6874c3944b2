/**
 * One backward pass of a network over a (sub-)batch: the summed loss, the summed gradients as one flat
 * vector in the parameter store's order, and the batch-norm statistics in the state store's layout.
 * Used identically by every worker thread and by single-threaded training.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Network } from '../../model/network.js';
import { trainingContext } from '../../nn/context.js';

export interface GradientInput {
  x: Float32Array;
  xShape: [number, number, number, number];
  y: Float32Array;
  yShape: [number, number];
}

export interface GradientOutput {
  lossSum: number;
  count: number;
}

/** Offsets of each batch-norm layer's mean and variance in the state vector. */
export function statOffsets(net: Network): Map<string, { mean: number; variance: number; size: number }> {
  const layout = new Map(net.state.layout().map((p) => [p.name, p]));
  const out = new Map<string, { mean: number; variance: number; size: number }>();
  for (const p of layout.values()) {
    if (!p.name.endsWith('.mean')) continue;
    const base = p.name.slice(0, -'.mean'.length);
    const v = layout.get(`${base}.var`);
    if (v) out.set(base, { mean: p.offset, variance: v.offset, size: p.size });
  }
  return out;
}

/**
 * Writes sum-over-samples gradients into `grads` and the batch statistics into `stats` (a layer applied
 * more than once per pass contributes the mean of its calls). Returns the summed loss.
 */
export function computeGradients(
  net: Network,
  input: GradientInput,
  bnGroup: number,
  grads: Float32Array,
  stats: Float32Array,
  offsets = statOffsets(net),
): GradientOutput {
  const ctx = trainingContext(bnGroup);
  // Frozen parameters (learning-rate scale 0) get no gradient: their part of the backward pass is skipped.
  const trained = net.params.trainedVariables();
  const { value, grads: g } = tf.tidy(() => {
    const x = tf.tensor4d(input.x, input.xShape);
    const y = tf.tensor2d(input.y, input.yShape);
    return tf.variableGrads(() => net.lossSum({ x, y }, ctx), trained);
  });
  try {
    net.params.flatten(
      net.params.variables().map((v) => g[v.name]),
      grads,
    );
    stats.fill(0);
    const calls = new Map<string, number>();
    for (const s of ctx.stats) calls.set(s.name, (calls.get(s.name) ?? 0) + 1);
    for (const s of ctx.stats) {
      const o = offsets.get(s.name);
      if (!o) throw new Error(`batch-norm layer ${s.name} has no running statistics`);
      const k = calls.get(s.name) ?? 1;
      const m = s.mean.dataSync();
      const v = s.variance.dataSync();
      for (let i = 0; i < o.size; i++) {
        stats[o.mean + i] += m[i] / k;
        stats[o.variance + i] += v[i] / k;
      }
    }
    return { lossSum: value.dataSync()[0], count: input.xShape[0] };
  } finally {
    value.dispose();
    tf.dispose(Object.values(g));
    for (const s of ctx.stats) tf.dispose([s.mean, s.variance]);
  }
}
