/** face-api's Tiny Face Detector and landmark networks on ONNX Runtime: face-api's own results within float rounding. */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { clipBox } from '../../src/face/detector.js';
import { detectorInput, squareInput } from '../../src/face/face-api-networks.js';
import { faceApiModelDir, loadFaceApi } from '../../src/face/face-api-node.js';
import { loadRgbImage } from '../../src/face/image.js';
import { loadOnnxRuntimeNode, sessionOptions } from '../../src/infer/onnx-emotion-net.js';
import { onnxFaceNetworks, tinyOnnxGraph } from '../../src/infer/onnx-face-api.js';
import { PHOTOS } from '../helpers.js';

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): { worst: number; scale: number } {
  expect(b).toHaveLength(a.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return { worst, scale };
}

const TINY_MEAN = [117.001, 114.697, 97.404];

describe("face-api's networks on ONNX Runtime", () => {
  it('clip boxes as face-api does', () => {
    expect(clipBox({ x: -3.5, y: 2.7, width: 20.2, height: 10.9 }, 15, 12)).toEqual({
      x: 0,
      y: 2,
      width: 15,
      height: 9,
    });
    expect(clipBox({ x: 20, y: 0, width: 5, height: 5 }, 15, 12).width).toBeLessThanOrEqual(0);
  });

  it("give face-api's own inputs, detections and landmarks on photos", async () => {
    const faceapi = await loadFaceApi('wasm');
    const { tf, nets } = faceapi;
    for (const net of [nets.tinyFaceDetector, nets.faceLandmark68Net])
      if (!net.isLoaded) await net.loadFromDisk(faceApiModelDir());
    const ort = await loadOnnxRuntimeNode();
    const networks = await onnxFaceNetworks(faceapi, ort, 1);
    const tinyNet = nets.tinyFaceDetector as unknown as {
      params: never;
      forwardInput(i: unknown, s: number): InstanceType<typeof tf.Tensor>;
    };
    const tinyGraph = await ort.InferenceSession.create(
      tinyOnnxGraph(tinyNet.params, true),
      sessionOptions(1),
    );
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
        const frame = { rgb: rgb.data, width: rgb.width, height: rgb.height };
        const image = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
        const input = await faceapi.toNetInput(image);
        // The detector's input from the bytes equals face-api's (padding, resize, mean, scale).
        const batch = tf.tidy(() =>
          tf.div(tf.sub(input.toBatchTensor(size, false), tf.tensor1d(TINY_MEAN)), 255),
        );
        const fromBytes = detectorInput(frame, size, TINY_MEAN);
        expect(worstDiff(batch.dataSync(), fromBytes).worst, file).toBeLessThan(1e-6);
        // The network's raw output within 1e-4 of face-api's layers.
        const own = tinyNet.forwardInput(input, size);
        expect(own.shape).toEqual([1, size / 32, size / 32, 25]); // 5 anchors x (box, score)
        const viaOnnx = (await tinyGraph.run({ x: new ort.Tensor('float32', fromBytes, [1, size, size, 3]) }))
          .y;
        const d = worstDiff(own.dataSync(), viaOnnx.data as Float32Array);
        expect(d.worst, file).toBeLessThan(1e-4 * Math.max(1, d.scale));
        // Detection end to end: the same faces, boxes and scores, in the same order.
        const options = new faceapi.TinyFaceDetectorOptions({ inputSize: size, scoreThreshold: 0.25 });
        const found = await faceapi.detectAllFaces(image as never, options).withFaceLandmarks();
        expect(found.length, file).toBeGreaterThan(0);
        const detected = (await networks.tiny?.(frame, size, 0.25)) ?? [];
        expect(detected).toHaveLength(found.length);
        for (const [i, f] of found.entries()) {
          const b = f.detection.box;
          const q = detected[i];
          expect(Math.abs(q.score - f.detection.score), `${file} face ${i}`).toBeLessThan(1e-5);
          expect(
            worstDiff([b.x, b.y, b.width, b.height], [q.box.x, q.box.y, q.box.width, q.box.height]).worst,
          ).toBeLessThan(1e-3);
        }
        // Each face's crop for the landmarks, centred in its square, equals face-api's; then its landmarks.
        const faces = await faceapi.extractFaceTensors(
          image as never,
          found.map((f) => f.detection),
        );
        for (const [i, f] of found.entries()) {
          const crop = clipBox(f.detection.box, frame.width, frame.height);
          const batched = await faceapi.toNetInput(faces[i]);
          const expected = tf.tidy(() => tf.div(batched.toBatchTensor(112, true), 255));
          const mine = squareInput(frame, crop, 112, [0, 0, 0], true);
          expect(worstDiff(expected.dataSync(), mine).worst, `${file} face ${i}`).toBeLessThan(1e-6);
          expected.dispose();
        }
        const landmarks = await networks.landmarks(
          frame,
          found.map((f) => f.detection.box),
        );
        for (const [i, f] of found.entries()) {
          const p = f.landmarks.positions.flatMap((q) => [q.x, q.y]);
          expect(worstDiff(p, landmarks[i] as Float32Array).worst, `${file} face ${i}`).toBeLessThan(1e-3);
        }
        for (const t of [batch, image, own, ...faces]) t.dispose();
      }
      // Crops smaller and larger than the input, tall and wide, centred or not: face-api's inputs.
      const happy = await loadRgbImage(path.join(PHOTOS, 'happy.jpg'));
      const bytes = { rgb: happy.data, width: happy.width, height: happy.height };
      const picture = tf.tensor3d(happy.data, [happy.height, happy.width, 3], 'int32');
      for (const [box, size, centred] of [
        [{ x: 10, y: 20, width: 40, height: 61 }, 112, true],
        [{ x: 0, y: 0, width: 61, height: 40 }, 112, true],
        [{ x: 5, y: 7, width: 300, height: 201 }, 112, true],
        [{ x: 50, y: 3, width: 90, height: 150 }, 160, false],
        [{ x: 50, y: 3, width: 150, height: 149 }, 128, false],
      ] as const) {
        const cut = tf.slice3d(picture, [box.y, box.x, 0], [box.height, box.width, 3]);
        const netInput = await faceapi.toNetInput(cut);
        const expected = tf.tidy(() => tf.div(netInput.toBatchTensor(size, centred), 255));
        const mine = squareInput(bytes, box, size, [0, 0, 0], centred);
        expect(worstDiff(expected.dataSync(), mine).worst, JSON.stringify(box)).toBeLessThan(1e-6);
        for (const t of [cut, expected]) t.dispose();
      }
      picture.dispose();
      // A box outside the image holds no pixel: no landmarks for it, the others' still given.
      const rgb = await loadRgbImage(path.join(PHOTOS, 'happy.jpg'));
      const frame = { rgb: rgb.data, width: rgb.width, height: rgb.height };
      const out = await networks.landmarks(frame, [
        { x: rgb.width + 10, y: 0, width: 50, height: 50 },
        { x: 0, y: 0, width: rgb.width, height: rgb.height },
      ]);
      expect(out[0]).toBeUndefined();
      expect(out[1]).toHaveLength(136);
    } finally {
      await Promise.all([networks.release(), tinyGraph.release()]);
    }
  });
});
