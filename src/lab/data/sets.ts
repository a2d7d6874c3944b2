/** Face sets for training and evaluation, assembled from loaded FERPlus splits. */

import type { Subset } from './challenge.js';
import { labelSet, resolveSubset } from './dataset.js';
import type { EvalSet, TrainSet } from './face-set.js';
import { type FerSplit, IMAGE_SIZE } from './ferplus.js';
import type { Protocol } from './protocols.js';

/** The images of one or more splits under a protocol, as one training set. */
export function buildTrainSet(splits: FerSplit[], protocol: Protocol): TrainSet {
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const total = splits.reduce((n, s) => n + s.count, 0);
  const pixels = new Uint8Array(total * px);
  const indices: number[] = [];
  const targets: number[] = [];
  let offset = 0;
  for (const s of splits) {
    pixels.set(s.pixels, offset * px);
    const set = labelSet(s.votes, protocol);
    for (const i of set.indices) indices.push(offset + i);
    for (const t of set.targets) targets.push(t);
    offset += s.count;
  }
  return { pixels, size: IMAGE_SIZE, indices: Int32Array.from(indices), targets: Float32Array.from(targets) };
}

/** A split's majority-protocol images (the standard FERPlus evaluation), or a challenge subset of the test split. */
export async function buildEvalSet(dataDir: string, split: FerSplit, subset?: Subset): Promise<EvalSet> {
  if (subset) {
    if (split.split !== 'test') throw new Error(`the ${subset} subset is part of the test split`);
    const r = await resolveSubset(dataDir, subset, split);
    return { pixels: split.pixels, size: IMAGE_SIZE, indices: r.indices, labels: r.labels };
  }
  const set = labelSet(split.votes, 'majority');
  return { pixels: split.pixels, size: IMAGE_SIZE, indices: set.indices, labels: set.labels };
}
