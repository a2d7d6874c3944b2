import { describe, expect, it } from 'vitest';
import type { RecognizedFace } from '../../src/api/pipeline.js';
import { EMOTIONS, type Emotion } from '../../src/data/emotions.js';
import { FaceSmoother } from '../../web/src/smoothing.js';

function face(x: number, top: Emotion): RecognizedFace {
  const probabilities = Object.fromEntries(EMOTIONS.map((e) => [e, e === top ? 1 : 0])) as Record<
    Emotion,
    number
  >;
  return { box: { x, y: 0, width: 100, height: 100 }, emotion: top, probabilities } as RecognizedFace;
}

describe('FaceSmoother (web demo)', () => {
  it('averages each face over frames, matching faces by position', () => {
    const s = new FaceSmoother(0.4);
    s.update([face(0, 'happiness'), face(500, 'anger')]);
    // Next frame: the two faces swapped order in the detector's list, and the left one now looks surprised.
    const [right, left] = s.update([face(505, 'anger'), face(3, 'surprise')]);
    expect(right.smoothed.anger).toBeCloseTo(1, 10);
    expect(left.smoothed.happiness).toBeCloseTo(0.6, 10);
    expect(left.smoothed.surprise).toBeCloseTo(0.4, 10);
    expect(left.top).toBe('happiness');
    // A third surprised frame tips it over.
    const [l3] = s.update([face(4, 'surprise')]);
    expect(l3.smoothed.surprise).toBeCloseTo(0.64, 10);
    expect(l3.top).toBe('surprise');
  });

  it('starts a new face fresh', () => {
    const s = new FaceSmoother(0.4);
    s.update([face(0, 'happiness')]);
    const [far] = s.update([face(900, 'fear')]);
    expect(far.smoothed.fear).toBe(1);
  });
});
