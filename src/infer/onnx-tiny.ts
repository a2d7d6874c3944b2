/**
 * face-api's Tiny Face Detector with its network run by ONNX Runtime (`backend: 'onnx'`): its layers
 * (`runMobilenet`: a 3x3 convolution, separable convolutions with leaky ReLU, max pools, a 1x1 output
 * convolution) written as an ONNX graph from the loaded weights, and the network's `forwardInput`
 * answered by that graph while a detection runs in `withOnnxTiny`. face-api keeps the rest: the input's
 * padding to a square and resize, the box decoding and the non-maximum suppression. Node only
 * (AsyncLocalStorage tells the detections of a recognizer on ONNX Runtime from the others).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as FaceApi from '@vladmandic/face-api';
import { OnnxGraph } from '../export/onnx-graph.js';
import type { OrtModule, OrtSession } from './onnx-emotion-net.js';

type Tf = typeof FaceApi.tf;
type Tensor4D = FaceApi.tf.Tensor4D;
interface NetInput {
  toBatchTensor(inputSize: number, isCenterInputs?: boolean): Tensor4D;
}
type Forward = (input: NetInput, inputSize: number) => Tensor4D | Promise<Tensor4D>;
interface TinyNet {
  params: unknown;
  config: { meanRgb?: number[]; isFirstLayerConv2d?: boolean };
  forwardInput: Forward;
}

/** A loaded weight tensor, as far as the graph reads it. */
interface W {
  readonly shape: number[];
  dataSync(): unknown;
}
interface ConvW {
  filters: W;
  bias: W;
}
interface SeparableW {
  depthwise_filter: W;
  pointwise_filter: W;
  bias: W;
}
/** face-api's `MobilenetParams` (see face/tiny-fused.ts), read structurally. */
interface TinyW {
  conv0: ConvW | SeparableW;
  conv1: SeparableW;
  conv2: SeparableW;
  conv3: SeparableW;
  conv4: SeparableW;
  conv5: SeparableW;
  conv6?: SeparableW;
  conv7?: SeparableW;
  conv8: ConvW;
}

/** face-api's leaky ReLU slope (0.1 as float32). */
const LEAKY_ALPHA = 0.10000000149011612;

/** A face-api filter [kh, kw, ci, co] (NHWC) as an ONNX weight [co, ci, kh, kw]. */
function oihw(data: Float32Array, [kh, kw, ci, co]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++)
          out[((o * ci + i) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * co + o];
  return out;
}

/** The Tiny Face Detector's layers as an ONNX graph: input `x` [1, H, W, 3] normalised, output `y` NHWC. */
export function tinyOnnxGraph(params: TinyW, firstLayerConv2d: boolean): Uint8Array {
  const g = new OnnxGraph();
  const values = (t: W) => t.dataSync() as Float32Array;
  const x = g.input('x', [1, 'height', 'width', 3], 'the normalised input, NHWC');
  const leaky = (v: string) => g.node('LeakyRelu', [v], { alpha: LEAKY_ALPHA });
  const conv = (v: string, p: ConvW, name: string) =>
    g.node(
      'Conv',
      [
        v,
        g.float(`${name}.w`, oihw(values(p.filters), p.filters.shape), oihwShape(p.filters.shape)),
        g.float(`${name}.b`, values(p.bias), [p.bias.shape[0]]),
      ],
      {
        kernel_shape: p.filters.shape.slice(0, 2),
        pads: [0, 0, 0, 0],
      },
    );
  const separable = (v: string, p: SeparableW, name: string) => {
    const [kh, kw, c] = p.depthwise_filter.shape;
    const dw = g.float(`${name}.dw`, oihw(values(p.depthwise_filter), [kh, kw, 1, c]), [c, 1, kh, kw]);
    const d = g.node('Conv', [v, dw], { kernel_shape: [kh, kw], group: c, auto_pad: 'SAME_UPPER' });
    return leaky(conv(d, { filters: p.pointwise_filter, bias: p.bias }, `${name}.pw`));
  };
  const pool = (v: string, s: number) =>
    g.node('MaxPool', [v], { kernel_shape: [2, 2], strides: [s, s], auto_pad: 'SAME_UPPER' });
  let v = g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  v = firstLayerConv2d
    ? leaky(conv(v, params.conv0 as ConvW, 'conv0'))
    : separable(v, params.conv0 as SeparableW, 'conv0');
  v = pool(v, 2);
  for (const [i, p] of [params.conv1, params.conv2, params.conv3, params.conv4].entries())
    v = pool(separable(v, p, `conv${i + 1}`), 2);
  v = pool(separable(v, params.conv5, 'conv5'), 1);
  if (params.conv6) v = separable(v, params.conv6, 'conv6');
  if (params.conv7) v = separable(v, params.conv7, 'conv7');
  v = conv(v, params.conv8, 'conv8');
  g.output(g.node('Transpose', [v], { perm: [0, 2, 3, 1] }), 'y', [1, 'cells', 'cells', 'boxes']);
  return g.encode('tiny-face-detector', {}, "face-api's Tiny Face Detector network");
}

function oihwShape([kh, kw, ci, co]: number[]): number[] {
  return [co, ci, kh, kw];
}

/** Which ONNX session answers the Tiny Face Detector inside the current detection (none: TensorFlow.js). */
const current = new AsyncLocalStorage<OrtSession>();
const INSTALLED = Symbol('ranfer.onnxTiny');

/** Runs `work` (a detection with face-api's Tiny Face Detector) with its network on `session`. */
export function withOnnxTiny<T>(session: OrtSession, work: () => Promise<T>): Promise<T> {
  return current.run(session, work);
}

/**
 * An ONNX Runtime session on face-api's loaded Tiny Face Detector, its `forwardInput` made to use a session
 * inside `withOnnxTiny` (installed once per network; outside it, face-api's own layers run).
 */
export async function onnxTinySession(
  faceapi: typeof FaceApi,
  ort: OrtModule,
  threads: number,
): Promise<OrtSession> {
  const net = faceapi.nets.tinyFaceDetector as unknown as TinyNet & { [INSTALLED]?: true };
  const bytes = tinyOnnxGraph(net.params as TinyW, net.config.isFirstLayerConv2d === true);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  if (!net[INSTALLED]) {
    const own = net.forwardInput.bind(net);
    const tf = faceapi.tf;
    net.forwardInput = (input, inputSize) => {
      const s = current.getStore();
      return s ? forwardOnnx(tf, ort, s, net, input, inputSize) : own(input, inputSize);
    };
    net[INSTALLED] = true;
  }
  return session;
}

/** face-api's `forwardInput` (the same input tensor and normalisation) with the layers on ONNX Runtime. */
async function forwardOnnx(
  tf: Tf,
  ort: OrtModule,
  session: OrtSession,
  net: TinyNet,
  input: NetInput,
  inputSize: number,
): Promise<Tensor4D> {
  const mean = net.config.meanRgb;
  const x = tf.tidy(() => {
    let batch = tf.cast(input.toBatchTensor(inputSize, false), 'float32') as Tensor4D;
    if (mean) batch = tf.sub(batch, tf.tensor1d(mean, 'float32')) as Tensor4D;
    return tf.div(batch, 255) as Tensor4D;
  });
  const dims = x.shape;
  const data = (await x.data()) as Float32Array;
  x.dispose();
  const out = (await session.run({ x: new ort.Tensor('float32', data, dims) })).y;
  return tf.tensor4d(out.data as Float32Array, out.dims as [number, number, number, number]);
}
