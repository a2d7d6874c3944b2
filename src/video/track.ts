/**
 * Faces followed across the frames of a video: each face of a frame takes the track of the previous
 * faces its box overlaps most (intersection over union, greedy, best pairs first), or starts a new track;
 * a track missing for more than `maxMissed` frames ends. Optionally, each track's probabilities are
 * averaged over its last `smooth` frames.
 *
 * A track means a person only once it is confirmed: seen on `confirmFrames` frames, at least one of them
 * with a detection score of `confirmScore` or more. A box that flickers for a frame or two, or that the
 * detector keeps finding at a low score (a bookshelf, a poster), stays unconfirmed and gets no person
 * number. Person numbers count confirmed tracks from 1.
 */
import type { Box } from '../face/detector.js';

export interface TrackerOptions {
  /** Least box overlap (IoU) for a face to continue a track (default 0.3). */
  minIoU?: number;
  /** Frames a track may go unseen before it ends (default 5). */
  maxMissed?: number;
  /** Average each track's probabilities over its last this many frames (default 1: no smoothing). */
  smooth?: number;
  /** Frames a track must be seen on before it is a person (default 3; 1 confirms at once). */
  confirmFrames?: number;
  /** Detection score that at least one of a track's faces must reach to confirm it (default 0.5). */
  confirmScore?: number;
}

/** Intersection over union of two boxes. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

interface Track {
  /** The person number, once confirmed (0 before). */
  id: number;
  box: Box;
  missed: number;
  hits: number;
  bestScore: number;
  history: Float64Array[];
}

/** A face given to the tracker: its box, its detection score (default 1) and its probabilities. */
export interface TrackerFace {
  box: Box;
  score?: number;
  probabilities: ArrayLike<number>;
}

/** Follows faces with boxes and probability vectors from frame to frame. */
export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private readonly minIoU: number;
  private readonly maxMissed: number;
  private readonly smooth: number;
  private readonly confirmFrames: number;
  private readonly confirmScore: number;

  constructor(options: TrackerOptions = {}) {
    this.minIoU = options.minIoU ?? 0.3;
    this.maxMissed = options.maxMissed ?? 5;
    this.smooth = options.smooth ?? 1;
    this.confirmFrames = options.confirmFrames ?? 3;
    this.confirmScore = options.confirmScore ?? 0.5;
    if (!(Number.isInteger(this.confirmFrames) && this.confirmFrames >= 1))
      throw new RangeError(`confirmFrames must be a whole number of frames >= 1, got ${this.confirmFrames}`);
    if (!(this.confirmScore >= 0 && this.confirmScore <= 1))
      throw new RangeError(`confirmScore must be in 0..1, got ${this.confirmScore}`);
    if (!(this.minIoU > 0 && this.minIoU <= 1))
      throw new RangeError(`minIoU must be in (0, 1], got ${this.minIoU}`);
    if (!(Number.isInteger(this.smooth) && this.smooth >= 1))
      throw new RangeError(`smooth must be a whole number of frames >= 1, got ${this.smooth}`);
  }

  /**
   * The faces of the next frame, in the order given: their person number (0 while their track is
   * unconfirmed), and their probabilities averaged over each track's window (the same vectors when
   * `smooth` is 1).
   */
  update(faces: TrackerFace[]): { track: number; probabilities: number[] }[] {
    const pairs: [number, number, number][] = [];
    this.tracks.forEach((t, ti) => {
      faces.forEach((f, fi) => {
        const o = iou(t.box, f.box);
        if (o >= this.minIoU) pairs.push([o, ti, fi]);
      });
    });
    pairs.sort((a, b) => b[0] - a[0]);
    const trackOf = new Array<Track | undefined>(faces.length);
    const taken = new Set<number>();
    for (const [, ti, fi] of pairs) {
      if (taken.has(ti) || trackOf[fi]) continue;
      taken.add(ti);
      trackOf[fi] = this.tracks[ti];
    }
    this.tracks.forEach((t, ti) => {
      if (!taken.has(ti)) t.missed++;
    });
    const out = faces.map((f, fi) => {
      let t = trackOf[fi];
      if (!t) {
        t = { id: 0, box: f.box, missed: 0, hits: 0, bestScore: 0, history: [] };
        this.tracks.push(t);
      }
      t.box = f.box;
      t.missed = 0;
      t.hits++;
      t.bestScore = Math.max(t.bestScore, f.score ?? 1);
      if (t.id === 0 && t.hits >= this.confirmFrames && t.bestScore >= this.confirmScore)
        t.id = this.nextId++;
      t.history.push(Float64Array.from(f.probabilities));
      if (t.history.length > this.smooth) t.history.shift();
      const mean = new Array<number>(f.probabilities.length).fill(0);
      for (const h of t.history) for (let c = 0; c < mean.length; c++) mean[c] += h[c] / t.history.length;
      return { track: t.id, probabilities: mean };
    });
    this.tracks = this.tracks.filter((t) => t.missed <= this.maxMissed);
    return out;
  }
}
