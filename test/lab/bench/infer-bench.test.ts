/** `bench infer`: the model's speeds, and an ensemble's measured in the same rounds when one is named. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInferBench } from '../../../src/lab/bench/infer-bench.js';
import { DEFAULT_REGIONS } from '../../../src/model/regions.js';
import { writeTinyModel } from '../../helpers.js';

describe('runInferBench', () => {
  it('times an ensemble beside the model, and none unless asked', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'ranfer-infer-bench-'));
    const a = await writeTinyModel(path.join(tmp, 'a'), DEFAULT_REGIONS, 1);
    const b = await writeTinyModel(path.join(tmp, 'b'), DEFAULT_REGIONS, 2);
    const phases = new Set<string>();
    const common = { modelDir: a, backend: 'wasm' as const, repeats: 1, workers: 1 };
    const r = await runInferBench({ ...common, ensembleDirs: [a, b], onProgress: (p) => phases.add(p) });
    expect(r.ensemble?.models).toEqual([a, b]);
    for (const v of [
      r.ensemble?.msPerFaceBatch1,
      r.ensemble?.facesPerSecBatch64OneThread,
      r.ensemble?.batch1CostRatio,
      r.ensemble?.batch64CostRatio,
    ])
      expect(v).toBeGreaterThan(0);
    // The ratios are the ensemble's time over the model's, from the same rounds.
    expect(r.ensemble?.batch1CostRatio).toBeCloseTo(
      (r.ensemble?.msPerFaceBatch1 ?? 0) / r.msPerFaceBatch1,
      9,
    );
    expect(r.ensemble?.batch64CostRatio).toBeCloseTo(
      r.facesPerSecBatch64OneThread / (r.ensemble?.facesPerSecBatch64OneThread ?? 1),
      9,
    );
    expect([...phases].some((p) => p.includes('the ensemble'))).toBe(true);
    expect((await runInferBench(common)).ensemble).toBeUndefined();
  }, 60_000);
});
