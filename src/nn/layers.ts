/**
 * Functional layers over tfjs-core with their parameters declared in a `ParamStore`.
 * Each `declare*` adds the parameters of one layer; the matching function applies it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import type { ForwardContext } from './context.js';
import type { ParamStore } from './params.js';

export interface Stores {
  params: ParamStore;
  state: ParamStore;
  rng: Rng;
}

export interface ConvLayer {
  w: tf.Variable;
  stride: number;
}

export function declareConv(s: Stores, name: string, k: number, cin: number, cout: number, stride = 1): ConvLayer {
  const w = s.params.add({ name: `${name}.w`, shape: [k, k, cin, cout], init: { kind: 'he', fanIn: k * k * cin } }, s.rng);
  return { w, stride };
}

export function conv(x: tf.Tensor4D, layer: ConvLayer): tf.Tensor4D {
  return tf.conv2d(x, layer.w as tf.Tensor4D, layer.stride, 'same');
}

export interface BatchNormLayer {
  name: string;
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
  eps: number;
}

export function declareBatchNorm(s: Stores, name: string, channels: number, gammaInit = 1): BatchNormLayer {
  return {
    name,
    gamma: s.params.add({ name: `${name}.gamma`, shape: [channels], init: { kind: 'const', value: gammaInit }, noDecay: true }, s.rng),
    beta: s.params.add({ name: `${name}.beta`, shape: [channels], init: { kind: 'const', value: 0 }, noDecay: true }, s.rng),
    mean: s.state.add({ name: `${name}.mean`, shape: [channels], init: { kind: 'const', value: 0 } }, s.rng),
    variance: s.state.add({ name: `${name}.var`, shape: [channels], init: { kind: 'const', value: 1 } }, s.rng),
    eps: 1e-5,
  };
}

/**
 * Batch normalisation over all axes but the last. In training it uses ghost batches of `ctx.bnGroup`
 * samples (the whole batch when it does not divide evenly) and records the batch statistics; in
 * inference it uses the running statistics.
 */
export function batchNorm<T extends tf.Tensor>(x: T, bn: BatchNormLayer, ctx: ForwardContext): T {
  if (!ctx.training) {
    return tf.batchNorm(x, bn.mean as tf.Tensor1D, bn.variance as tf.Tensor1D, bn.beta as tf.Tensor1D, bn.gamma as tf.Tensor1D, bn.eps) as T;
  }
  const n = x.shape[0];
  const groups = ctx.bnGroup > 0 && n > ctx.bnGroup && n % ctx.bnGroup === 0 ? n / ctx.bnGroup : 1;
  const rest = x.shape.slice(1);
  const xg = tf.reshape(x, [groups, n / groups, ...rest]);
  const axes = Array.from({ length: xg.rank - 2 }, (_, i) => i + 1);
  const mean = tf.mean(xg, axes, true);
  const centered = tf.sub(xg, mean);
  const variance = tf.mean(tf.square(centered), axes, true);
  const y = tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, bn.eps))), bn.gamma), bn.beta);
  const c = rest[rest.length - 1];
  const perGroup = (n / groups) * rest.slice(0, -1).reduce((a, b) => a * b, 1);
  ctx.stats.push({
    name: bn.name,
    mean: tf.keep(tf.mean(tf.reshape(mean, [groups, c]), 0)),
    variance: tf.keep(tf.mul(tf.mean(tf.reshape(variance, [groups, c]), 0), perGroup / Math.max(perGroup - 1, 1))),
  });
  return tf.reshape(y, x.shape) as T;
}

export interface PReLULayer {
  alpha: tf.Variable;
}

export function declarePReLU(s: Stores, name: string, channels: number): PReLULayer {
  return { alpha: s.params.add({ name: `${name}.alpha`, shape: [channels], init: { kind: 'const', value: 0.25 }, noDecay: true }, s.rng) };
}

export function prelu<T extends tf.Tensor>(x: T, layer: PReLULayer): T {
  return tf.prelu(x, layer.alpha as tf.Tensor) as T;
}

export interface DenseLayer {
  w: tf.Variable;
  b: tf.Variable;
}

export function declareDense(s: Stores, name: string, cin: number, cout: number, biasInit = 0): DenseLayer {
  return {
    w: s.params.add({ name: `${name}.w`, shape: [cin, cout], init: { kind: 'uniform', limit: Math.sqrt(1 / cin) } }, s.rng),
    b: s.params.add({ name: `${name}.b`, shape: [cout], init: { kind: 'const', value: biasInit }, noDecay: true }, s.rng),
  };
}

export function dense(x: tf.Tensor2D, layer: DenseLayer): tf.Tensor2D {
  return tf.add(tf.matMul(x, layer.w as tf.Tensor2D), layer.b);
}
