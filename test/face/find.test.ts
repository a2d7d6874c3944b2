import { describe, expect, it } from 'vitest';
import { addBorder } from '../../src/face/border.js';
import type { DetectedFace, FaceDetector } from '../../src/face/detector.js';
import { findFaces } from '../../src/face/find.js';

describe('addBorder', () => {
  it('centres the image on a canvas of its mean colour', () => {
    // 2x1 RGB: (10, 20, 30) and (30, 40, 50); mean (20, 30, 40).
    const rgb = Uint8Array.from([10, 20, 30, 30, 40, 50]);
    const b = addBorder(rgb, 2, 1, 0.5);
    expect([b.width, b.height, b.offsetX, b.offsetY]).toEqual([4, 3, 1, 1]);
    const px = (x: number, y: number) => Array.from(b.data.subarray(3 * (y * 4 + x), 3 * (y * 4 + x) + 3));
    expect(px(1, 1)).toEqual([10, 20, 30]);
    expect(px(2, 1)).toEqual([30, 40, 50]);
    for (const [x, y] of [
      [0, 0],
      [3, 2],
      [0, 1],
      [3, 1],
    ])
      expect(px(x, y)).toEqual([20, 30, 40]);
    expect(() => addBorder(rgb, 2, 1, -1)).toThrow(RangeError);
  });
});

/** A detector that finds one face only on images at least `minSide` wide, at a fixed canvas position. */
function pickyDetector(minSide: number) {
  const calls: number[][] = [];
  const landmarks = new Float32Array(136).map((_, i) => (i % 2 === 0 ? 100 + i : 120 + i));
  const detector = {
    detect: async (_rgb: Uint8Array, w: number, h: number): Promise<DetectedFace[]> => {
      calls.push([w, h]);
      return w >= minSide ? [{ box: { x: 100, y: 120, width: 50, height: 60 }, score: 0.8, landmarks }] : [];
    },
    cropLandmarks: async () => landmarks,
  } as unknown as FaceDetector;
  return { detector, calls, landmarks };
}

describe('findFaces', () => {
  const rgb = new Uint8Array(100 * 80 * 3).fill(128);

  it('retries on a bordered canvas when nothing is found, in the image coordinates', async () => {
    const { detector, calls, landmarks } = pickyDetector(200);
    const faces = await findFaces(rgb, 100, 80, detector);
    // Border 1 x the longer side (100) on every side: 300 x 280, image at (100, 100).
    expect(calls).toEqual([
      [100, 80],
      [300, 280],
    ]);
    expect(faces).toHaveLength(1);
    expect(faces[0].box).toEqual({ x: 0, y: 20, width: 50, height: 60 });
    expect(faces[0].landmarks[0]).toBe(landmarks[0] - 100);
    expect(faces[0].landmarks[1]).toBe(landmarks[1] - 100);
  });

  it('does not retry when a face is found or the retry is off', async () => {
    const found = pickyDetector(50);
    expect(await findFaces(rgb, 100, 80, found.detector)).toHaveLength(1);
    expect(found.calls).toHaveLength(1);
    const off = pickyDetector(200);
    expect(await findFaces(rgb, 100, 80, off.detector, { retryBorder: 0 })).toEqual([]);
    expect(off.calls).toHaveLength(1);
  });

  it('takes the whole image as the face in crop mode', async () => {
    const { detector, calls, landmarks } = pickyDetector(1e9);
    const faces = await findFaces(rgb, 100, 80, detector, { faces: 'crop' });
    expect(calls).toEqual([]);
    expect(faces).toEqual([{ box: { x: 0, y: 0, width: 100, height: 80 }, score: 1, landmarks }]);
  });
});
