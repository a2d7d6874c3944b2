/** Differentiable bilinear resizing (half-pixel centres) with a correct gradient on every backend. */
import * as tf from '@tensorflow/tfjs-core';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Runs a single-output JS kernel (registered kernels return their outputs as a list). */
function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor {
  const out = tf
    .engine()
    .runKernel(
      name,
      inputs as unknown as tf.NamedTensorMap,
      attrs as tf.NamedAttrMap,
    ) as unknown as tf.Tensor[];
  return out[0];
}

function hasKernels(): boolean {
  return tf.getKernel('RanferResize', tf.getBackend()) !== undefined;
}

export function resizeBilinear(x: tf.Tensor4D, size: [number, number]): tf.Tensor4D {
  if (x.shape[1] === size[0] && x.shape[2] === size[1]) return x;
  if (!hasKernels()) return tf.image.resizeBilinear(x, size, false, true);
  const inputSize = [x.shape[1], x.shape[2]];
  const f = tf.customGrad(((xs: tf.Tensor) => ({
    value: run('RanferResize', { x: xs }, { size }),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
      run('RanferResizeGrad', { dy: dy as tf.Tensor }, { inputSize }),
  })) as unknown as CustomGradientFunc);
  return f(x) as tf.Tensor4D;
}
