/**
 * face-api's Tiny Face Detector and 68-point landmark network run by ONNX Runtime (`backend: 'onnx'`):
 * their layers written as ONNX graphs from the loaded weights, and what face-api does around them done
 * here on the image's bytes, as face-api does it: the detector's input (the image padded to a square and
 * resized), the decoding of its boxes and their suppression, each face's crop for the landmarks and the
 * landmarks' mapping back to the image. No TensorFlow.js tensor is made on this path.
 */
import type * as FaceApi from '@vladmandic/face-api';
import { type AttrValue, OnnxGraph, toOihw } from '../export/onnx-graph.js';
import {
  type Box,
  boxOf,
  clipBox,
  type FaceNetworks,
  type RgbFrame,
  type ScoredBox,
} from '../face/detector.js';

import { type OrtModule, type OrtSession, sessionOptions } from './onnx-emotion-net.js';

/** face-api's Tiny Face Detector, as far as this file reads it. */
interface TinyNet {
  params: unknown;
  config: {
    meanRgb?: number[];
    isFirstLayerConv2d?: boolean;
    iouThreshold: number;
    anchors: { x: number; y: number }[];
  };
  boxEncodingSize: number;
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

/**
 * face-api's network input from RGB bytes: the `region` of the image padded with zeros to a square (at the
 * bottom or right, or `centred` as face-api pads face crops: round(diff / 2) after, the rest before),
 * resized to size x size by TensorFlow.js's bilinear resize (XNNPACK's, TensorFlow's legacy mode: no corner
 * alignment, no half-pixel centres), less the mean, over 255: [size, size, 3] values written into `out` at
 * `offset`, rounded to float32 after each step as there, so that they are face-api's own.
 */
export function squareInput(
  image: RgbFrame,
  region: Box,
  size: number,
  mean: readonly number[],
  centred: boolean,
  out: Float32Array = new Float32Array(size * size * 3),
  offset = 0,
): Float32Array {
  const f = Math.fround;
  const { rgb, width: W } = image;
  const { x: x0, y: y0, width: w, height: h } = region;
  const S = Math.max(w, h);
  const before = centred ? Math.abs(w - h) - Math.round(Math.abs(w - h) / 2) : 0;
  const padX = w < h ? before : 0;
  const padY = h < w ? before : 0;
  const scale = f(S / size);
  const [m0, m1, m2] = mean.map((v) => f(v));
  // A pixel of the square's padding: zero, less the mean, over 255.
  const [p0, p1, p2] = [f(-m0) / 255, f(-m1) / 255, f(-m2) / 255];
  // Per output column: the byte offsets in a region row of its left and right pixels (-1: padding), and
  // the right one's weight.
  const ax = new Int32Array(size);
  const bx = new Int32Array(size);
  const xa = new Float32Array(size);
  const inside = (c: number) => (c - padX >= 0 && c - padX < w ? 3 * (c - padX) : -1);
  for (let x = 0; x < size; x++) {
    const inX = f(x * scale);
    const left = Math.floor(inX);
    ax[x] = inside(left);
    bx[x] = inside(Math.min(left + 1, S - 1));
    xa[x] = f(inX - left);
  }
  // Each output row from its two source rows in one pass (resized across, then down), without storing
  // the rows resized across: at the detector's downscaling no source row serves two output rows.
  const rowStart = (r: number) => {
    const y = r - padY;
    return y >= 0 && y < h ? 3 * ((y0 + y) * W + x0) : -1;
  };
  let o = offset;
  for (let y = 0; y < size; y++) {
    const inY = f(y * scale);
    const top = Math.floor(inY);
    const ya = f(inY - top);
    const tb = rowStart(top);
    const ub = rowStart(Math.min(top + 1, S - 1));
    if (tb < 0 && ub < 0) {
      for (let i = 0; i < size; i++) {
        out[o++] = p0;
        out[o++] = p1;
        out[o++] = p2;
      }
      continue;
    }
    for (let x = 0; x < size; x++) {
      const a = ax[x];
      const b = bx[x];
      const l = xa[x];
      // Rows of padding and pixels of padding are zeros. The top and bottom rows are written out (a shared
      // function writing to a scratch array measured 1.4x slower).
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let u0 = 0;
      let u1 = 0;
      let u2 = 0;
      if (tb >= 0) {
        const p = tb + a;
        const q = tb + b;
        const pr = a < 0 ? 0 : rgb[p];
        const pg = a < 0 ? 0 : rgb[p + 1];
        const pb = a < 0 ? 0 : rgb[p + 2];
        t0 = f(pr + f(((b < 0 ? 0 : rgb[q]) - pr) * l));
        t1 = f(pg + f(((b < 0 ? 0 : rgb[q + 1]) - pg) * l));
        t2 = f(pb + f(((b < 0 ? 0 : rgb[q + 2]) - pb) * l));
      }
      if (ub >= 0) {
        const p = ub + a;
        const q = ub + b;
        const pr = a < 0 ? 0 : rgb[p];
        const pg = a < 0 ? 0 : rgb[p + 1];
        const pb = a < 0 ? 0 : rgb[p + 2];
        u0 = f(pr + f(((b < 0 ? 0 : rgb[q]) - pr) * l));
        u1 = f(pg + f(((b < 0 ? 0 : rgb[q + 1]) - pg) * l));
        u2 = f(pb + f(((b < 0 ? 0 : rgb[q + 2]) - pb) * l));
      }
      out[o++] = f(f(t0 + f(f(u0 - t0) * ya)) - m0) / 255;
      out[o++] = f(f(t1 + f(f(u1 - t1) * ya)) - m1) / 255;
      out[o++] = f(f(t2 + f(f(u2 - t2) * ya)) - m2) / 255;
    }
  }
  return out;
}

/** face-api's Tiny Face Detector input: the whole image padded at the bottom or right, [1, size, size, 3]. */
export function detectorInput(image: RgbFrame, size: number, mean: readonly number[]): Float32Array {
  return squareInput(image, { x: 0, y: 0, width: image.width, height: image.height }, size, mean, false);
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/**
 * face-api's Tiny Face Detector and landmark network on ONNX Runtime sessions, with face-api's work around
 * them (see the file's comment); results within float rounding of face-api's own.
 */
export class OnnxFaceNetworks implements FaceNetworks {
  private constructor(
    private readonly faceapi: typeof FaceApi,
    private readonly ort: OrtModule,
    private readonly sessions: { tiny?: OrtSession; landmarks: OrtSession },
  ) {}

  /**
   * Sessions on face-api's loaded landmark network and, when it is loaded, its Tiny Face Detector (the SSD
   * detector's recognizers never load it: detection then stays with face-api).
   */
  static async create(faceapi: typeof FaceApi, ort: OrtModule, threads: number): Promise<OnnxFaceNetworks> {
    const open = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, sessionOptions(threads));
    const nets = faceapi.nets;
    const tinyNet = nets.tinyFaceDetector as unknown as TinyNet;
    const tiny = nets.tinyFaceDetector.isLoaded
      ? await open(tinyOnnxGraph(tinyNet.params as TinyW, tinyNet.config.isFirstLayerConv2d === true))
      : undefined;
    const landmarks = await open(landmarkOnnxGraph(nets.faceLandmark68Net as unknown as LandmarkNet));
    return new OnnxFaceNetworks(faceapi, ort, { tiny, landmarks });
  }

  /** face-api's `TinyYolov2Base.detect`: the network, its boxes decoded and suppressed, in image pixels. */
  async tiny(frame: RgbFrame, inputSize: number, minConfidence: number): Promise<ScoredBox[]> {
    const session = this.sessions.tiny;
    if (!session) throw new Error('the Tiny Face Detector is not loaded');
    const net = this.faceapi.nets.tinyFaceDetector as unknown as TinyNet;
    const { anchors, iouThreshold } = net.config;
    const mean = net.config.meanRgb ?? [0, 0, 0];
    const input = detectorInput(frame, inputSize, mean);
    const x = new this.ort.Tensor('float32', input, [1, inputSize, inputSize, 3]);
    const y = (await session.run({ x })).y;
    const out = y.data as Float32Array;
    const cells = y.dims[1];
    const encoding = net.boxEncodingSize;
    // The image's size within the input (face-api's reshaped dimensions) corrects the relative boxes.
    const scale = inputSize / Math.max(frame.width, frame.height);
    const fx = inputSize / Math.round(frame.width * scale);
    const fy = inputSize / Math.round(frame.height * scale);
    const boxes: FaceApi.Box[] = [];
    const scores: number[] = [];
    for (let row = 0; row < cells; row++)
      for (let col = 0; col < cells; col++)
        for (let anchor = 0; anchor < anchors.length; anchor++) {
          const at = ((row * cells + col) * anchors.length + anchor) * encoding;
          const score = sigmoid(out[at + 4]);
          if (minConfidence && !(score > minConfidence)) continue;
          const cx = ((col + sigmoid(out[at])) / cells) * fx;
          const cy = ((row + sigmoid(out[at + 1])) / cells) * fy;
          const w = ((Math.exp(out[at + 2]) * anchors[anchor].x) / cells) * fx;
          const h = ((Math.exp(out[at + 3]) * anchors[anchor].y) / cells) * fy;
          const left = cx - w / 2;
          const top = cy - h / 2;
          boxes.push(new this.faceapi.BoundingBox(left, top, left + w, top + h));
          scores.push(score);
        }
    const kept = this.faceapi.nonMaxSuppression(
      boxes.map((b) => b.rescale(inputSize)),
      scores,
      iouThreshold,
      true,
    );
    return kept.map((i) => {
      return { box: boxOf(boxes[i].rescale({ width: frame.width, height: frame.height })), score: scores[i] };
    });
  }

  /** face-api's `withFaceLandmarks`: each box's crop centred in a square, the network, points in the image. */
  async landmarks(frame: RgbFrame, boxes: readonly Box[]): Promise<(Float32Array | undefined)[]> {
    const crops = boxes.map((b) => clipBox(b, frame.width, frame.height));
    const used = crops.flatMap((c, i) => (c.width > 0 && c.height > 0 ? [i] : []));
    const result: (Float32Array | undefined)[] = boxes.map(() => undefined);
    if (used.length === 0) return result;
    const size = 112;
    const input = new Float32Array(used.length * size * size * 3);
    for (const [n, i] of used.entries())
      squareInput(frame, crops[i], size, LANDMARK_MEAN, true, input, n * size * size * 3);
    const x = new this.ort.Tensor('float32', input, [used.length, size, size, 3]);
    const out = (await this.sessions.landmarks.run({ x })).y.data as Float32Array;
    used.forEach((i, n) => {
      const { width, height } = crops[i];
      // face-api's postProcess: out of the padded square, relative to the crop; then its shift by the box.
      const s = size / Math.max(width, height);
      const [w, h] = [width * s, height * s];
      const padX = w < h ? Math.abs(w - h) / 2 : 0;
      const padY = h < w ? Math.abs(w - h) / 2 : 0;
      const points = new Float32Array(136);
      for (let p = 0; p < 68; p++) {
        const o = n * 136 + 2 * p;
        points[2 * p] = ((out[o] * size - padX) / w) * width + boxes[i].x;
        points[2 * p + 1] = ((out[o + 1] * size - padY) / h) * height + boxes[i].y;
      }
      result[i] = points;
    });
    return result;
  }

  async release(): Promise<void> {
    await Promise.all([this.sessions.tiny?.release(), this.sessions.landmarks.release()]);
  }
}

/** face-api's landmark network: the feature extractor's 4 dense blocks, a 7x7 average pool, a dense layer. */
interface LandmarkNet {
  params: { fc: { weights: W; bias: W } };
  faceFeatureExtractor: { params: Record<'dense0' | 'dense1' | 'dense2' | 'dense3', DenseW> };
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
