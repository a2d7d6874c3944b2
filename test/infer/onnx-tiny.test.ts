/** face-api's Tiny Face Detector network as an ONNX graph: its output within 1e-4 of face-api's own layers. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceApiModelDir, loadFaceApi } from '../../src/face/face-api-node.js';
import { loadRgbImage } from '../../src/face/image.js';
import { loadOnnxRuntimeNode } from '../../src/infer/onnx-emotion-net.js';
import { onnxTinySession, withOnnxTiny } from '../../src/infer/onnx-tiny.js';
import { PHOTOS } from '../helpers.js';

describe('the Tiny Face Detector on ONNX Runtime', () => {
  it("gives face-api's own network output on photos, at two input sizes, and only inside withOnnxTiny", async () => {
    const faceapi = await loadFaceApi('wasm');
    const net = faceapi.nets.tinyFaceDetector;
    if (!net.isLoaded) await net.loadFromDisk(faceApiModelDir());
    const session = await onnxTinySession(faceapi, await loadOnnxRuntimeNode(), 1);
    const forward = (input: unknown, size: number) =>
      (net as unknown as { forwardInput(i: unknown, s: number): unknown }).forwardInput(input, size);
    try {
      for (const [file, size] of [
        ['happy.jpg', 416],
        ['bbt1.jpg', 512],
      ] as const) {
        const rgb = await loadRgbImage(path.join(PHOTOS, file));
        const image = faceapi.tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
        const input = await faceapi.toNetInput(image);
        const own = forward(input, size) as InstanceType<typeof faceapi.tf.Tensor>;
        expect(own).toBeInstanceOf(faceapi.tf.Tensor); // outside the scope: face-api's layers, synchronously
        const viaOnnx = (await withOnnxTiny(session, async () => forward(input, size))) as typeof own;
        expect(viaOnnx.shape).toEqual(own.shape);
        expect(own.shape).toEqual([1, size / 32, size / 32, 25]); // 5 anchors x (box, score)
        const a = own.dataSync();
        const b = viaOnnx.dataSync();
        let worst = 0;
        let scale = 0;
        for (let i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - b[i]));
          scale = Math.max(scale, Math.abs(a[i]));
        }
        expect(worst, file).toBeLessThan(1e-4 * Math.max(1, scale));
        for (const t of [image, own, viaOnnx]) t.dispose();
      }
    } finally {
      await session.release();
    }
  });
});
