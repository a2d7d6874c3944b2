/** Data-parallel training over worker threads equals single-worker training on the same batch. */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/engine/backend.js';
import { computeGradients } from '../../../src/lab/parallel/gradients.js';
import { GradientSum, shardSizes, WorkerPool } from '../../../src/lab/parallel/worker-pool.js';
import { StepRunner } from '../../../src/lab/train/step.js';
import type { FaceClassifierConfig } from '../../../src/model/face-classifier.js';
import { createNetwork } from '../../../src/model/registry.js';
import { maxAbs, maxAbsDiff, seeded } from '../../engine/backends.js';

const net: FaceClassifierConfig = {
  kind: 'face-classifier',
  inputSize: 16,
  classes: 8,
  backbone: {
    inChannels: 1,
    stemChannels: 8,
    stemStride: 1,
    stages: [
      { channels: 8, blocks: 1, stride: 2 },
      { channels: 16, blocks: 1, stride: 2 },
    ],
  },
};

function batch(n: number) {
  const x = seeded(n * 16 * 16, 11);
  const y = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) y[i * 8 + (i % 8)] = 1;
  return {
    x,
    xShape: [n, 16, 16, 1] as [number, number, number, number],
    y,
    yShape: [n, 8] as [number, number],
  };
}

async function oneStep(workers: number) {
  const pool = await WorkerPool.start({ workers, network: net, seed: 5, backend: 'wasm' });
  try {
    const before = pool.params.slice();
    const runner = new StepRunner(
      pool,
      { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
      { bnGroup: 4, bnMomentum: 0.9 },
    );
    const loss = await runner.step(batch(16), 0.1);
    const loss2 = await runner.step(batch(16), 0.1);
    return { before, loss, loss2, params: pool.params.slice(), state: pool.state.slice(), pool };
  } catch (e) {
    await pool.close();
    throw e;
  }
}

describe('shardSizes', () => {
  it('splits on ghost-batch boundaries', () => {
    expect(shardSizes(64, 2, 32)).toEqual([32, 32]);
    expect(shardSizes(96, 2, 32)).toEqual([64, 32]);
    expect(shardSizes(16, 2, 4)).toEqual([8, 8]);
    expect(shardSizes(16, 1, 4)).toEqual([16]);
    expect(shardSizes(10, 2, 4)).toEqual([10, 0]);
  });
});

describe('GradientSum', () => {
  const parts = (count: number) =>
    Array.from({ length: count }, (_, w) =>
      Float32Array.from({ length: 64 }, (_, k) => Math.sin(k * 3.1 + w) * 10 ** (((k + w) % 9) - 4)),
    );
  const inOrder = (gs: Float32Array[]) => {
    const sum = new Float32Array(gs[0].length);
    for (const g of gs) for (let k = 0; k < sum.length; k++) sum[k] += g[k];
    return sum;
  };
  const orders = (n: number): number[][] =>
    n === 1
      ? [[0]]
      : orders(n - 1).flatMap((o) =>
          Array.from({ length: n }, (_, i) => [...o.slice(0, i), n - 1, ...o.slice(i)]),
        );

  it('gives the sum in worker order, bit for bit, whatever order the workers finish in', () => {
    for (const count of [1, 2, 3, 4]) {
      const gs = parts(count);
      const expected = Array.from(inOrder(gs));
      for (const order of orders(count)) {
        const into = new Float32Array(64).fill(7); // stale values from an earlier step
        const sum = new GradientSum(into, count);
        for (const [j, w] of order.entries()) {
          expect(sum.complete).toBe(false);
          sum.arrived(w, gs[w]);
          expect(sum.complete).toBe(j === order.length - 1);
        }
        expect(Array.from(into)).toEqual(expected);
      }
    }
  });

  it('adds a worker as soon as those before it are in', () => {
    const gs = parts(3);
    const into = new Float32Array(64);
    const sum = new GradientSum(into, 3);
    sum.arrived(2, gs[2]);
    expect(Array.from(into)).toEqual(new Array(64).fill(0)); // waits for 0 and 1
    sum.arrived(1, gs[1]);
    expect(Array.from(into)).toEqual(Array.from(gs[1])); // 1 may start the sum
    sum.arrived(0, gs[0]);
    expect(Array.from(into)).toEqual(Array.from(inOrder(gs)));
  });

  it('would differ in another order (the test can tell orders apart)', () => {
    const gs = parts(3);
    expect(Array.from(inOrder([gs[2], gs[0], gs[1]]))).not.toEqual(Array.from(inOrder(gs)));
  });
});

describe('WorkerPool', () => {
  it('one step on 2 workers gives the same weights as on 1 worker with the same batch', async () => {
    const one = await oneStep(1);
    await one.pool.close();
    const two = await oneStep(2);
    await two.pool.close();
    expect(one.before).toEqual(two.before);
    expect(maxAbsDiff(Array.from(one.params), Array.from(one.before))).toBeGreaterThan(1e-3); // the step moved
    expect(Math.abs(one.loss - two.loss)).toBeLessThan(1e-5);
    expect(Math.abs(one.loss2 - two.loss2)).toBeLessThan(1e-5);
    expect(maxAbsDiff(Array.from(one.params), Array.from(two.params))).toBeLessThan(
      1e-5 * maxAbs(Array.from(one.params)),
    );
    expect(maxAbsDiff(Array.from(one.state), Array.from(two.state))).toBeLessThan(
      1e-4 * Math.max(1, maxAbs(Array.from(one.state))),
    );
  });

  it('sums the same gradients as a single in-process pass', async () => {
    await initBackend('wasm');
    const local = createNetwork(net, 5);
    const grads = new Float32Array(local.params.size);
    const stats = new Float32Array(local.state.size);
    const input = batch(16);
    const out = computeGradients(local, input, 4, grads, stats);
    local.dispose();
    const pool = await WorkerPool.start({ workers: 2, network: net, seed: 5, backend: 'wasm' });
    try {
      const g = await pool.gradients(input, 4);
      expect(g.count).toBe(16);
      expect(Math.abs(g.lossSum - out.lossSum)).toBeLessThan(1e-4 * Math.abs(out.lossSum));
      expect(maxAbsDiff(Array.from(g.grads), Array.from(grads))).toBeLessThan(
        1e-4 * maxAbs(Array.from(grads)),
      );
      expect(maxAbsDiff(Array.from(g.stats), Array.from(stats))).toBeLessThan(
        1e-4 * Math.max(1, maxAbs(Array.from(stats))),
      );
      const { logits, classes } = await pool.predict(input.x, input.xShape);
      expect(classes).toBe(8);
      expect(logits.length).toBe(16 * 8);
      expect(logits.every(Number.isFinite)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('reports a worker failure as an error', async () => {
    const bad = { ...net, kind: 'no-such-network' } as unknown as FaceClassifierConfig;
    await expect(WorkerPool.start({ workers: 1, network: bad, seed: 1, backend: 'wasm' })).rejects.toThrow(
      /unknown network kind/,
    );
  });
});
