/**
 * Detection and following on a stream of frames: the face detector runs on one frame in `detectEvery`
 * (and on the frame after one that lost a face, and while there is no face); on the others the faces of
 * the frame before are followed by their landmarks (`follow`), at a fraction of a detection's cost.
 */
import type { RecognizedFace, RecognizeTimings } from './pipeline.js';

/** What a schedule calls: a Node or browser recognizer. */
export interface FrameRecognizer<I> {
  recognize(input: I, timings?: RecognizeTimings): Promise<RecognizedFace[]>;
  follow(
    input: I,
    previous: readonly RecognizedFace[],
    timings?: RecognizeTimings,
  ): Promise<RecognizedFace[]>;
}

export class FollowSchedule {
  private previous: readonly RecognizedFace[] = [];
  private followed = 0;

  /** `detectEvery`: 1 detects on every frame; 3 detects on one frame in three. */
  constructor(readonly detectEvery: number) {
    if (!(Number.isInteger(detectEvery) && detectEvery >= 1))
      throw new RangeError(`detectEvery must be a whole number >= 1, got ${detectEvery}`);
  }

  /** Whether the next frame follows the faces of the one before (else the detector runs). */
  get follows(): boolean {
    return this.previous.length > 0 && this.followed < this.detectEvery - 1;
  }

  /** The faces of the next frame, detected or followed as scheduled. */
  async next<I>(rec: FrameRecognizer<I>, frame: I, timings?: RecognizeTimings): Promise<RecognizedFace[]> {
    const follow = this.follows;
    const faces = follow
      ? await rec.follow(frame, this.previous, timings)
      : await rec.recognize(frame, timings);
    // A face lost while following: the next frame detects.
    this.followed = !follow ? 0 : faces.length < this.previous.length ? this.detectEvery : this.followed + 1;
    this.previous = faces;
    return faces;
  }

  /** Forgets the faces: the next frame detects (a new video, a new mode). */
  reset(): void {
    this.previous = [];
    this.followed = 0;
  }
}
