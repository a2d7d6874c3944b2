/**
 * Labelled views of a split under a protocol: which images take part and their targets, plus the
 * challenge subsets resolved against the test split.
 */

import { NUM_CLASSES, NUM_VOTES } from '../../data/emotions.js';
import { DataError } from '../../data/errors.js';
import type { Subset, SubsetEntry } from './challenge.js';
import { readSubset } from './challenge.js';
import type { FerSplit } from './ferplus.js';
import { majorityLabel, type Protocol, pldTarget } from './protocols.js';

export interface LabeledSet {
  /** Indices into the split's images. */
  indices: Int32Array;
  /** Majority class of each selected image (for PLD: the arg-max of its target). */
  labels: Uint8Array;
  /** Target distribution of each selected image, count x 8 (one-hot under majority). */
  targets: Float32Array;
}

/** Selects and labels the images of `votes` (count x 10) under `protocol`. */
export function labelSet(votes: Uint8Array, protocol: Protocol): LabeledSet {
  const n = votes.length / NUM_VOTES;
  const indices: number[] = [];
  const labels: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = votes.subarray(i * NUM_VOTES, (i + 1) * NUM_VOTES);
    if (protocol === 'majority') {
      const l = majorityLabel(v);
      if (l < 0) continue;
      indices.push(i);
      labels.push(l);
      for (let c = 0; c < NUM_CLASSES; c++) targets.push(c === l ? 1 : 0);
    } else {
      const t = pldTarget(v);
      if (!t) continue;
      indices.push(i);
      let arg = 0;
      for (let c = 1; c < NUM_CLASSES; c++) if (t[c] > t[arg]) arg = c;
      labels.push(arg);
      targets.push(...t);
    }
  }
  return {
    indices: Int32Array.from(indices),
    labels: Uint8Array.from(labels),
    targets: Float32Array.from(targets),
  };
}

export interface ResolvedSubset {
  subset: Subset;
  entries: SubsetEntry[];
  /** Index of each entry's image in the test split. */
  indices: Int32Array;
  labels: Uint8Array;
}

/**
 * Resolves a challenge subset against the test split's names and votes; every entry must name a test
 * image whose majority label equals the list's label.
 */
export async function resolveSubset(
  dataDir: string,
  subset: Subset,
  test: Pick<FerSplit, 'names' | 'votes'>,
): Promise<ResolvedSubset> {
  const entries = await readSubset(dataDir, subset);
  const byName = new Map(test.names.map((n, i) => [n, i]));
  const indices = new Int32Array(entries.length);
  const labels = new Uint8Array(entries.length);
  entries.forEach((e, k) => {
    const i = byName.get(e.file);
    if (i === undefined) throw new DataError(`${e.file} (line ${e.line}) is not in FER2013Test`);
    const majority = majorityLabel(test.votes.subarray(i * NUM_VOTES, (i + 1) * NUM_VOTES));
    if (majority !== e.label) {
      throw new DataError(
        `${e.file} (line ${e.line}) is listed as class ${e.label} but its majority label is ${majority}`,
      );
    }
    indices[k] = i;
    labels[k] = e.label;
  });
  return { subset, entries, indices, labels };
}
