/** Face crops to the model's input: aligned framing puts the crop's eyes and mouth where FERPlus faces have them. */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FERPLUS_FRAMING } from '../../../src/face/align.js';
import { FaceDetector } from '../../../src/face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../../../src/face/face-api-node.js';
import { loadRgbImage, type RgbImage } from '../../../src/face/image.js';
import { frameCrop } from '../../../src/lab/data/crop.js';
import { CKPLUS_DEV } from '../../helpers.js';

let detector: FaceDetector;
beforeAll(async () => {
  detector = await FaceDetector.create(await loadFaceApi('wasm'), (net) =>
    net.loadFromDisk(faceApiModelDir()),
  );
});

/** Eye and mouth centres (fractions of the side) found by the landmark network on a grey face. */
async function centres(pixels: Uint8Array, size: number) {
  const up = 4;
  const side = size * up;
  const rgb = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      rgb.fill(
        pixels[Math.floor(y / up) * size + Math.floor(x / up)],
        3 * (y * side + x),
        3 * (y * side + x) + 3,
      );
  const l = await detector.cropLandmarks(rgb, side, side);
  const mean = (from: number, to: number) => {
    let x = 0;
    let y = 0;
    for (let i = from; i < to; i++) {
      x += l[2 * i];
      y += l[2 * i + 1];
    }
    return [x / (to - from) / side, y / (to - from) / side];
  };
  return { leftEye: mean(36, 42), rightEye: mean(42, 48), mouth: mean(48, 68) };
}

describe('frameCrop', () => {
  it('aligns tight CK+ crops to the FERPlus framing, where resizing leaves them tight', async () => {
    let alignedErr = 0;
    let resizedErr = 0;
    const files = ['S010_004_00000017.png', 'S014_003_00000028.png'];
    for (const f of files) {
      const image: RgbImage = await loadRgbImage(path.join(CKPLUS_DEV, 'images', f));
      const aligned = await frameCrop(image, 48, 'aligned', detector);
      const resized = await frameCrop(image, 48, 'resize');
      expect(aligned.framing).toBe('aligned');
      expect(resized.framing).toBe('resize');
      for (const [framed, add] of [
        [aligned, (e: number) => (alignedErr += e)],
        [resized, (e: number) => (resizedErr += e)],
      ] as const) {
        const c = await centres(framed.pixels, 48);
        for (const k of ['leftEye', 'rightEye', 'mouth'] as const)
          add(Math.hypot(c[k][0] - FERPLUS_FRAMING[k][0], c[k][1] - FERPLUS_FRAMING[k][1]));
      }
    }
    // Mean distance of the 3 centres from the template, as a fraction of the side.
    expect(alignedErr / (3 * files.length)).toBeLessThan(0.02);
    expect(resizedErr).toBeGreaterThan(1.3 * alignedErr);
  });

  it('needs the landmark network for aligned framing', async () => {
    const image = await loadRgbImage(path.join(CKPLUS_DEV, 'images', 'S010_004_00000017.png'));
    await expect(frameCrop(image, 48, 'aligned')).rejects.toThrow(/aligned framing needs the face networks/);
  });
});
