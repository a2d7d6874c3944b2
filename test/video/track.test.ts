/** Faces followed across frames: box overlap, stable ids, new and ended tracks, smoothing over a window. */
import { describe, expect, it } from 'vitest';
import { FaceTracker, iou } from '../../src/video/track.js';

const box = (x: number, y = 0, size = 10) => ({ x, y, width: size, height: size });
const p = (...v: number[]) => v;

describe('face tracks', () => {
  it('measures box overlap', () => {
    expect(iou(box(0), box(0))).toBe(1);
    expect(iou(box(0), box(20))).toBe(0);
    expect(iou(box(0), box(5))).toBeCloseTo(50 / 150, 10);
  });

  it('keeps each face on its track as it moves, gives a new face a new id, and ends lost tracks', () => {
    const t = new FaceTracker({ maxMissed: 1, confirmFrames: 1 });
    expect(
      t
        .update([
          { box: box(0), probabilities: p(1, 0) },
          { box: box(100), probabilities: p(0, 1) },
        ])
        .map((f) => f.track),
    ).toEqual([1, 2]);
    // Listed the other way round, both moved a little: the ids follow the boxes.
    expect(
      t
        .update([
          { box: box(102), probabilities: p(0, 1) },
          { box: box(2), probabilities: p(1, 0) },
        ])
        .map((f) => f.track),
    ).toEqual([2, 1]);
    // A third face appears; face 2 is missed for one frame, then seen again.
    expect(
      t
        .update([
          { box: box(3), probabilities: p(1, 0) },
          { box: box(200), probabilities: p(1, 0) },
        ])
        .map((f) => f.track),
    ).toEqual([1, 3]);
    expect(t.update([{ box: box(104), probabilities: p(0, 1) }]).map((f) => f.track)).toEqual([2]);
    // Track 1 was missed for one frame (allowed); missed twice it ends, and a face there starts track 4.
    t.update([]);
    expect(t.update([{ box: box(3), probabilities: p(1, 0) }]).map((f) => f.track)).toEqual([4]);
  });

  it('averages a track over its last frames when asked', () => {
    const t = new FaceTracker({ smooth: 2, confirmFrames: 1 });
    expect(t.update([{ box: box(0), probabilities: p(1, 0) }])[0].probabilities).toEqual([1, 0]);
    expect(t.update([{ box: box(0), probabilities: p(0, 1) }])[0].probabilities).toEqual([0.5, 0.5]);
    expect(t.update([{ box: box(0), probabilities: p(0, 1) }])[0].probabilities).toEqual([0, 1]);
    expect(() => new FaceTracker({ smooth: 0 })).toThrow(RangeError);
  });

  it('numbers a person only after 3 frames with one score of 0.5 or more; flickers and low scores stay 0', () => {
    const t = new FaceTracker();
    const frame = (...faces: [number, number][]) =>
      t
        .update(faces.map(([x, score]) => ({ box: box(x), score, probabilities: p(1, 0) })))
        .map((f) => f.track);
    // A face (x 0) at a good score, a bookshelf (x 100) at 0.25 on every frame, a flicker (x 200) once.
    expect(frame([0, 0.9], [100, 0.25], [200, 0.6])).toEqual([0, 0, 0]);
    expect(frame([0, 0.9], [100, 0.25])).toEqual([0, 0]);
    expect(frame([0, 0.9], [100, 0.25])).toEqual([1, 0]);
    for (let i = 0; i < 40; i++) expect(frame([0, 0.9], [100, 0.25])).toEqual([1, 0]);
    // A second person at a modest score that reaches 0.5 once: numbered 2 on its third frame.
    expect(frame([0, 0.9], [300, 0.4])).toEqual([1, 0]);
    expect(frame([0, 0.9], [300, 0.55])).toEqual([1, 0]);
    expect(frame([0, 0.9], [300, 0.3])).toEqual([1, 2]);
    expect(() => new FaceTracker({ confirmFrames: 0 })).toThrow(/confirmFrames/);
    expect(() => new FaceTracker({ confirmScore: 2 })).toThrow(/confirmScore must be in 0\.\.1/);
  });
});
