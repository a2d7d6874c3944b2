/** Temporal smoothing of the webcam results: faces matched to the previous frame's by box centre. */
import { EMOTIONS, type Emotion, type RecognizedFace } from 'ranfer/browser';

export interface TrackedFace {
  face: RecognizedFace;
  /** Exponential moving average of the probabilities. */
  smoothed: Record<Emotion, number>;
  top: Emotion;
}

export class FaceSmoother {
  private tracks: TrackedFace[] = [];

  /** `alpha`: weight of the newest frame (0.4: about the last 4-5 frames count). */
  constructor(private readonly alpha = 0.4) {}

  update(faces: RecognizedFace[]): TrackedFace[] {
    const used = new Set<number>();
    const next = faces.map((face) => {
      const cx = face.box.x + face.box.width / 2;
      const cy = face.box.y + face.box.height / 2;
      let best = -1;
      let bestDist = Number.POSITIVE_INFINITY;
      this.tracks.forEach((t, i) => {
        if (used.has(i)) return;
        const d = Math.hypot(
          t.face.box.x + t.face.box.width / 2 - cx,
          t.face.box.y + t.face.box.height / 2 - cy,
        );
        if (d < bestDist && d < face.box.width * 0.6) {
          best = i;
          bestDist = d;
        }
      });
      const previous = best >= 0 ? this.tracks[best] : undefined;
      if (best >= 0) used.add(best);
      const smoothed = Object.fromEntries(
        EMOTIONS.map((e) => [
          e,
          previous
            ? this.alpha * face.probabilities[e] + (1 - this.alpha) * previous.smoothed[e]
            : face.probabilities[e],
        ]),
      ) as Record<Emotion, number>;
      const top = EMOTIONS.reduce((a, b) => (smoothed[b] > smoothed[a] ? b : a));
      return { face, smoothed, top };
    });
    this.tracks = next;
    return next;
  }

  reset(): void {
    this.tracks = [];
  }
}
