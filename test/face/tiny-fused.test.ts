import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceApiModelDir, loadFaceApi } from '../../src/face/face-api-node.js';
import { loadRgbImage } from '../../src/face/image.js';
import { useFusedTiny, withOwnTiny } from '../../src/face/tiny-fused.js';
import { PHOTOS } from '../helpers.js';

describe('the fused Tiny Face Detector', () => {
  it("gives face-api's own outputs and faces on photos, and is installed once", async () => {
    const faceapi = await loadFaceApi('wasm');
    const net = faceapi.nets.tinyFaceDetector;
    if (!net.isLoaded) await net.loadFromDisk(faceApiModelDir());
    const own = useFusedTiny(faceapi);
    expect(own).not.toBeNull();
    const fused = net.runMobilenet;
    expect(fused).not.toBe(own);
    // A second call finds the network fused and hands back the same original.
    expect(useFusedTiny(faceapi)).toBe(own);
    expect(net.runMobilenet).toBe(fused);
    // For measuring face-api's own pipeline: its own layers for the time of the work, then the fused again.
    expect(await withOwnTiny(faceapi, async () => net.runMobilenet)).toBe(own);
    expect(net.runMobilenet).toBe(fused);
    await expect(withOwnTiny(faceapi, async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(net.runMobilenet).toBe(fused);

    const tf = faceapi.tf;
    const options = new faceapi.TinyFaceDetectorOptions({ inputSize: 512, scoreThreshold: 0.25 });
    for (const [photo, faces] of [
      ['bbt1.jpg', 4],
      ['happy.jpg', 1],
      ['angry.jpg', 1],
    ] as const) {
      const rgb = await loadRgbImage(path.join(PHOTOS, photo));
      const image = tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
      const run = async () => {
        const out = await net.forward(image as never, 512);
        const values = await out.data();
        out.dispose();
        const found = await faceapi.detectAllFaces(image as never, options);
        return { values, boxes: found.map((f) => [f.box.x, f.box.y, f.box.width, f.box.height, f.score]) };
      };
      const a = await run();
      net.runMobilenet = own as typeof fused;
      const b = await run();
      net.runMobilenet = fused;
      image.dispose();

      expect(a.values.length).toBe(b.values.length);
      let worst = 0;
      for (let i = 0; i < a.values.length; i++)
        worst = Math.max(worst, Math.abs(a.values[i] - b.values[i]) / Math.max(1, Math.abs(b.values[i])));
      expect(worst, photo).toBeLessThan(1e-4);
      expect(a.boxes.length, photo).toBe(faces);
      expect(b.boxes.length, photo).toBe(faces);
      for (let i = 0; i < faces; i++)
        for (let k = 0; k < 5; k++) expect(a.boxes[i][k]).toBeCloseTo(b.boxes[i][k], k < 4 ? 2 : 4);
    }
  });
});
