import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectedFace, FaceDetector } from '../../src/face/detector.js';
import {
  followFaces,
  MAX_CENTRE_SHIFT,
  MAX_SPREAD_CHANGE,
  movedBox,
  pointSpread,
} from '../../src/face/follow.js';
import { createRecognizer, type RecognizedFace, type Recognizer } from '../../src/index.js';
import { PHOTOS } from '../helpers.js';

/** 68 points on an ellipse around (cx, cy), `r` across. */
function ring(cx: number, cy: number, r: number): Float32Array {
  const p = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    p[2 * i] = cx + r * Math.cos((2 * Math.PI * i) / 68);
    p[2 * i + 1] = cy + 1.2 * r * Math.sin((2 * Math.PI * i) / 68);
  }
  return p;
}

/** A detector whose landmark network answers with the given points for every box. */
function answering(points: (Float32Array | undefined)[]): FaceDetector {
  return { landmarksIn: async () => points } as unknown as FaceDetector;
}

describe('following faces by their landmarks', () => {
  const before: DetectedFace = {
    box: { x: 60, y: 50, width: 100, height: 110 },
    score: 0.9,
    landmarks: ring(110, 110, 40),
  };

  it('moves and scales the box with the landmarks', () => {
    const box = movedBox(before.box, before.landmarks, ring(122, 104, 48));
    const k = 48 / 40;
    expect(box.width).toBeCloseTo(100 * k, 4);
    expect(box.height).toBeCloseTo(110 * k, 4);
    expect(box.x).toBeCloseTo(122 + (60 - 110) * k, 4);
    expect(box.y).toBeCloseTo(104 + (50 - 110) * k, 4);
    const s = pointSpread(ring(0, 0, 10));
    expect([s.cx, s.cy]).toEqual([expect.closeTo(0, 9), expect.closeTo(0, 9)]);
  });

  it('keeps faces whose landmarks stay near, carrying the score; drops those that jumped, grew, shrank or left', async () => {
    const near = ring(110 + 0.2 * 100, 110, 40 * 1.2);
    const kept = await followFaces(new Uint8Array(0), 0, 0, answering([near]), [before]);
    expect(kept).toHaveLength(1);
    expect(kept[0].score).toBe(0.9);
    expect(kept[0].landmarks).toBe(near);
    const lost = [
      ring(110 + (MAX_CENTRE_SHIFT + 0.05) * 100, 110, 40),
      ring(110, 110, 40 * MAX_SPREAD_CHANGE * 1.05),
      ring(110, 110, 40 / MAX_SPREAD_CHANGE / 1.05),
      undefined,
    ];
    for (const points of lost)
      expect(await followFaces(new Uint8Array(0), 0, 0, answering([points]), [before])).toEqual([]);
    const turned = { ...before, rotation: 90 as const };
    expect(await followFaces(new Uint8Array(0), 0, 0, answering([near]), [turned])).toEqual([]);
  });
});

describe('Recognizer.follow on frames', () => {
  let fer: Recognizer;
  let frame: (dx: number, dy: number) => Promise<Buffer>;
  beforeAll(async () => {
    fer = await createRecognizer({ backend: 'wasm' });
    const face = await sharp(path.join(PHOTOS, 'happy.jpg')).raw().toBuffer({ resolveWithObject: true });
    // The photo on a grey 640x480 frame at (40 + dx, 60 + dy).
    frame = (dx, dy) =>
      sharp({ create: { width: 640, height: 480, channels: 3, background: '#777777' } })
        .composite([
          {
            input: face.data,
            raw: { width: face.info.width, height: face.info.height, channels: 3 },
            left: 40 + dx,
            top: 60 + dy,
          },
        ])
        .png()
        .toBuffer();
  });
  afterAll(() => fer?.dispose());

  const centre = (f: RecognizedFace) => pointSpread(f.landmarks.flat());

  it('gives the detected faces again on the same frame, and follows a face that moved', async () => {
    const first = await frame(0, 0);
    const detected = await fer.recognize(first);
    expect(detected).toHaveLength(1);
    const same = await fer.follow(first, detected);
    expect(same).toHaveLength(1);
    expect(same[0].emotion).toBe(detected[0].emotion);
    expect(same[0].landmarks).toEqual(detected[0].landmarks);
    expect(same[0].box.x).toBeCloseTo(detected[0].box.x, 6);
    expect(same[0].box.width).toBeCloseTo(detected[0].box.width, 6);

    const moved = await frame(14, 9);
    const followed = await fer.follow(moved, detected);
    const redetected = await fer.recognize(moved);
    expect(followed).toHaveLength(1);
    expect(followed[0].emotion).toBe('happiness');
    const [a, b] = [centre(followed[0]), centre(redetected[0])];
    expect(Math.hypot(a.cx - b.cx, a.cy - b.cy)).toBeLessThan(2);
    expect(followed[0].box.x - detected[0].box.x).toBeGreaterThan(10);
    expect(followed[0].box.y - detected[0].box.y).toBeGreaterThan(5);
    // The next frame's crop is centred on the face again: following once more changes little.
    const again = await fer.follow(moved, followed);
    expect(Math.hypot(centre(again[0]).cx - b.cx, centre(again[0]).cy - b.cy)).toBeLessThan(1);
  });

  it('follows on ONNX Runtime as on TensorFlow.js: the same landmarks within float rounding', async () => {
    const onnx = await createRecognizer({ backend: 'onnx' });
    try {
      const moved = await frame(14, 9);
      const detected = await fer.recognize(await frame(0, 0));
      const [wasm] = await fer.follow(moved, detected);
      const [ort] = await onnx.follow(moved, detected);
      const diff = Math.max(...wasm.landmarks.flat().map((v, i) => Math.abs(v - ort.landmarks.flat()[i])));
      expect(diff).toBeLessThan(1e-2);
      expect(ort.emotion).toBe(wasm.emotion);
    } finally {
      onnx.dispose();
    }
  });

  it('follows nothing from nothing', async () => {
    expect(await fer.follow(await frame(0, 0), [])).toEqual([]);
  });
});
