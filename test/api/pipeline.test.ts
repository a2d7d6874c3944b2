import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recognizeRgb } from '../../src/api/pipeline.js';
import type { DetectedFace, FaceDetector } from '../../src/face/detector.js';
import { defaultModelDir, FaceEmotionModel } from '../../src/infer/face-model.js';

/** 68 landmarks with the eyes at (40, 50) and (80, 50) and the mouth at (60, 100), in image pixels. */
function faceLandmarks(): Float32Array {
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    const [x, y] =
      i >= 36 && i < 42 ? [40, 50] : i >= 42 && i < 48 ? [80, 50] : i >= 48 ? [60, 100] : [60, 70];
    lm[2 * i] = x + (i % 3);
    lm[2 * i + 1] = y + (i % 2);
  }
  return lm;
}

/** A detector that reports the given faces whatever the image. */
function fakeDetector(faces: DetectedFace[]): FaceDetector {
  return { detect: async () => faces } as unknown as FaceDetector;
}

let model: FaceEmotionModel;
beforeAll(async () => {
  model = await FaceEmotionModel.load(defaultModelDir(), { backend: 'wasm' });
});
afterAll(() => model?.dispose());

describe('recognizeRgb', () => {
  const image = {
    data: new Uint8Array(160 * 160 * 3).map((_, i) => (i * 31) % 251),
    width: 160,
    height: 160,
  };
  const good: DetectedFace = {
    box: { x: 20, y: 20, width: 100, height: 110 },
    score: 0.9,
    landmarks: faceLandmarks(),
  };
  // Every point on one spot (a spurious box on hair): no similarity transform exists.
  const degenerate: DetectedFace = {
    box: { x: 120, y: 0, width: 30, height: 30 },
    score: 0.3,
    landmarks: new Float32Array(136).fill(130),
  };

  it('skips a face whose landmarks cannot be aligned and returns the others', async () => {
    const faces = await recognizeRgb(image, fakeDetector([good, degenerate]), model);
    expect(faces).toHaveLength(1);
    expect(faces[0].box).toEqual(good.box);
    expect(faces[0].score).toBe(0.9);
    const alone = await recognizeRgb(image, fakeDetector([good]), model);
    expect(faces[0].probabilities).toEqual(alone[0].probabilities);
  });

  it('returns no faces when none can be aligned', async () => {
    expect(await recognizeRgb(image, fakeDetector([degenerate]), model)).toEqual([]);
  });
});
