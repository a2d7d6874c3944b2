/** `ranfer bench engine`: what it times and how its ratios are formed (no speed is asserted). */
import { describe, expect, it } from 'vitest';
import { runEngineBench } from '../../../src/lab/bench/engine-bench.js';

describe('runEngineBench', () => {
  it('times 1-worker steps, forward passes and 2-worker steps in interleaved rounds, and forms its ratios from them', async () => {
    const rounds: number[] = [];
    const r = await runEngineBench({
      batch: 8,
      steps: 3,
      warmup: 1,
      backend: 'wasm',
      onProgress: (phase, done, total) => {
        if (phase.startsWith('rounds')) rounds.push(done, total);
      },
    });
    // one progress report a round, warm-up included
    expect(rounds).toEqual([1, 4, 2, 4, 3, 4, 4, 4]);
    expect(r.backend).toBe('wasm');
    expect(r.batch).toBe(8);
    for (const v of [r.forwardImgPerSec, r.trainImgPerSec1, r.trainImgPerSec2]) expect(v).toBeGreaterThan(0);
    expect(r.trainToForwardRatio).toBeCloseTo(r.forwardImgPerSec / r.trainImgPerSec1, 10);
    expect(r.twoWorkerSpeedup).toBeCloseTo(r.trainImgPerSec2 / r.trainImgPerSec1, 10);
    // Each timed round's times, and the spread of the single rounds' speedups.
    expect(r.rounds).toHaveLength(3);
    const perRound = r.rounds.map((x) => x.train1 / x.train2);
    expect(r.twoWorkerSpeedupRange).toEqual([Math.min(...perRound), Math.max(...perRound)]);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[1];
    expect(r.trainImgPerSec1).toBeCloseTo(8 / median(r.rounds.map((x) => x.train1)), 10);
    expect(r.trainImgPerSec2).toBeCloseTo(8 / median(r.rounds.map((x) => x.train2)), 10);
    expect(r.forwardImgPerSec).toBeCloseTo(8 / median(r.rounds.map((x) => x.forward)), 10);
    expect(r.trainGflops1).toBeCloseTo((r.trainImgPerSec1 * 3 * r.mflopsPerImage) / 1e3, 6);
    expect(r.layers.map((l) => l.layer)).toEqual([
      'depthwise 3x3, 32x32x128, batch 32',
      'dense 3x3, 24x24x32 -> 32, batch 32',
    ]);
  }, 120_000);
});
