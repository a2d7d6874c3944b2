import { describe, expect, it } from 'vitest';
import { majorityLabel, pldTarget } from '../../../src/lab/data/protocols.js';

describe('majority protocol', () => {
  it('drops single votes, then needs more than half of the rest', () => {
    // README example: 2 anger, 1 disgust (dropped), 7 contempt -> 7 of 9 > 4.5.
    expect(majorityLabel([0, 0, 0, 0, 2, 1, 0, 7, 0, 0])).toBe(7);
    // 4 neutral, 3 anger, 2 disgust, 1 sadness (dropped): 4 of 9 is not more than half.
    expect(majorityLabel([4, 0, 0, 1, 3, 2, 0, 0, 0, 0])).toBe(-1);
    // 6 neutral, 2 unknown, 1 surprise, 1 sadness (both dropped): 6 of 8.
    expect(majorityLabel([6, 0, 1, 1, 0, 0, 0, 0, 2, 0])).toBe(0);
    // Exactly half is not a majority.
    expect(majorityLabel([5, 5, 0, 0, 0, 0, 0, 0, 0, 0])).toBe(-1);
  });

  it('excludes images whose majority is unknown or not-a-face, and images with no votes left', () => {
    expect(majorityLabel([0, 2, 0, 0, 0, 0, 0, 0, 8, 0])).toBe(-1);
    expect(majorityLabel([0, 0, 0, 0, 0, 0, 0, 0, 0, 10])).toBe(-1);
    expect(majorityLabel([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toBe(-1);
  });

  it('rejects a vote vector of the wrong length', () => {
    expect(() => majorityLabel([1, 2, 3])).toThrow(/10 vote counts/);
  });
});

describe('probability (PLD) protocol', () => {
  it('keeps the top classes covering 75% of the votes, normalised', () => {
    // 6 happiness + 4 surprise: happiness covers 60% < 75%, so surprise joins: 0.6 / 0.4.
    const t = pldTarget([0, 6, 4, 0, 0, 0, 0, 0, 0, 0]);
    expect(t).not.toBeNull();
    expect(Array.from(t ?? [])).toEqual([0, 0.6, 0.4, 0, 0, 0, 0, 0].map(Math.fround));
  });

  it('stops at the first class when it alone covers 75%', () => {
    expect(Array.from(pldTarget([8, 2, 0, 0, 0, 0, 0, 0, 0, 0]) ?? [])).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('drops outlier votes before distributing', () => {
    // The single fear vote is removed: 7 sadness / 2 anger -> 7/9 >= 75%.
    expect(Array.from(pldTarget([0, 0, 0, 7, 2, 0, 1, 0, 0, 0]) ?? [])).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('takes tied classes together', () => {
    // 4 + 4 of 10 votes already cover 75%: the 2 surprise votes stay out.
    expect(Array.from(pldTarget([4, 4, 2, 0, 0, 0, 0, 0, 0, 0]) ?? [])).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0]);
  });

  it('discards images led by unknown or not-a-face, or too spread', () => {
    expect(pldTarget([2, 0, 0, 0, 0, 0, 0, 0, 8, 0])).toBeNull();
    expect(pldTarget([0, 0, 0, 0, 0, 0, 0, 0, 0, 10])).toBeNull();
    // Four tied classes (the single votes are dropped) make more than 3 classes: discarded.
    expect(pldTarget([2, 2, 2, 2, 1, 1, 0, 0, 0, 0])).toBeNull();
    // 4 sadness, then three tied classes of 2 join at once: 4 classes, discarded.
    expect(pldTarget([2, 2, 2, 4, 0, 0, 0, 0, 0, 0])).toBeNull();
    // 5 + 3 of 10 reach 75% with two classes: kept as 5/8, 3/8.
    expect(Array.from(pldTarget([5, 3, 2, 0, 0, 0, 0, 0, 0, 0]) ?? [])).toEqual([
      0.625, 0.375, 0, 0, 0, 0, 0, 0,
    ]);
  });
});
