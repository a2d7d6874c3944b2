/**
 * face-api's Tiny Face Detector and landmark network on TensorFlow.js, their results read back without
 * blocking. face-api's own calls read synchronously (`dataSync`, `arraySync`): on a GPU backend each such
 * read stalls the page, and Chromium's software WebGPU answers it with zeros (docs/experiments.md). Here the
 * layers are the same TensorFlow.js operations on face-api's loaded weights (the detector's fused, as in
 * tiny-fused.ts), and `FaceApiNetworks` does face-api's work around them. Browser-safe.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as FaceApi from '@vladmandic/face-api';
import type { FaceNetworks } from './detector.js';
import {
  type ConvW,
  type DenseW,
  FaceApiNetworks,
  type LandmarkNet,
  type SeparableW,
  type TinyNet,
} from './face-api-networks.js';
import { runTinyFused, type TinyParams } from './tiny-fused.js';

type Tf = typeof TfCore;
type Tensor4D = TfCore.Tensor4D;
type Tensor1D = TfCore.Tensor1D;
type Tensor2D = TfCore.Tensor2D;

/** face-api's landmark network in TensorFlow.js operations, as face-api writes them (its sums in its order). */
function landmarkLayers(tf: Tf, x: Tensor4D, net: LandmarkNet): Tensor2D {
  const t4 = (w: ConvW['filters']) => w as unknown as Tensor4D;
  const t1 = (w: ConvW['bias']) => w as unknown as Tensor1D;
  const separable = (v: Tensor4D, p: SeparableW, stride: 1 | 2) =>
    tf.add(
      tf.separableConv2d(v, t4(p.depthwise_filter), t4(p.pointwise_filter), stride, 'same'),
      t1(p.bias),
    ) as Tensor4D;
  const relu = (t: TfCore.Tensor) => tf.relu(t) as Tensor4D;
  const dense = (v: Tensor4D, p: DenseW, first: boolean) => {
    const out1 = relu(
      first
        ? tf.add(tf.conv2d(v, t4((p.conv0 as ConvW).filters), 2, 'same'), t1((p.conv0 as ConvW).bias))
        : separable(v, p.conv0 as SeparableW, 2),
    );
    const out2 = separable(out1, p.conv1, 1);
    const out3 = separable(relu(tf.add(out1, out2)), p.conv2, 1);
    const out4 = separable(relu(tf.add(out1, tf.add(out2, out3))), p.conv3, 1);
    return relu(tf.add(out1, tf.add(out2, tf.add(out3, out4))));
  };
  const f = net.faceFeatureExtractor.params;
  let v = dense(x, f.dense0, true);
  v = dense(v, f.dense1, false);
  v = dense(v, f.dense2, false);
  v = dense(v, f.dense3, false);
  const pooled = tf.avgPool(v, [7, 7], [2, 2], 'valid');
  const fc = net.params.fc;
  const flat = tf.reshape(pooled, [pooled.shape[0], -1]) as Tensor2D;
  return tf.add(tf.matMul(flat, fc.weights as unknown as Tensor2D), t1(fc.bias)) as Tensor2D;
}

/**
 * face-api's loaded networks (the landmark network, and the Tiny Face Detector where it is loaded: the SSD
 * detector stays with face-api) on TensorFlow.js's current backend, read back asynchronously.
 */
export function tfjsFaceNetworks(faceapi: typeof FaceApi): FaceNetworks {
  const tf = faceapi.tf as unknown as Tf;
  const nets = faceapi.nets;
  const tinyNet = nets.tinyFaceDetector as unknown as TinyNet;
  const landmarkNet = nets.faceLandmark68Net as unknown as LandmarkNet;
  const first = tinyNet.config.isFirstLayerConv2d === true;
  const read = async (t: TfCore.Tensor) => {
    try {
      return Float32Array.from(await t.data());
    } finally {
      t.dispose();
    }
  };
  return new FaceApiNetworks(faceapi, {
    tiny: nets.tinyFaceDetector.isLoaded
      ? async (input, size) => {
          const y = tf.tidy(() =>
            runTinyFused(tf, tf.tensor4d(input, [1, size, size, 3]), tinyNet.params as TinyParams, first),
          );
          const cells = y.shape[1];
          return { values: await read(y), cells };
        }
      : undefined,
    landmarks: async (input, count) =>
      read(tf.tidy(() => landmarkLayers(tf, tf.tensor4d(input, [count, 112, 112, 3]), landmarkNet))),
    release: async () => {},
  });
}
