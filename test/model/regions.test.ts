import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Ran } from '../../src/model/ran.js';
import { cellsOf, DEFAULT_REGIONS, landmarkBoxes } from '../../src/model/regions.js';
import { inferenceContext } from '../../src/nn/context.js';
import { maxAbsDiff, onBackend, seeded, values } from '../engine/backends.js';
import { TINY_RAN } from '../helpers.js';

describe('regions', () => {
  it('snap the default boxes to whole cells of the 12x12 trunk map', () => {
    expect(DEFAULT_REGIONS.map((r) => cellsOf(r.box, 12))).toEqual([
      [0, 0, 12, 12],
      [0, 0, 8, 8],
      [0, 4, 8, 8],
      [4, 2, 8, 8],
      [2, 2, 8, 8],
      [1, 1, 10, 10],
    ]);
  });

  it('landmark boxes: whole face first, then squares around eyes, nose, mouth and all points', () => {
    // A synthetic face: points on a grid inside [0.2, 0.8].
    const pts = Float32Array.from({ length: 136 }, (_, i) => 0.2 + ((i * 37) % 60) / 100);
    const b = landmarkBoxes(pts);
    expect(b.length).toBe(24);
    expect(Array.from(b.subarray(0, 4))).toEqual([0, 0, 1, 1]);
    for (let k = 1; k < 6; k++) {
      const [t, l, bo, r] = b.subarray(k * 4, k * 4 + 4);
      expect(bo).toBeGreaterThan(t);
      expect(r).toBeGreaterThan(l);
      expect(Math.min(t, l)).toBeGreaterThanOrEqual(0);
      expect(Math.max(bo, r)).toBeLessThanOrEqual(1);
    }
    expect(() => landmarkBoxes(new Float32Array(10))).toThrow(/68/);
  });

  it('landmark boxes follow the region names: a subset of regions gets the matching boxes', () => {
    const pts = Float32Array.from({ length: 136 }, (_, i) => 0.2 + ((i * 37) % 60) / 100);
    const all = landmarkBoxes(pts);
    const sub = landmarkBoxes(pts, ['face', 'lower', 'center', 'tight']);
    expect(Array.from(sub)).toEqual([...all.subarray(0, 4), ...all.subarray(12, 24)]);
    expect(Array.from(landmarkBoxes(pts, ['tight', 'face']))).toEqual([...all.subarray(20, 24), 0, 0, 1, 1]);
    expect(() => landmarkBoxes(pts, ['face', 'chin'])).toThrow(/chin/);
    expect(() => landmarkBoxes(pts, ['toString'])).toThrow(/toString/);
  });

  it('the RAN in landmark mode with the fixed boxes matches the fixed-region mode', async () => {
    const [fixed, boxed] = await onBackend('wasm', () => {
      const net = new Ran(TINY_RAN, 2);
      const x = tf.tensor4d(seeded(2 * 16 * 16, 4), [2, 16, 16, 1]);
      // The fixed regions, snapped to the 8x8 map's cells, as per-face boxes.
      const cells = TINY_RAN.regions.map((r) => cellsOf(r.box, 8));
      const one = cells.flatMap(([t, l, h, w]) => [t / 8, l / 8, (t + h) / 8, (l + w) / 8]);
      const boxes = Float32Array.from([...one, ...one]);
      const out = values(
        net.forward(x, inferenceContext()).logits,
        net.forward(x, inferenceContext(), boxes).logits,
      );
      net.dispose();
      return out;
    });
    expect(maxAbsDiff(fixed, boxed)).toBeLessThan(1e-3);
  });

  it('the RAN treats its regions alike: swapping two boxes swaps their attention, not the prediction', async () => {
    const [a, b, attA, attB] = await onBackend('wasm', () => {
      const net = new Ran(TINY_RAN, 2);
      const x = tf.tensor4d(seeded(2 * 16 * 16, 7), [2, 16, 16, 1]);
      const one = TINY_RAN.regions.flatMap((r) => r.box);
      const swapped = [...one];
      swapped.splice(12, 8, ...one.slice(16, 20), ...one.slice(12, 16)); // regions 3 and 4
      const run = (boxes: number[]) =>
        net.predict(x, inferenceContext(), Float32Array.from([...boxes, ...boxes]));
      const [p, q] = [run(one), run(swapped)];
      const out = values(p.logits, q.logits, p.attention as tf.Tensor, q.attention as tf.Tensor);
      net.dispose();
      return out;
    });
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    const k = TINY_RAN.regions.length;
    const swap = Array.from({ length: k }, (_, j) => (j === 3 ? 4 : j === 4 ? 3 : j));
    const attBack = attB.map((_, i) => attB[Math.floor(i / k) * k + swap[i % k]]);
    expect(maxAbsDiff(attA, attBack)).toBeLessThan(1e-5);
    expect(maxAbsDiff(attA, attB)).toBeGreaterThan(1e-4);
  });
});
