/** An ensemble of saved models: the mean of the members' logits, a single model unchanged. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelDirs, predictModels } from '../../../src/lab/parallel/predict-models.js';
import { meanLogitRows } from '../../../src/util/probabilities.js';
import { writeTinyModel } from '../../helpers.js';

const SIZE = 16;
const N = 12;
const set = {
  pixels: Uint8Array.from({ length: N * SIZE * SIZE }, (_, i) => (i * 37 + (i >> 5) * 11) % 256),
  size: SIZE,
  indices: Int32Array.from({ length: N }, (_, i) => N - 1 - i),
};
const opts = { tta: false, workers: 1, backend: 'wasm' as const };

describe('predictModels', () => {
  it("averages the members' logits; one model alone keeps its probabilities and attention", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'ranfer-ensemble-'));
    const a = await writeTinyModel(path.join(root, 'a'), undefined, 1);
    const b = await writeTinyModel(path.join(root, 'b'), undefined, 2);
    const pa = await predictModels([a], set, opts);
    const pb = await predictModels([b], set, opts);
    expect(pa.attention?.length).toBe(N * pa.regions);
    expect(Array.from(pa.probs)).not.toEqual(Array.from(pb.probs));
    const both = await predictModels([a, b], set, opts);
    expect(both.models).toHaveLength(2);
    const expected = meanLogitRows([pa.probs, pb.probs], 8);
    for (let i = 0; i < expected.length; i++) expect(both.probs[i]).toBeCloseTo(expected[i], 5);
    const twice = await predictModels([a, a], set, opts);
    for (let i = 0; i < pa.probs.length; i++) expect(twice.probs[i]).toBeCloseTo(pa.probs[i], 5);
  });

  it('reads a --model value of folders joined by commas', () => {
    expect(modelDirs('runs/a, runs/b')).toEqual(['runs/a', 'runs/b']);
    expect(modelDirs(['m'])).toEqual(['m']);
    expect(() => modelDirs('runs/a,,runs/b')).toThrow(/no model folder in "runs\/a,,runs\/b"/);
  });
});
