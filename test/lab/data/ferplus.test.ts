/** Exact counts of the FERPlus protocols on ../shared/datasets/ferplus (label files only). */
import { describe, expect, it } from 'vitest';
import { SUBSETS } from '../../../src/lab/data/challenge.js';
import { labelSet, resolveSubset } from '../../../src/lab/data/dataset.js';
import { readLabels, votesOf } from '../../../src/lab/data/ferplus.js';

import { FERPLUS } from '../../helpers.js';

describe('FERPlus label files', () => {
  it('have the documented number of rows per split', async () => {
    expect((await readLabels(FERPLUS, 'train')).length).toBe(28558);
    expect((await readLabels(FERPLUS, 'valid')).length).toBe(3579);
    expect((await readLabels(FERPLUS, 'test')).length).toBe(3573);
  });

  it('give 25,045 / 3,191 / 3,137 majority images', async () => {
    const counts = [];
    for (const split of ['train', 'valid', 'test'] as const) {
      counts.push(labelSet(votesOf(await readLabels(FERPLUS, split)), 'majority').indices.length);
    }
    expect(counts).toEqual([25045, 3191, 3137]);
  });

  it('give the per-class test counts 1083, 892, 394, 382, 269, 16, 86, 15', async () => {
    const set = labelSet(votesOf(await readLabels(FERPLUS, 'test')), 'majority');
    const perClass = new Array(8).fill(0);
    for (const l of set.labels) perClass[l]++;
    expect(perClass).toEqual([1083, 892, 394, 382, 269, 16, 86, 15]);
    // Majority targets are one-hot on the label.
    for (let i = 0; i < set.labels.length; i++) expect(set.targets[i * 8 + set.labels[i]]).toBe(1);
  });

  it('PLD targets are distributions whose arg-max is the label', async () => {
    const set = labelSet(votesOf(await readLabels(FERPLUS, 'test')), 'pld');
    expect(set.indices.length).toBe(3507);
    for (let i = 0; i < set.labels.length; i++) {
      const t = set.targets.subarray(i * 8, i * 8 + 8);
      expect(t.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Math.max(...t)).toBe(t[set.labels[i]]);
    }
  });

  it('resolve every challenge-subset entry to a test image with the same majority label', async () => {
    const rows = await readLabels(FERPLUS, 'test');
    const test = { names: rows.map((r) => r.file), votes: votesOf(rows) };
    const sizes: Record<string, number> = {};
    for (const subset of SUBSETS) sizes[subset] = (await resolveSubset(FERPLUS, subset, test)).indices.length;
    expect(sizes).toEqual({ occlusion: 605, pose30: 1170, pose45: 633 });
  });
});
