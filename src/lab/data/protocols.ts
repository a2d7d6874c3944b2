/**
 * The FERPlus labelling protocols (Barsoum et al. 2016), ported from the reference code's
 * `_process_data`: first every vote count of 1 or less is dropped (outlier removal), then
 * - majority: the largest count must exceed half of the remaining votes and be an emotion;
 * - probability (PLD): the normalised distribution of the top classes covering >= 75% of the votes
 *   (at most 3), discarded when they cover <= 50% or when unknown / not-a-face leads.
 */
import { NUM_CLASSES, NUM_VOTES } from '../../data/emotions.js';

export type Protocol = 'majority' | 'pld';

function cleaned(votes: ArrayLike<number>): number[] {
  const raw = Array.from(votes, Number);
  if (raw.length !== NUM_VOTES) throw new Error(`expected ${NUM_VOTES} vote counts, got ${raw.length}`);
  return raw.map((v) => (v < 1 + Number.EPSILON ? 0 : v));
}

/** The majority label (0-7) of one image's 10 vote counts, or -1 when the image is excluded. */
export function majorityLabel(votes: ArrayLike<number>): number {
  const raw = cleaned(votes);
  const sum = raw.reduce((a, b) => a + b, 0);
  let arg = 0;
  for (let i = 1; i < raw.length; i++) if (raw[i] > raw[arg]) arg = i;
  if (!(raw[arg] > 0.5 * sum)) return -1;
  return arg < NUM_CLASSES ? arg : -1;
}

/** The PLD target over the 8 emotions (sums to 1), or null when the image is excluded. */
export function pldTarget(votes: ArrayLike<number>): Float32Array | null {
  const raw = cleaned(votes);
  const size = raw.length;
  const sumList = raw.reduce((a, b) => a + b, 0);
  let emotion = new Array<number>(size).fill(0);
  let sumPart = 0;
  let count = 0;
  let valid = true;
  // A literal port of the reference loop, including its handling of ties.
  while (sumPart < 0.75 * sumList && count < 3 && valid) {
    const maxval = Math.max(...raw);
    for (let i = 0; i < size; i++) {
      if (raw[i] === maxval) {
        emotion[i] = maxval;
        raw[i] = 0;
        sumPart += emotion[i];
        count++;
        if (i >= NUM_CLASSES) {
          valid = false;
          if (emotion.reduce((a, b) => a + b, 0) > maxval) {
            emotion[i] = 0;
            count--;
          }
          break;
        }
      }
    }
  }
  const total = emotion.reduce((a, b) => a + b, 0);
  if (total <= 0.5 * sumList || count > 3) {
    emotion = new Array<number>(size).fill(0);
    emotion[size - 2] = 1;
  }
  const norm = emotion.reduce((a, b) => a + b, 0);
  const dist = emotion.map((v) => v / norm);
  let arg = 0;
  for (let i = 1; i < size; i++) if (dist[i] > dist[arg]) arg = i;
  if (arg >= NUM_CLASSES) return null;
  const kept = dist.slice(0, NUM_CLASSES);
  const s = kept.reduce((a, b) => a + b, 0);
  return Float32Array.from(kept, (v) => v / s);
}
