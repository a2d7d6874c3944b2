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

export function declareConv(
  s: Stores,
  name: string,
  k: number,
  cin: number,
  cout: number,
  stride = 1,
): ConvLayer {
  const w = s.params.add(
    { name: `${name}.w`, shape: [k, k, cin, cout], init: { kind: 'he', fanIn: k * k * cin } },
    s.rng,
  );
  return { w, stride };
}

export function conv(x: tf.Tensor4D, layer: ConvLayer): tf.Tensor4D {
  return tf.conv2d(x, layer.w as tf.Tensor4D, layer.stride, 'same');
}

export interface DepthwiseLayer {
  /** [k, k, channels, 1]. */
  w: tf.Variable;
  stride: number;
}

export function declareDepthwise(
  s: Stores,
  name: string,
  k: number,
  channels: number,
  stride = 1,
): DepthwiseLayer {
  const w = s.params.add(
    { name: `${name}.w`, shape: [k, k, channels, 1], init: { kind: 'he', fanIn: k * k } },
    s.rng,
  );
  return { w, stride };
}

/** Depthwise convolution, 'same' padding ('valid' for a filter as large as the map, as MobileFaceNet's head). */
export function depthwise(
  x: tf.Tensor4D,
  layer: DepthwiseLayer,
  pad: 'same' | 'valid' = 'same',
): tf.Tensor4D {
  return tf.depthwiseConv2d(x, layer.w as tf.Tensor4D, layer.stride, pad);
}

/** A per-channel bias (batch norm folded into a convolution leaves one). */
export function declareBias(s: Stores, name: string, channels: number): tf.Variable {
  return s.params.add(
    { name: `${name}.b`, shape: [channels], init: { kind: 'const', value: 0 }, noDecay: true },
    s.rng,
  );
}

export interface BatchNormLayer {
  name: string;
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
  eps: number;
  /** Inference affine (scale, shift), valid while the variables hold the same data. */
  folded?: { key: object[]; scale: tf.Tensor1D; shift: tf.Tensor1D };
}

/**
 * Inference batch norm as y = x * scale + shift with scale = gamma / sqrt(var + eps) and
 * shift = beta - mean * scale, computed once per set of weights (assigning a variable changes its data).
 * Two broadcast ops run on XNNPACK; the stock FusedBatchNorm kernel is a ~4x slower scalar loop.
 */
function foldedBatchNorm(bn: BatchNormLayer): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  const key = [bn.gamma.dataId, bn.beta.dataId, bn.mean.dataId, bn.variance.dataId];
  if (!bn.folded || bn.folded.key.some((k, i) => k !== key[i])) {
    if (bn.folded) tf.dispose([bn.folded.scale, bn.folded.shift]);
    const [scale, shift] = tf.tidy(() => {
      const sc = tf.mul(bn.gamma, tf.rsqrt(tf.add(bn.variance, bn.eps))) as tf.Tensor1D;
      return [sc, tf.sub(bn.beta, tf.mul(bn.mean, sc)) as tf.Tensor1D];
    });
    bn.folded = { key, scale: tf.keep(scale), shift: tf.keep(shift) };
  }
  return bn.folded;
}

export function declareBatchNorm(s: Stores, name: string, channels: number, gammaInit = 1): BatchNormLayer {
  return {
    name,
    gamma: s.params.add(
      { name: `${name}.gamma`, shape: [channels], init: { kind: 'const', value: gammaInit }, noDecay: true },
      s.rng,
    ),
    beta: s.params.add(
      { name: `${name}.beta`, shape: [channels], init: { kind: 'const', value: 0 }, noDecay: true },
      s.rng,
    ),
    mean: s.state.add({ name: `${name}.mean`, shape: [channels], init: { kind: 'const', value: 0 } }, s.rng),
    variance: s.state.add(
      { name: `${name}.var`, shape: [channels], init: { kind: 'const', value: 1 } },
      s.rng,
    ),
    eps: 1e-5,
  };
}

let normKernelsEnabled = true;

/** Switches the single-pass normalisation kernels off (stock ops instead), for gradient checks. */
export function setNormKernelsEnabled(enabled: boolean): void {
  normKernelsEnabled = enabled;
}

/** Whether the current backend has ranfer's single-pass normalisation kernels (WASM and CPU do). */
export function hasNormKernels(): boolean {
  return normKernelsEnabled && tf.getKernel('RanferMoments', tf.getBackend()) !== undefined;
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

function run<T extends tf.Tensor[]>(name: string, inputs: Record<string, tf.Tensor>): T {
  return tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap) as unknown as T;
}

/** u * p + v * q + w for u, v [G, R, C] and coefficients [G, C] (one pass: the `RanferAffine` kernel). */
function affine(u: tf.Tensor3D, p: tf.Tensor, v: tf.Tensor3D, q: tf.Tensor, w: tf.Tensor): tf.Tensor3D {
  return run<[tf.Tensor3D]>('RanferAffine', { p, q, u, v, w })[0];
}

/**
 * Training-mode batch normalisation of x [G, R, C] (G ghost batches of R positions) with its gradient:
 * y = gamma * (x - mean) / sqrt(var + eps) + beta, statistics per ghost batch. Two passes over memory
 * forward (statistics, affine) and two backward (dy sums, affine), instead of a dozen stock ops.
 */
function ghostBatchNorm(
  x: tf.Tensor3D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): { y: tf.Tensor3D; mean: tf.Tensor2D; variance: tf.Tensor2D } {
  const R = x.shape[1];
  // The statistics enter the custom op through its closure, not as inputs: its gradient below already
  // accounts for them, so the tape never differentiates the moments kernel.
  const [mean, variance] = run<[tf.Tensor2D, tf.Tensor2D]>('RanferMoments', { x });
  const f = tf.customGrad(((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor, save: tf.GradSaveFunc) => {
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const scale = tf.mul(rstd, gs);
    const shift = tf.sub(bs, tf.mul(mean, scale));
    const y = affine(xs as tf.Tensor3D, scale, xs as tf.Tensor3D, tf.zerosLike(scale), shift);
    save([xs, mean, rstd, scale]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [x0, m, r, sc] = saved;
        const [sdy, sdyx] = run<[tf.Tensor2D, tf.Tensor2D]>('RanferBNGradSums', {
          dy: dy as tf.Tensor,
          x: x0,
        });
        // sum(dy * xhat) = rstd * (sum(dy * x) - mean * sum(dy)).
        const sxh = tf.mul(r, tf.sub(sdyx, tf.mul(m, sdy)));
        const dgamma = tf.sum(sxh, 0);
        const dbeta = tf.sum(sdy, 0);
        // dx = scale * (dy - sdy / R - xhat * sxh / R) = scale * dy + c1 * x + c0.
        const c1 = tf.div(tf.neg(tf.mul(tf.mul(sc, r), sxh)), R);
        const c0 = tf.sub(tf.neg(tf.div(tf.mul(sc, sdy), R)), tf.mul(c1, m));
        return [affine(dy as tf.Tensor3D, sc, x0 as tf.Tensor3D, c1, c0), dgamma, dbeta];
      },
    };
  }) as unknown as CustomGradientFunc);
  return { y: f(x, gamma, beta) as tf.Tensor3D, mean, variance };
}

/**
 * Batch normalisation over all axes but the last. In training it uses ghost batches of `ctx.bnGroup`
 * samples (the whole batch when it does not divide evenly) and records the batch statistics; in
 * inference it uses the running statistics.
 */
export function batchNorm<T extends tf.Tensor>(x: T, bn: BatchNormLayer, ctx: ForwardContext): T {
  if (ctx.calibrate) {
    const c = x.shape[x.rank - 1];
    const { mean, variance } = tf.moments(tf.reshape(x, [-1, c]), 0);
    ctx.stats.push({
      name: bn.name,
      mean: tf.keep(mean as tf.Tensor1D),
      variance: tf.keep(variance as tf.Tensor1D),
    });
    return x;
  }
  if (!ctx.training) {
    const { scale, shift } = foldedBatchNorm(bn);
    return tf.add(tf.mul(x, scale), shift) as T;
  }
  const n = x.shape[0];
  const groups = ctx.bnGroup > 0 && n > ctx.bnGroup && n % ctx.bnGroup === 0 ? n / ctx.bnGroup : 1;
  const c = x.shape[x.rank - 1];
  const perGroup = x.size / groups / c;
  const unbiased = perGroup / Math.max(perGroup - 1, 1);
  const x3 = tf.reshape(x, [groups, perGroup, c]) as tf.Tensor3D;
  let y: tf.Tensor;
  let mean: tf.Tensor2D;
  let variance: tf.Tensor2D;
  if (hasNormKernels()) {
    ({ y, mean, variance } = ghostBatchNorm(x3, bn.gamma as tf.Tensor1D, bn.beta as tf.Tensor1D, bn.eps));
  } else {
    const m = tf.mean(x3, 1, true);
    const centered = tf.sub(x3, m);
    const v = tf.mean(tf.square(centered), 1, true);
    y = tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(v, bn.eps))), bn.gamma), bn.beta);
    mean = tf.reshape(m, [groups, c]);
    variance = tf.reshape(v, [groups, c]);
  }
  ctx.stats.push({
    name: bn.name,
    mean: tf.keep(tf.mean(mean, 0)),
    variance: tf.keep(tf.mul(tf.mean(variance, 0), unbiased)),
  });
  return tf.reshape(y, x.shape) as T;
}

export interface PReLULayer {
  alpha: tf.Variable;
}

export function declarePReLU(s: Stores, name: string, channels: number): PReLULayer {
  return {
    alpha: s.params.add(
      { name: `${name}.alpha`, shape: [channels], init: { kind: 'const', value: 0.25 }, noDecay: true },
      s.rng,
    ),
  };
}

const preluFast = tf.customGrad(((x: tf.Tensor, alpha: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, alpha]);
  return {
    value: tf.prelu(x, alpha),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], [x0, a]: tf.Tensor[]) =>
      run<[tf.Tensor, tf.Tensor]>('RanferPReLUGrad', { alpha: a, dy: dy as tf.Tensor, x: x0 }),
  };
}) as unknown as CustomGradientFunc);

/** PReLU with a per-channel slope; its gradient is one pass (dx and dalpha together) where available. */
export function prelu<T extends tf.Tensor>(x: T, layer: PReLULayer): T {
  if (hasNormKernels()) return preluFast(x, layer.alpha) as T;
  return tf.prelu(x, layer.alpha as tf.Tensor) as T;
}

export interface DenseLayer {
  w: tf.Variable;
  b: tf.Variable;
}

export function declareDense(s: Stores, name: string, cin: number, cout: number, biasInit = 0): DenseLayer {
  return {
    w: s.params.add(
      { name: `${name}.w`, shape: [cin, cout], init: { kind: 'uniform', limit: Math.sqrt(1 / cin) } },
      s.rng,
    ),
    b: s.params.add(
      { name: `${name}.b`, shape: [cout], init: { kind: 'const', value: biasInit }, noDecay: true },
      s.rng,
    ),
  };
}

export function dense(x: tf.Tensor2D, layer: DenseLayer): tf.Tensor2D {
  return tf.add(tf.matMul(x, layer.w as tf.Tensor2D), layer.b);
}
