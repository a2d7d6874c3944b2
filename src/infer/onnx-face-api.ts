/**
 * face-api's Tiny Face Detector and 68-point landmark network run by ONNX Runtime (`backend: 'onnx'`):
 * their layers written as ONNX graphs from the loaded weights, what face-api does around them done on the
 * image's bytes by `FaceApiNetworks` (face/face-api-networks.ts). No TensorFlow.js tensor is made on this
 * path.
 */
import type * as FaceApi from '@vladmandic/face-api';
import { type AttrValue, OnnxGraph, toOihw } from '../export/onnx-graph.js';
import type { FaceNetworks } from '../face/detector.js';
import {
  type ConvW,
  type DenseW,
  FaceApiNetworks,
  type LandmarkNet,
  type SeparableW,
  type TinyNet,
  type TinyW,
  type W,
} from '../face/face-api-networks.js';

import { type OrtModule, sessionOptions } from './onnx-emotion-net.js';

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
 * face-api's networks on ONNX Runtime sessions: the landmark network and, when it is loaded, the Tiny Face
 * Detector (the SSD detector's recognizers never load it: detection then stays with face-api).
 */
export async function onnxFaceNetworks(
  faceapi: typeof FaceApi,
  ort: OrtModule,
  threads: number,
): Promise<FaceNetworks> {
  const open = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, sessionOptions(threads));
  const nets = faceapi.nets;
  const tinyNet = nets.tinyFaceDetector as unknown as TinyNet;
  const tiny = nets.tinyFaceDetector.isLoaded
    ? await open(tinyOnnxGraph(tinyNet.params as TinyW, tinyNet.config.isFirstLayerConv2d === true))
    : undefined;
  const landmarks = await open(landmarkOnnxGraph(nets.faceLandmark68Net as unknown as LandmarkNet));
  const engine = {
    tiny: tiny
      ? async (input: Float32Array, size: number) => {
          const y = (await tiny.run({ x: new ort.Tensor('float32', input, [1, size, size, 3]) })).y;
          return { values: y.data as Float32Array, cells: y.dims[1] };
        }
      : undefined,
    landmarks: async (input: Float32Array, count: number) =>
      (await landmarks.run({ x: new ort.Tensor('float32', input, [count, 112, 112, 3]) })).y
        .data as Float32Array,
    release: async () => {
      await Promise.all([tiny?.release(), landmarks.release()]);
    },
  };
  return new FaceApiNetworks(faceapi, engine);
}

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
