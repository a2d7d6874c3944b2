/**
 * face-api's Tiny Face Detector and 68-point landmark network on another engine than face-api's own calls:
 * what face-api does around the networks done here on the image's bytes, as face-api does it (the
 * detector's input, the image padded to a square and resized; the decoding of its boxes and their
 * suppression; each face's crop for the landmarks and the landmarks' mapping back to the image), the
 * networks' layers run by an engine (ONNX Runtime in infer/onnx-face-api.ts, TensorFlow.js with
 * asynchronous reads in face/tfjs-face-networks.ts). Browser-safe.
 */
import type * as FaceApi from '@vladmandic/face-api';
import { type Box, boxOf, clipBox, type FaceNetworks, type RgbFrame, type ScoredBox } from './detector.js';

/** face-api's Tiny Face Detector, as far as these files read it. */
export interface TinyNet {
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
export interface W {
  readonly shape: number[];
  dataSync(): unknown;
}
export interface ConvW {
  filters: W;
  bias: W;
}
export interface SeparableW {
  depthwise_filter: W;
  pointwise_filter: W;
  bias: W;
}
/** face-api's `MobilenetParams` (see face/tiny-fused.ts), read structurally. */
export interface TinyW {
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

/** face-api's landmark network: the feature extractor's 4 dense blocks, a 7x7 average pool, a dense layer. */
export interface LandmarkNet {
  params: { fc: { weights: W; bias: W } };
  faceFeatureExtractor: { params: Record<'dense0' | 'dense1' | 'dense2' | 'dense3', DenseW> };
}
export interface DenseW {
  conv0: ConvW | SeparableW;
  conv1: SeparableW;
  conv2: SeparableW;
  conv3: SeparableW;
}

/** The mean RGB face-api subtracts before its landmark network. */
export const LANDMARK_MEAN = [122.782, 117.001, 104.298];

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

/** The networks' layers on one engine, from inputs made by `detectorInput` and `squareInput`. */
export interface FaceNetworkEngine {
  /**
   * The Tiny Face Detector's output for one normalised [1, size, size, 3] input: its NHWC values and the
   * cells on a side (absent where the detector is not loaded).
   */
  tiny?(input: Float32Array, size: number): Promise<{ values: Float32Array; cells: number }>;
  /** The landmark network's [count, 136] output for `count` normalised [112, 112, 3] faces. */
  landmarks(input: Float32Array, count: number): Promise<Float32Array>;
  /** Frees what the engine holds. */
  release(): Promise<void>;
}

/**
 * face-api's Tiny Face Detector and landmark network on an engine, with face-api's work around them (see the
 * file's comment); results within float rounding of face-api's own.
 */
export class FaceApiNetworks implements FaceNetworks {
  constructor(
    private readonly faceapi: typeof FaceApi,
    private readonly engine: FaceNetworkEngine,
  ) {}

  /** face-api's `TinyYolov2Base.detect`: the network, its boxes decoded and suppressed, in image pixels. */
  async tiny(frame: RgbFrame, inputSize: number, minConfidence: number): Promise<ScoredBox[]> {
    const run = this.engine.tiny;
    if (!run) throw new Error('the Tiny Face Detector is not loaded');
    const net = this.faceapi.nets.tinyFaceDetector as unknown as TinyNet;
    const { anchors, iouThreshold } = net.config;
    const mean = net.config.meanRgb ?? [0, 0, 0];
    const input = detectorInput(frame, inputSize, mean);
    const { values: out, cells } = await run.call(this.engine, input, inputSize);
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
    const out = await this.engine.landmarks(input, used.length);
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
    await this.engine.release();
  }
}
