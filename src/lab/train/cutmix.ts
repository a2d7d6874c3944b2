/**
 * CutMix on a training batch: with probability `p`, a face gets a rectangle pasted from another face of
 * the batch (a face-textured occluder) and its target becomes the area-weighted mix of both targets.
 */
import type { Rng } from '../../util/rng.js';

export interface CutMixConfig {
  /** Probability that a face of the batch is mixed. */
  p: number;
  /** Range of the pasted area, as fractions of the face. */
  minArea: number;
  maxArea: number;
}

/**
 * Mixes a batch in place: `x` is count x size x size, `y` count x classes. Sources are read from a copy,
 * so a face pasted into another is always the augmented original.
 */
export function cutMix(x: Float32Array, y: Float32Array, size: number, cfg: CutMixConfig, rng: Rng): void {
  const px = size * size;
  const count = x.length / px;
  const classes = y.length / count;
  if (count < 2 || cfg.p <= 0) return;
  const srcX = x.slice();
  const srcY = y.slice();
  for (let i = 0; i < count; i++) {
    if (rng.float() >= cfg.p) continue;
    let j = rng.int(0, count - 2);
    if (j >= i) j++;
    const side = Math.sqrt(rng.uniform(cfg.minArea, cfg.maxArea)) * size;
    const h = Math.min(size, Math.max(1, Math.round(side)));
    const w = h;
    const top = rng.int(0, size - h);
    const left = rng.int(0, size - w);
    for (let r = top; r < top + h; r++) {
      const at = r * size + left;
      x.set(srcX.subarray(j * px + at, j * px + at + w), i * px + at);
    }
    const mix = (h * w) / px;
    for (let c = 0; c < classes; c++)
      y[i * classes + c] = (1 - mix) * srcY[i * classes + c] + mix * srcY[j * classes + c];
  }
}
