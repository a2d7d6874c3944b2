/** face-api's networks on TensorFlow.js with asynchronous reads: face-api's own detections and landmarks. */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { faceApiModelDir, loadFaceApi } from '../../src/face/face-api-node.js';
import { loadRgbImage } from '../../src/face/image.js';
import { tfjsFaceNetworks } from '../../src/face/tfjs-face-networks.js';
import { PHOTOS } from '../helpers.js';

describe('tfjsFaceNetworks', () => {
  it("finds face-api's own faces, scores and landmarks on photos, without a synchronous read or a leaked tensor", async () => {
    const faceapi = await loadFaceApi('wasm');
    const { nets } = faceapi;
    for (const net of [nets.tinyFaceDetector, nets.faceLandmark68Net])
      if (!net.isLoaded) await net.loadFromDisk(faceApiModelDir());
    const networks = tfjsFaceNetworks(faceapi);
    for (const [file, size] of [
      ['happy.jpg', 416],
      ['bbt1.jpg', 512],
    ] as const) {
      const rgb = await loadRgbImage(path.join(PHOTOS, file));
      const frame = { rgb: rgb.data, width: rgb.width, height: rgb.height };
      const image = faceapi.tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
      const options = new faceapi.TinyFaceDetectorOptions({ inputSize: size, scoreThreshold: 0.25 });
      const found = await faceapi.detectAllFaces(image as never, options).withFaceLandmarks();
      image.dispose();
      expect(found.length, file).toBe(file === 'bbt1.jpg' ? 4 : 1);

      const tensors = tf.memory().numTensors;
      const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
      const arraySync = vi.spyOn(tf.Tensor.prototype, 'arraySync');
      const detected = (await networks.tiny?.(frame, size, 0.25)) ?? [];
      const landmarks = await networks.landmarks(
        frame,
        detected.map((d) => d.box),
      );
      expect(dataSync).not.toHaveBeenCalled();
      expect(arraySync).not.toHaveBeenCalled();
      vi.restoreAllMocks();
      expect(tf.memory().numTensors).toBe(tensors);

      expect(detected).toHaveLength(found.length);
      for (const [i, f] of found.entries()) {
        const b = f.detection.box;
        const { box, score } = detected[i];
        expect(Math.abs(score - f.detection.score), `${file} face ${i}`).toBeLessThan(1e-5);
        for (const [mine, theirs] of [
          [box.x, b.x],
          [box.y, b.y],
          [box.width, b.width],
          [box.height, b.height],
        ])
          expect(Math.abs(mine - theirs), `${file} face ${i}`).toBeLessThan(1e-3);
        const points = f.landmarks.positions.flatMap((q) => [q.x, q.y]);
        const got = landmarks[i] as Float32Array;
        expect(got).toHaveLength(136);
        for (let k = 0; k < 136; k++)
          expect(Math.abs(got[k] - points[k]), `${file} face ${i}`).toBeLessThan(1e-3);
      }
    }
    await networks.release();
  });
});
