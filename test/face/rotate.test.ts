/** Quarter turns of RGB images, points mapped back, and the turned retry of findFaces. */
import { describe, expect, it } from 'vitest';
import type { DetectedFace, FaceDetector } from '../../src/face/detector.js';
import { findFaces } from '../../src/face/find.js';
import { type QuarterTurn, rotateRgb, unrotatePoint } from '../../src/face/rotate.js';

/** A 3x2 image whose pixel (x, y) holds (x, y, 7). */
const W = 3;
const H = 2;
const image = Uint8Array.from({ length: W * H * 3 }, (_, i) => {
  const p = Math.floor(i / 3);
  return [p % W, Math.floor(p / W), 7][i % 3];
});

describe('rotateRgb and unrotatePoint', () => {
  it('turns clockwise, and maps every pixel centre of the turned image back to its own', () => {
    const t90 = rotateRgb(image, W, H, 90);
    expect([t90.width, t90.height]).toEqual([2, 3]);
    // Turned clockwise, the bottom-left pixel (0, 1) comes to the top-left.
    expect(Array.from(t90.data.subarray(0, 3))).toEqual([0, 1, 7]);
    for (const turn of [0, 90, 180, 270] as QuarterTurn[]) {
      const t = rotateRgb(image, W, H, turn);
      for (let v = 0; v < t.height; v++)
        for (let u = 0; u < t.width; u++) {
          const [x, y] = unrotatePoint(u + 0.5, v + 0.5, W, H, turn);
          const k = 3 * (v * t.width + u);
          expect([t.data[k], t.data[k + 1]], `turn ${turn} (${u}, ${v})`).toEqual([x - 0.5, y - 0.5]);
        }
    }
  });
});

describe('findFaces on a photo taken sideways', () => {
  /**
   * A detector that sees a face (score 0.9) only when the image's first pixel is red: the photo below
   * has its red pixel at the bottom-left, so only the 90° turn brings it to the top-left. It also sees a
   * face at 0.6 in any other image wider than high, which must lose to the better turn.
   */
  const detector = {
    detect: async (rgb: Uint8Array, w: number, h: number): Promise<DetectedFace[]> => {
      const landmarks = new Float32Array(136).map((_, i) => (i % 2 === 0 ? 1 : 2));
      const box = { x: 1, y: 2, width: 3, height: 4 };
      if (rgb[0] === 255) return [{ box, score: 0.9, landmarks }];
      if (w > h) return [{ box, score: 0.6, landmarks }];
      return [];
    },
  } as unknown as FaceDetector;
  const w = 10;
  const h = 20;
  const photo = new Uint8Array(w * h * 3);
  photo[3 * ((h - 1) * w)] = 255;

  it('stands the photo up with the best-scoring turn; boxes and landmarks in its own pixels', async () => {
    const faces = await findFaces(photo, w, h, detector, { retryBorder: 0 });
    expect(faces).toHaveLength(1);
    expect(faces[0].rotation).toBe(90);
    expect(faces[0].score).toBe(0.9);
    // Turned back: the box (1, 2, 3, 4) of the 20 x 10 turned image is (2, 16, 4, 3) of the photo.
    expect(faces[0].box).toEqual({ x: 2, y: 16, width: 4, height: 3 });
    expect([faces[0].landmarks[0], faces[0].landmarks[1]]).toEqual([2, 19]);
  });

  it('does not turn when told not to, or when an upright face is sure', async () => {
    expect(await findFaces(photo, w, h, detector, { retryBorder: 0, rotations: false })).toEqual([]);
    const wide = new Uint8Array(h * w * 3);
    const upright = await findFaces(wide, h, w, detector, { retryBorder: 0 });
    expect(upright.map((f) => [f.score, f.rotation])).toEqual([[0.6, undefined]]);
  });
});
