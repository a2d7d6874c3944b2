/**
 * face-api's Tiny Face Detector and 68-point landmark network run by ONNX Runtime (`backend: 'onnx'`):
 * their layers written as ONNX graphs from the loaded weights, and the networks' `forwardInput` (Tiny)
 * and `detectLandmarks` (landmarks) answered by those graphs while a detection runs in `withOnnxFaceApi`.
 * face-api keeps the rest: the inputs' padding to a square and resize, the box decoding, the suppression,
 * the landmarks' mapping back to the face box. Node only (AsyncLocalStorage tells the detections of a
 * recognizer on ONNX Runtime from the others, which keep face-api's own layers).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type * as FaceApi from '@vladmandic/face-api';
import { type AttrValue, OnnxGraph, toOihw } from '../export/onnx-graph.js';
import type { RgbFrame } from '../face/detector.js';
import { type OrtModule, type OrtSession, sessionOptions } from './onnx-emotion-net.js';

type Tf = typeof FaceApi.tf;
type Tensor4D = FaceApi.tf.Tensor4D;
interface NetInput {
  readonly batchSize: number;
  getInput(batchIdx: number): unknown;
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

/** Writes face-api's layers (its loaded weights, NHWC filters) into a graph of NCHW maps. */
class FaceApiLayers {
  constructor(readonly g: OnnxGraph) {}

  private static values(t: W): Float32Array {
    return t.dataSync() as Float32Array;
  }

  /** A convolution with its bias; 'valid' (face-api's first and last Tiny layers) or tfjs's 'same' padding. */
  conv(v: string, p: ConvW, name: string, stride = 1, padding: 'valid' | 'same' = 'same'): string {
    const [kh, kw, ci, co] = p.filters.shape;
    const w = this.g.float(`${name}.w`, toOihw(FaceApiLayers.values(p.filters), p.filters.shape), [
      co,
      ci,
      kh,
      kw,
    ]);
    const b = this.g.float(`${name}.b`, FaceApiLayers.values(p.bias), [co]);
    const pad: Record<string, AttrValue> =
      padding === 'valid' ? { pads: [0, 0, 0, 0] } : { auto_pad: 'SAME_UPPER' };
    return this.g.node('Conv', [v, w, b], { kernel_shape: [kh, kw], strides: [stride, stride], ...pad });
  }

  /** tf.separableConv2d(x, depthwise, pointwise, stride, 'same') + bias. */
  separable(v: string, p: SeparableW, name: string, stride = 1): string {
    const [kh, kw, c] = p.depthwise_filter.shape;
    const dw = this.g.float(`${name}.dw`, toOihw(FaceApiLayers.values(p.depthwise_filter), [kh, kw, 1, c]), [
      c,
      1,
      kh,
      kw,
    ]);
    const d = this.g.node('Conv', [v, dw], {
      kernel_shape: [kh, kw],
      group: c,
      strides: [stride, stride],
      auto_pad: 'SAME_UPPER',
    });
    return this.conv(d, { filters: p.pointwise_filter, bias: p.bias }, `${name}.pw`);
  }
}

/** The Tiny Face Detector's layers as an ONNX graph: input `x` [1, H, W, 3] normalised, output `y` NHWC. */
export function tinyOnnxGraph(params: TinyW, firstLayerConv2d: boolean): Uint8Array {
  const g = new OnnxGraph();
  const layers = new FaceApiLayers(g);
  const x = g.input('x', [1, 'height', 'width', 3], 'the normalised input, NHWC');
  const leaky = (v: string) => g.node('LeakyRelu', [v], { alpha: LEAKY_ALPHA });
  const conv = (v: string, p: ConvW, name: string) => layers.conv(v, p, name, 1, 'valid');
  const separable = (v: string, p: SeparableW, name: string) => leaky(layers.separable(v, p, name));
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

/** The sessions answering face-api's networks inside the current detection (none: TensorFlow.js). */
export interface FaceApiSessions {
  /** Absent when the Tiny Face Detector is not loaded (the SSD detector runs on TensorFlow.js). */
  tiny?: OrtSession;
  landmarks: OrtSession;
}
const current = new AsyncLocalStorage<{ sessions: FaceApiSessions; image?: RgbFrame }>();
const INSTALLED = Symbol('ranfer.onnxFaceApi');

/**
 * Runs `work` (a detection with face-api's Tiny Face Detector and landmarks) with their networks on
 * `sessions`; given the detection's RGB `image`, the detector's input is resized from its bytes in JS
 * (face-api's bilinear resize of the image padded to a square, without building either on TensorFlow.js).
 */
export function withOnnxFaceApi<T>(
  sessions: FaceApiSessions,
  work: () => Promise<T>,
  image?: RgbFrame,
): Promise<T> {
  return current.run({ sessions, image }, work);
}

/** Opens a session on a graph. */
function open(ort: OrtModule, bytes: Uint8Array, threads: number): Promise<OrtSession> {
  return ort.InferenceSession.create(bytes, sessionOptions(threads));
}

/** Releases the sessions. */
export async function releaseFaceApiSessions(sessions: FaceApiSessions): Promise<void> {
  await Promise.all([sessions.tiny?.release(), sessions.landmarks.release()]);
}

/**
 * ONNX Runtime sessions on face-api's loaded Tiny Face Detector and landmark network, the networks made to
 * use them inside `withOnnxFaceApi` (installed once per network; outside it, face-api's own layers run).
 */
export async function onnxFaceApiSessions(
  faceapi: typeof FaceApi,
  ort: OrtModule,
  threads: number,
): Promise<FaceApiSessions> {
  const tinyNet = faceapi.nets.tinyFaceDetector as unknown as TinyNet & { [INSTALLED]?: true };
  const landmarkNet = faceapi.nets.faceLandmark68Net as unknown as LandmarkNet & { [INSTALLED]?: true };
  // The SSD detector's recognizers never load the Tiny one: its network then stays unused.
  const sessions: FaceApiSessions = {
    tiny: faceapi.nets.tinyFaceDetector.isLoaded
      ? await open(
          ort,
          tinyOnnxGraph(tinyNet.params as TinyW, tinyNet.config.isFirstLayerConv2d === true),
          threads,
        )
      : undefined,
    landmarks: await open(ort, landmarkOnnxGraph(landmarkNet), threads),
  };
  const tf = faceapi.tf;
  if (!tinyNet[INSTALLED]) {
    const own = tinyNet.forwardInput.bind(tinyNet);
    tinyNet.forwardInput = (input, inputSize) => {
      const s = current.getStore();
      return s?.sessions.tiny
        ? forwardOnnx(tf, ort, s.sessions.tiny, tinyNet, input, inputSize, s.image)
        : own(input, inputSize);
    };
    tinyNet[INSTALLED] = true;
  }
  if (!landmarkNet[INSTALLED]) {
    const own = landmarkNet.detectLandmarks.bind(landmarkNet);
    landmarkNet.detectLandmarks = (input) => {
      const s = current.getStore();
      return s ? landmarksOnnx(faceapi, ort, s.sessions.landmarks, landmarkNet, input) : own(input);
    };
    landmarkNet[INSTALLED] = true;
  }
  return sessions;
}

/**
 * face-api's detector input from RGB bytes: the image padded with zeros to a square (bottom or right), resized
 * to size x size by TensorFlow.js's bilinear resize (XNNPACK's, TensorFlow's legacy mode: no corner alignment,
 * no half-pixel centres), less the mean, over 255: [1, size, size, 3] as `forwardInput` makes it, in float32
 * arithmetic step by step (`Math.fround`) so that the values are the same.
 */
export function detectorInput(image: RgbFrame, size: number, mean: readonly number[]): Float32Array {
  const f = Math.fround;
  const { rgb, width: W, height: H } = image;
  const S = Math.max(W, H);
  const scale = f(S / size);
  const m = mean.map((v) => f(v));
  const out = new Float32Array(size * size * 3);
  // Per output column: the byte offsets of the left and right input pixels, and the right one's weight.
  const ax = new Int32Array(size);
  const bx = new Int32Array(size);
  const xa = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const inX = f(x * scale);
    const left = Math.floor(inX);
    ax[x] = 3 * left;
    bx[x] = 3 * Math.min(left + 1, S - 1);
    xa[x] = f(inX - left);
  }
  // Input rows as S pixels (zeros past the image: the square's padding), two reused buffers.
  const zeros = new Uint8Array(3 * S);
  const buffers = [new Uint8Array(3 * S), new Uint8Array(3 * S)];
  const row = (r: number, buffer: number): Uint8Array => {
    if (r >= H) return zeros;
    const line = rgb.subarray(3 * r * W, 3 * (r + 1) * W);
    if (W === S) return line;
    buffers[buffer].set(line);
    return buffers[buffer];
  };
  let o = 0;
  for (let y = 0; y < size; y++) {
    const inY = f(y * scale);
    const top = Math.floor(inY);
    const ya = f(inY - top);
    const t = row(top, 0);
    const u = row(Math.min(top + 1, S - 1), 1);
    for (let x = 0; x < size; x++) {
      const a = ax[x];
      const b = bx[x];
      const l = xa[x];
      for (let k = 0; k < 3; k++) {
        const tl = t[a + k];
        const bl = u[a + k];
        const vt = f(tl + f(f(t[b + k] - tl) * l));
        const vb = f(bl + f(f(u[b + k] - bl) * l));
        const v = f(vt + f(f(vb - vt) * ya));
        out[o++] = f(f(v - m[k]) / 255);
      }
    }
  }
  return out;
}

/** face-api's batch of an input on TensorFlow.js (`toBatchTensor`), less the mean, over 255, as floats. */
async function normalisedBatch(
  tf: Tf,
  input: NetInput,
  size: number,
  centred: boolean,
  mean: readonly number[],
): Promise<{ data: Float32Array; dims: number[] }> {
  const x = tf.tidy(() => {
    const batch = tf.cast(input.toBatchTensor(size, centred), 'float32');
    return tf.div(tf.sub(batch, tf.tensor1d([...mean], 'float32')), 255) as Tensor4D;
  });
  const data = (await x.data()) as Float32Array;
  const dims = x.shape;
  x.dispose();
  return { data, dims };
}

/** face-api's `forwardInput` (the same input and normalisation) with the layers on ONNX Runtime. */
async function forwardOnnx(
  tf: Tf,
  ort: OrtModule,
  session: OrtSession,
  net: TinyNet,
  input: NetInput,
  inputSize: number,
  image?: RgbFrame,
): Promise<Tensor4D> {
  const mean = net.config.meanRgb ?? [0, 0, 0];
  const dims = [1, inputSize, inputSize, 3];
  let data: Float32Array;
  // The detection's own image (not a face crop or another input): resized from its bytes here.
  const tensor = input.batchSize === 1 ? input.getInput(0) : undefined;
  const shape = (tensor as { shape?: number[] } | undefined)?.shape;
  if (image && shape?.length === 3 && shape[0] === image.height && shape[1] === image.width) {
    data = detectorInput(image, inputSize, mean);
    // What toBatchTensor would have recorded: face-api's box decoding reads it.
    (input as unknown as { _inputSize: number })._inputSize = inputSize;
  } else {
    const x = await normalisedBatch(tf, input, inputSize, false, mean);
    dims[0] = x.dims[0];
    data = x.data;
  }
  const out = (await session.run({ x: new ort.Tensor('float32', data, dims) })).y;
  return tf.tensor4d(out.data as Float32Array, out.dims as [number, number, number, number]);
}

/** face-api's landmark network: the feature extractor's 4 dense blocks, a 7x7 average pool, a dense layer. */
interface LandmarkNet {
  params: { fc: { weights: W; bias: W } };
  faceFeatureExtractor: { params: Record<'dense0' | 'dense1' | 'dense2' | 'dense3', DenseW> };
  postProcess(output: unknown, inputSize: number, dims: { width: number; height: number }[]): Tensor4D;
  detectLandmarks(input: unknown): Promise<unknown>;
}
interface DenseW {
  conv0: ConvW | SeparableW;
  conv1: SeparableW;
  conv2: SeparableW;
  conv3: SeparableW;
}

/** The mean RGB face-api subtracts before its landmark network. */
const LANDMARK_MEAN = [122.782, 117.001, 104.298];

/** The landmark network as an ONNX graph: input `x` [batch, 112, 112, 3] normalised, output `y` [batch, 136]. */
export function landmarkOnnxGraph(net: LandmarkNet): Uint8Array {
  const g = new OnnxGraph();
  const layers = new FaceApiLayers(g);
  const values = (t: W) => t.dataSync() as Float32Array;
  const x = g.input('x', ['batch', 112, 112, 3], 'the normalised faces, NHWC');
  const relu = (v: string) => g.node('Relu', [v]);
  const add = (a: string, b: string) => g.node('Add', [a, b]);
  const conv = (v: string, p: ConvW, stride: number, name: string) => layers.conv(v, p, name, stride);
  const separable = (v: string, p: SeparableW, stride: number, name: string) =>
    layers.separable(v, p, name, stride);
  // face-api's denseBlock4, its sums in the same order.
  const dense = (v: string, p: DenseW, first: boolean, name: string) => {
    const out1 = relu(
      first
        ? conv(v, p.conv0 as ConvW, 2, `${name}.conv0`)
        : separable(v, p.conv0 as SeparableW, 2, `${name}.conv0`),
    );
    const out2 = separable(out1, p.conv1, 1, `${name}.conv1`);
    const out3 = separable(relu(add(out1, out2)), p.conv2, 1, `${name}.conv2`);
    const out4 = separable(relu(add(out1, add(out2, out3))), p.conv3, 1, `${name}.conv3`);
    return relu(add(out1, add(out2, add(out3, out4))));
  };
  const f = net.faceFeatureExtractor.params;
  let v = g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  v = dense(v, f.dense0, true, 'dense0');
  v = dense(v, f.dense1, false, 'dense1');
  v = dense(v, f.dense2, false, 'dense2');
  v = dense(v, f.dense3, false, 'dense3');
  v = g.node('AveragePool', [v], { kernel_shape: [7, 7], strides: [2, 2] });
  const fc = net.params.fc;
  v = g.node('Reshape', [v, g.int64('shape', [-1, fc.weights.shape[0]])]);
  v = g.node('MatMul', [v, g.float('fc.w', values(fc.weights), fc.weights.shape)]);
  v = g.node('Add', [v, g.float('fc.b', values(fc.bias), [fc.bias.shape[0]])]);
  g.output(v, 'y', ['batch', 136]);
  return g.encode('face-landmark-68', {}, "face-api's 68-point landmark network");
}

/** face-api's `detectLandmarks` with the network on ONNX Runtime (the same input, mapping and result). */
async function landmarksOnnx(
  faceapi: typeof FaceApi,
  ort: OrtModule,
  session: OrtSession,
  net: LandmarkNet,
  input: unknown,
): Promise<unknown> {
  const tf = faceapi.tf;
  const netInput = await faceapi.toNetInput(input as never);
  const { data, dims } = await normalisedBatch(tf, netInput, 112, true, LANDMARK_MEAN);
  const out = (await session.run({ x: new ort.Tensor('float32', data, dims) })).y;
  const sizes = netInput.inputDimensions.map(([height, width]) => ({ height, width }));
  const mapped = tf.tidy(() =>
    net.postProcess(tf.tensor2d(out.data as Float32Array, [dims[0], 136]), 112, sizes),
  );
  const values = mapped.dataSync();
  mapped.dispose();
  const faces = Array.from({ length: dims[0] }, (_, b) => {
    const points = Array.from(
      { length: 68 },
      (_, i) => new faceapi.Point(values[b * 136 + 2 * i], values[b * 136 + 2 * i + 1]),
    );
    return new faceapi.FaceLandmarks68(points, {
      height: netInput.getInputHeight(b),
      width: netInput.getInputWidth(b),
    });
  });
  return netInput.isBatchInput ? faces : faces[0];
}
