import { describe, expect, it } from 'vitest';
import { FollowSchedule, type FrameRecognizer } from '../../src/api/follow-schedule.js';
import type { RecognizedFace } from '../../src/api/pipeline.js';

/** A recognizer over frames that are face counts: it logs each call, following keeps at most `frame` faces. */
function fake(log: string[]): FrameRecognizer<number> {
  const faces = (n: number) => Array.from({ length: n }, () => ({}) as RecognizedFace);
  return {
    recognize: async (n) => {
      log.push('detect');
      return faces(n);
    },
    follow: async (n, previous) => {
      log.push('follow');
      return faces(Math.min(n, previous.length));
    },
  };
}

describe('FollowSchedule', () => {
  it('detects one frame in detectEvery, after a frame that lost a face, and while there is none', async () => {
    const log: string[] = [];
    const rec = fake(log);
    const schedule = new FollowSchedule(3);
    for (const n of [0, 0, 2, 2, 2, 2, 1, 1, 1, 3]) await schedule.next(rec, n);
    expect(log).toEqual([
      'detect', // no face yet
      'detect',
      'detect', // two faces
      'follow',
      'follow',
      'detect', // the third frame
      'follow', // loses a face
      'detect',
      'follow',
      'follow', // a new face is not seen until the next detection
    ]);
    schedule.reset();
    expect(schedule.follows).toBe(false);
  });

  it('detects every frame with detectEvery 1, and refuses other counts', async () => {
    const log: string[] = [];
    const schedule = new FollowSchedule(1);
    for (const n of [1, 1, 1]) await schedule.next(fake(log), n);
    expect(log).toEqual(['detect', 'detect', 'detect']);
    for (const bad of [0, 1.5, -2, Number.NaN]) expect(() => new FollowSchedule(bad)).toThrow(RangeError);
  });
});
