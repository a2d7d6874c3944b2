/** face-api's Tiny Face Detector and landmark networks as ONNX graphs: within 1e-4 of face-api's own layers. */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { faceApiModelDir, loadFaceApi } from '../../src/face/face-api-node.js';
import { loadRgbImage } from '../../src/face/image.js';
import { loadOnnxRuntimeNode } from '../../src/infer/onnx-emotion-net.js';
import {
  detectorInput,
  onnxFaceApiSessions,
  releaseFaceApiSessions,
  withOnnxFaceApi,
} from '../../src/infer/onnx-face-api.js';
import { PHOTOS } from '../helpers.js';

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): { worst: number; scale: number } {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return { worst, scale };
}

describe("face-api's networks on ONNX Runtime", () => {
  it("give face-api's own outputs on photos, and only inside withOnnxFaceApi", async () => {
    const faceapi = await loadFaceApi('wasm');
    const nets = faceapi.nets;
    for (const net of [nets.tinyFaceDetector, nets.faceLandmark68Net])
      if (!net.isLoaded) await net.loadFromDisk(faceApiModelDir());
    const sessions = await onnxFaceApiSessions(faceapi, await loadOnnxRuntimeNode(), 1);
    const tiny = nets.tinyFaceDetector as unknown as { forwardInput(i: unknown, s: number): unknown };
    try {
      // Landscape photos padded at the bottom, a portrait one (a 250x282 cut of happy.jpg) at the right.
      const portrait = await sharp(path.join(PHOTOS, 'happy.jpg'))
        .extract({ left: 200, top: 0, width: 250, height: 282 })
        .png()
        .toBuffer();
      for (const [file, source, size] of [
        ['happy.jpg', path.join(PHOTOS, 'happy.jpg'), 416],
        ['bbt1.jpg', path.join(PHOTOS, 'bbt1.jpg'), 512],
        ['happy.jpg, portrait cut', portrait, 320],
      ] as const) {
        const rgb = await loadRgbImage(source);
        const image = faceapi.tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
        const input = await faceapi.toNetInput(image);
        // The detector's raw output: outside the scope face-api's layers answer, synchronously.
        const own = tiny.forwardInput(input, size) as InstanceType<typeof faceapi.tf.Tensor>;
        expect(own).toBeInstanceOf(faceapi.tf.Tensor);
        const viaOnnx = (await withOnnxFaceApi(sessions, async () =>
          tiny.forwardInput(input, size),
        )) as typeof own;
        expect(own.shape).toEqual([1, size / 32, size / 32, 25]); // 5 anchors x (box, score)
        expect(viaOnnx.shape).toEqual(own.shape);
        const d = worstDiff(own.dataSync(), viaOnnx.dataSync());
        expect(d.worst, file).toBeLessThan(1e-4 * Math.max(1, d.scale));
        // Given the detection's RGB bytes, the input is resized in JS: face-api's own input, and its output.
        const mean = [117.001, 114.697, 97.404];
        const batch = faceapi.tf.tidy(() =>
          faceapi.tf.div(faceapi.tf.sub(input.toBatchTensor(size, false), faceapi.tf.tensor1d(mean)), 255),
        );
        const frame = { rgb: rgb.data, width: rgb.width, height: rgb.height };
        const fromBytes = detectorInput(frame, size, mean);
        expect(fromBytes).toHaveLength(size * size * 3);
        expect(worstDiff(batch.dataSync(), fromBytes).worst, file).toBeLessThan(1e-6);
        const viaBytes = (await withOnnxFaceApi(
          sessions,
          async () => tiny.forwardInput(input, size),
          frame,
        )) as typeof own;
        const e = worstDiff(own.dataSync(), viaBytes.dataSync());
        expect(e.worst, file).toBeLessThan(1e-4 * Math.max(1, e.scale));
        batch.dispose();
        viaBytes.dispose();
        // The landmarks of every face found, the networks' only difference being the engine.
        const found = await faceapi.detectAllFaces(
          image as never,
          new faceapi.TinyFaceDetectorOptions({ inputSize: size }),
        );
        expect(found.length).toBeGreaterThan(0);
        const faces = await faceapi.extractFaceTensors(image as never, found);
        const a = (await nets.faceLandmark68Net.detectLandmarks(faces)) as InstanceType<
          typeof faceapi.FaceLandmarks68
        >[];
        const b = (await withOnnxFaceApi(sessions, () =>
          nets.faceLandmark68Net.detectLandmarks(faces),
        )) as typeof a;
        expect(b).toHaveLength(found.length);
        for (const [i, l] of a.entries()) {
          const p = l.positions.flatMap((q) => [q.x, q.y]);
          const q = b[i].positions.flatMap((r) => [r.x, r.y]);
          expect(q).toHaveLength(136);
          expect(worstDiff(p, q).worst, `${file} face ${i}`).toBeLessThan(1e-3); // pixels of the face crop
        }
        for (const t of [image, own, viaOnnx, ...faces]) t.dispose();
      }
    } finally {
      await releaseFaceApiSessions(sessions);
    }
  });
});
