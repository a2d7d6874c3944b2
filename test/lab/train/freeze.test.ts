/** Learning-rate multipliers per parameter: 0 freezes (no gradient computed, no step, no decay). */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/engine/backend.js';
import { computeGradients } from '../../../src/lab/parallel/gradients.js';
import { Optimizer } from '../../../src/lab/train/optimizer.js';
import { RAN_MFN } from '../../../src/lab/train/presets.js';
import type { RanConfig } from '../../../src/model/ran.js';
import { createNetwork } from '../../../src/model/registry.js';
import { seeded } from '../../engine/backends.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** The MobileFaceNet RAN at 32x32 (a 4x4 trunk map, 2x2 regions), with the given multipliers. */
function mfnRan(lrScale: { trunk: number; tail: number }): RanConfig {
  const b = RAN_MFN.backbone;
  if (!b) throw new Error('RAN_MFN has a backbone');
  return { ...RAN_MFN, inputSize: 32, regionSize: 2, backbone: { ...b, inputSize: 32, lrScale } };
}

function batch(n: number, size: number) {
  const y = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) y[i * 8 + ((3 * i) % 8)] = 1;
  return {
    x: seeded(n * size * size, 3),
    xShape: [n, size, size, 1] as [number, number, number, number],
    y,
    yShape: [n, 8] as [number, number],
  };
}

describe('frozen parameters', () => {
  it('get zero gradients, and the others the same gradients as without freezing', () => {
    const free = createNetwork(mfnRan({ trunk: 1, tail: 1 }), 7);
    const frozen = createNetwork(mfnRan({ trunk: 0, tail: 0.1 }), 7);
    const layout = frozen.params.layout();
    expect(layout.filter((p) => p.lrScale === 0).length).toBeGreaterThan(10);
    expect(layout.find((p) => p.name === 'mfn.Conv2d_0.w')?.lrScale).toBe(0);
    expect(layout.find((p) => p.name === 'mfn.Conv2d_7.w')?.lrScale).toBe(0.1);
    expect(layout.find((p) => p.name === 'classifier.w')?.lrScale).toBe(1);
    const input = batch(4, 32);
    const n = free.params.size;
    const gFree = new Float32Array(n);
    const gFrozen = new Float32Array(n);
    const stats = new Float32Array(free.state.size);
    const a = computeGradients(free, input, 4, gFree, stats);
    const b = computeGradients(frozen, input, 4, gFrozen, new Float32Array(frozen.state.size));
    expect(b.lossSum).toBeCloseTo(a.lossSum, 4);
    let checked = 0;
    for (const p of layout) {
      const part = (g: Float32Array) => g.subarray(p.offset, p.offset + p.size);
      if (p.lrScale === 0) expect(part(gFrozen).every((v) => v === 0)).toBe(true);
      else {
        const diff = part(gFrozen).reduce((m, v, i) => Math.max(m, Math.abs(v - part(gFree)[i])), 0);
        const scale = part(gFree).reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6);
        expect(diff / scale, p.name).toBeLessThan(1e-3);
        checked++;
      }
      // Gradients reach the trained part of the backbone.
      if (p.name === 'mfn.Conv2d_7.w') expect(part(gFrozen).some((v) => v !== 0)).toBe(true);
    }
    expect(checked).toBeGreaterThan(10);
    free.dispose();
    frozen.dispose();
  });

  it('are neither stepped nor decayed; others step at their multiple of the rate', () => {
    const opt = new Optimizer(
      { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 0.1 },
      3,
      Uint8Array.from([1, 1, 1]),
      Float32Array.from([0, 0.5, 1]),
    );
    const p = Float32Array.from([1, 1, 1]);
    opt.update(p, Float32Array.from([1, 1, 1]), 0.1);
    expect(p[0]).toBe(1);
    expect(p[1]).toBeCloseTo(1 - 0.05 * 1.1, 6);
    expect(p[2]).toBeCloseTo(1 - 0.1 * 1.1, 6);
  });
});
