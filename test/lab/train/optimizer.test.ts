import { describe, expect, it } from 'vitest';
import { Optimizer } from '../../../src/lab/train/optimizer.js';

describe('Optimizer', () => {
  it('SGD with Nesterov momentum and decoupled weight decay, by hand', () => {
    const opt = new Optimizer(
      { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0.1 },
      2,
      Uint8Array.from([1, 0]),
    );
    const p = Float32Array.from([1, 1]);
    opt.update(p, Float32Array.from([0.5, 0.5]), 0.1);
    // v = 0.5; d = g + mu * v = 0.95; p0 -= 0.1 * (0.95 + 0.1 * 1); p1 has no decay.
    expect(p[0]).toBeCloseTo(1 - 0.1 * 1.05, 6);
    expect(p[1]).toBeCloseTo(1 - 0.1 * 0.95, 6);
    opt.update(p, Float32Array.from([0.5, 0.5]), 0.1);
    // v = 0.9 * 0.5 + 0.5 = 0.95; d = 0.5 + 0.9 * 0.95 = 1.355.
    expect(p[1]).toBeCloseTo(1 - 0.1 * 0.95 - 0.1 * 1.355, 6);
  });

  it('AdamW with bias correction, by hand', () => {
    const opt = new Optimizer(
      { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
      1,
      Uint8Array.from([1]),
    );
    const p = Float32Array.from([2]);
    opt.update(p, Float32Array.from([0.3]), 0.01);
    // First step: m/bc1 = g, v/bc2 = g^2, so the direction is g / |g| = 1.
    expect(p[0]).toBeCloseTo(2 - 0.01 * (1 + 0.01 * 2), 5);
  });

  it('saves and restores its state exactly', () => {
    const a = new Optimizer(
      { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
      3,
      new Uint8Array(3).fill(1),
    );
    const pa = Float32Array.from([1, 2, 3]);
    a.update(pa, Float32Array.from([0.1, -0.2, 0.3]), 0.01);
    const b = new Optimizer(a.config, 3, new Uint8Array(3).fill(1));
    b.setState(a.getState());
    const pb = pa.slice();
    a.update(pa, Float32Array.from([0.2, 0.1, -0.1]), 0.01);
    b.update(pb, Float32Array.from([0.2, 0.1, -0.1]), 0.01);
    expect(Array.from(pb)).toEqual(Array.from(pa));
    expect(() => b.setState({ step: 1, buffers: [new Float32Array(3)] })).toThrow(/does not match/);
  });

  it('scales the gradients exactly as a scaled float32 copy of them would', () => {
    for (const config of [
      { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
      { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
    ] as const) {
      const n = 257;
      const grads = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 7) - 3));
      const scale = 1 / 48;
      const scaled = grads.map((g) => g * scale);
      const a = new Optimizer(config, n, new Uint8Array(n).fill(1));
      const b = new Optimizer(config, n, new Uint8Array(n).fill(1));
      const pa = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
      const pb = pa.slice();
      for (let step = 0; step < 3; step++) {
        a.update(pa, grads, 0.05, scale);
        b.update(pb, scaled, 0.05);
      }
      expect(Array.from(pa)).toEqual(Array.from(pb));
      // The scale is applied: without it the update differs.
      const c = new Optimizer(config, n, new Uint8Array(n).fill(1));
      const pc = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
      c.update(pc, grads, 0.05);
      expect(Array.from(pc)).not.toEqual(Array.from(pb));
    }
  });
});
