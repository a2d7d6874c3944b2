/** CutMix: pasted rectangles come from another face of the batch and the targets mix by their exact area. */
import { describe, expect, it } from 'vitest';
import { cutMix } from '../../../src/lab/train/cutmix.js';
import { Rng } from '../../../src/util/rng.js';

const SIZE = 12;
const COUNT = 6;

/** Face i is filled with the value i; its target is one-hot on class i. */
function batch() {
  const x = new Float32Array(COUNT * SIZE * SIZE);
  const y = new Float32Array(COUNT * 8);
  for (let i = 0; i < COUNT; i++) {
    x.fill(i, i * SIZE * SIZE, (i + 1) * SIZE * SIZE);
    y[i * 8 + i] = 1;
  }
  return { x, y };
}

describe('cutMix', () => {
  it('pastes one square from another face and mixes the targets by its area', () => {
    const { x, y } = batch();
    cutMix(x, y, SIZE, { p: 1, minArea: 0.1, maxArea: 0.4 }, new Rng(7));
    for (let i = 0; i < COUNT; i++) {
      const face = x.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE);
      const others = [...new Set(face)].filter((v) => v !== i);
      expect(others).toHaveLength(1); // exactly one source face
      const j = others[0];
      const pasted = face.filter((v) => v === j).length;
      // A square of 10-40% of the face (rounded to whole pixels).
      const side = Math.sqrt(pasted);
      expect(Number.isInteger(side)).toBe(true);
      expect(side).toBeGreaterThanOrEqual(Math.round(Math.sqrt(0.1) * SIZE));
      expect(side).toBeLessThanOrEqual(Math.round(Math.sqrt(0.4) * SIZE));
      const mix = pasted / (SIZE * SIZE);
      const row = Array.from(y.subarray(i * 8, i * 8 + 8));
      expect(row[i]).toBeCloseTo(1 - mix, 6);
      expect(row[j]).toBeCloseTo(mix, 6);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it('leaves the batch alone with p = 0, and is deterministic for a seed', () => {
    const a = batch();
    const b = batch();
    cutMix(a.x, a.y, SIZE, { p: 0, minArea: 0.1, maxArea: 0.4 }, new Rng(1));
    expect(a).toEqual(b);
    const c = batch();
    cutMix(b.x, b.y, SIZE, { p: 0.5, minArea: 0.1, maxArea: 0.4 }, new Rng(3));
    cutMix(c.x, c.y, SIZE, { p: 0.5, minArea: 0.1, maxArea: 0.4 }, new Rng(3));
    expect(c).toEqual(b);
    expect(c).not.toEqual(a);
  });
});
