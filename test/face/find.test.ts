import { describe, expect, it } from 'vitest';
import { addBorder } from '../../src/face/border.js';
import type { DetectedFace, FaceDetector } from '../../src/face/detector.js';
import { AUTO_TILING, findFaces, mergeDuplicates, TILE_MIN_SCORE, tileSideFor } from '../../src/face/find.js';

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
    expect(await findFaces(rgb, 100, 80, off.detector, { retryBorder: 0, rotations: false })).toEqual([]);
    expect(off.calls).toHaveLength(1);
  });

  it('takes the whole image as the face in crop mode', async () => {
    const { detector, calls, landmarks } = pickyDetector(1e9);
    const faces = await findFaces(rgb, 100, 80, detector, { faces: 'crop' });
    expect(calls).toEqual([]);
    expect(faces).toEqual([{ box: { x: 0, y: 0, width: 100, height: 80 }, score: 1, landmarks }]);
  });
});

describe('tiled detection', () => {
  it('finds on tiles what the whole image misses, in image coordinates, duplicates merged', async () => {
    // A detector that sees a face only on images of at most 512 px: the face at (700, 100) of the
    // 1000 x 600 image, 40 px wide.
    const tiles: number[][] = [];
    const detector = {
      detect: async (rgb: Uint8Array, w: number, h: number) => {
        if (w > 512) return [];
        // The tile's origin is encoded in its first pixel by the test image below.
        const [x0, y0] = [rgb[0] * 4, rgb[1] * 4];
        tiles.push([x0, y0]);
        const face = { x: 700 - x0, y: 100 - y0, width: 40, height: 40 };
        if (face.x < 0 || face.y < 0 || face.x + 40 > w || face.y + 40 > h) return [];
        return [{ box: face, score: 0.5 + x0 / 10000, landmarks: new Float32Array(136).fill(face.x) }];
      },
    } as unknown as FaceDetector;
    // Pixel (x, y) holds (x / 4, y / 4): a tile's first pixel tells where it was cut.
    const rgb = new Uint8Array(1000 * 600 * 3);
    for (let y = 0; y < 600; y++)
      for (let x = 0; x < 1000; x++) rgb.set([Math.floor(x / 4), Math.floor(y / 4), 0], 3 * (y * 1000 + x));
    const faces = await findFaces(rgb, 1000, 600, detector, { tileSize: 512, retryBorder: 0 });
    // Tiles of 512 overlapping by a quarter, the last flush with the edge: x 0, 384, 488; y 0, 88.
    expect(tiles).toEqual([
      [0, 0],
      [384, 0],
      [488, 0],
      [0, 88],
      [384, 88],
      [488, 88],
    ]);
    expect(faces).toHaveLength(1);
    expect(faces[0].box).toEqual({ x: 700, y: 100, width: 40, height: 40 });
    expect(faces[0].landmarks[0]).toBe(faces[0].landmarks[2]);
  });

  it('tiles large images by default (auto), not smaller ones; a tile-only face needs a score of 0.5', async () => {
    expect(AUTO_TILING).toEqual({ minSide: 1600, tile: 512 });
    expect(tileSideFor(undefined, 1366, 768)).toBe(0);
    expect(tileSideFor('auto', 1600, 900)).toBe(512);
    expect(tileSideFor(undefined, 900, 2048)).toBe(512);
    expect(tileSideFor(0, 4000, 3000)).toBe(0);
    expect(tileSideFor(512, 100, 100)).toBe(512);
    expect(() => tileSideFor(-1, 10, 10)).toThrow(/tileSize must be a whole number >= 0 or 'auto', got -1/);
    // A detector that finds nothing on the whole image and, on every tile, one face at a score that
    // depends on the tile: only the tiles' faces of 0.5 or more are kept.
    const scores: number[] = [];
    const detector = {
      detect: async (_rgb: Uint8Array, w: number) => {
        if (w > 512) return [];
        const score = [0.3, 0.5, 0.7][scores.length % 3];
        scores.push(score);
        return [{ box: { x: 10, y: 10, width: 30, height: 30 }, score, landmarks: new Float32Array(136) }];
      },
    } as unknown as FaceDetector;
    const big = new Uint8Array(1700 * 600 * 3);
    const faces = await findFaces(big, 1700, 600, detector, { retryBorder: 0 });
    expect(scores.length).toBeGreaterThan(3);
    expect(faces.length).toBe(scores.filter((v) => v >= TILE_MIN_SCORE).length);
    expect(faces.every((f) => f.score >= 0.5)).toBe(true);
  });

  it('merges boxes mostly inside another (a face cut by a tile edge), keeps apart ones', () => {
    const face = (x: number, width: number, score: number) => ({
      box: { x, y: 0, width, height: 40 },
      score,
      landmarks: new Float32Array(136),
    });
    const merged = mergeDuplicates([face(0, 40, 0.6), face(20, 20, 0.9), face(100, 40, 0.5)]);
    expect(merged.map((f) => f.score)).toEqual([0.9, 0.5]);
  });
});
