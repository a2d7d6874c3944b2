/**
 * A faster forward pass for face-api's Tiny Face Detector, with its own weights and arithmetic.
 *
 * face-api runs each of the detector's layers as separate tensor operations: an explicit zero padding,
 * the convolution, the bias added, then leaky ReLU written as `relu(x - 0.1x) + 0.1x` (a multiply, a
 * subtract, a ReLU and an add). On a 512x512 input the first layers' outputs are 4-16 MB each, so these
 * passes over memory took ~40% of the detector's time. Here each convolution takes its bias and leaky
 * ReLU as fused operations (`tf.fused.conv2d`; TensorFlow.js's WASM, WebGL and CPU backends all fuse
 * them), and the zero padding is the convolution's own `same` padding: the same numbers to within
 * float rounding (a test compares both on photos).
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as FaceApi from '@vladmandic/face-api';

/** The operations used here (face-api's `tf` has them at run time; its typings name fewer). */
type Tf = Pick<typeof TfCore, 'fused' | 'depthwiseConv2d' | 'maxPool'>;
type Tensor4D = TfCore.Tensor4D;
type TinyDetector = FaceApi.TinyFaceDetector;

/** face-api's `MobilenetParams`, typed with TensorFlow.js's own tensors. */
export interface TinyParams {
  conv0: Conv | Separable;
  conv1: Separable;
  conv2: Separable;
  conv3: Separable;
  conv4: Separable;
  conv5: Separable;
  conv6?: Separable;
  conv7?: Separable;
  conv8: Conv;
}
interface Conv {
  filters: Tensor4D;
  bias: TfCore.Tensor1D;
}
interface Separable {
  depthwise_filter: Tensor4D;
  pointwise_filter: Tensor4D;
  bias: TfCore.Tensor1D;
}

/** face-api's leaky ReLU slope (0.1 as float32). */
const LEAKY_ALPHA = 0.10000000149011612;

/** The detector's layers with fused bias and leaky ReLU; `x` is its normalised input batch. */
export function runTinyFused(tf: Tf, x: Tensor4D, params: TinyParams, firstLayerConv2d: boolean): Tensor4D {
  const leaky = { activation: 'leakyrelu' as const, leakyreluAlpha: LEAKY_ALPHA };
  const conv = (input: Tensor4D, p: Conv, withLeaky: boolean) =>
    tf.fused.conv2d({
      x: input,
      filter: p.filters,
      strides: 1,
      pad: 'valid',
      bias: p.bias,
      ...(withLeaky ? leaky : {}),
    });
  const separable = (input: Tensor4D, p: Separable) =>
    tf.fused.conv2d({
      x: tf.depthwiseConv2d(input, p.depthwise_filter, 1, 'same'),
      filter: p.pointwise_filter,
      strides: 1,
      pad: 'valid',
      bias: p.bias,
      ...leaky,
    });
  const pool = (input: Tensor4D, stride: 1 | 2) => tf.maxPool(input, [2, 2], stride, 'same');
  let out = firstLayerConv2d ? conv(x, params.conv0 as Conv, true) : separable(x, params.conv0 as Separable);
  out = pool(out, 2);
  out = pool(separable(out, params.conv1), 2);
  out = pool(separable(out, params.conv2), 2);
  out = pool(separable(out, params.conv3), 2);
  out = pool(separable(out, params.conv4), 2);
  out = pool(separable(out, params.conv5), 1);
  if (params.conv6) out = separable(out, params.conv6);
  if (params.conv7) out = separable(out, params.conv7);
  return conv(out, params.conv8, false);
}

const FUSED = Symbol('ranfer.tinyFused');

/**
 * Makes face-api's Tiny Face Detector run its layers through `runTinyFused`; once per network, later
 * calls change nothing. Returns the network's own layer function (for comparisons), or null where
 * face-api's TensorFlow.js lacks fused convolutions and the network is left as it is.
 */
export function useFusedTiny(faceapi: typeof FaceApi): TinyDetector['runMobilenet'] | null {
  const tf = faceapi.tf as unknown as Partial<Tf>;
  if (typeof tf.fused?.conv2d !== 'function' || !tf.depthwiseConv2d || !tf.maxPool) return null;
  const net = faceapi.nets.tinyFaceDetector;
  const marked = net as TinyDetector & { [FUSED]?: TinyDetector['runMobilenet'] };
  const own = marked[FUSED];
  if (own) return own;
  const original = net.runMobilenet.bind(net);
  marked[FUSED] = original;
  const first = net.config.isFirstLayerConv2d === true;
  net.runMobilenet = ((x: Tensor4D, params: TinyParams) =>
    runTinyFused(tf as Tf, x, params, first)) as unknown as TinyDetector['runMobilenet'];
  return original;
}

/**
 * Runs `work` with face-api's Tiny Face Detector as face-api ships it (its own layers), whether or not the
 * fused layers are installed: for measuring face-api's own pipeline beside ranfer's in one process.
 */
export async function withOwnTiny<T>(faceapi: typeof FaceApi, work: () => Promise<T>): Promise<T> {
  const net = faceapi.nets.tinyFaceDetector as TinyDetector & { [FUSED]?: TinyDetector['runMobilenet'] };
  const own = net[FUSED];
  if (!own) return work();
  const fused = net.runMobilenet;
  net.runMobilenet = own;
  try {
    return await work();
  } finally {
    net.runMobilenet = fused;
  }
}
