/**
 * Faces followed from one video frame to the next without the face detector: each face's landmarks are
 * found again in the box it had, and the box then moves and scales with them, so that the next frame's
 * crop stays on the face. A face whose landmarks no longer fit its box (it moved too far between frames,
 * turned away or left) is dropped: the caller detects afresh then, as it must to see new faces.
 */
import type { Box, DetectedFace, FaceDetector } from './detector.js';

/** How far a followed face's landmark spread may change from one frame to the next (ratio). */
export const MAX_SPREAD_CHANGE = 1.3;
/** How far its landmarks' centre may move within a frame, as a fraction of the box's width. */
export const MAX_CENTRE_SHIFT = 0.25;

/** The centre of 68 interleaved points and their root mean square distance from it. */
export function pointSpread(points: ArrayLike<number>): { cx: number; cy: number; spread: number } {
  const n = points.length / 2;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += points[2 * i] / n;
    cy += points[2 * i + 1] / n;
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += ((points[2 * i] - cx) ** 2 + (points[2 * i + 1] - cy) ** 2) / n;
  return { cx, cy, spread: Math.sqrt(s) };
}

/** Where 68 points lie: their centre and spread (`pointSpread`). */
type Spread = ReturnType<typeof pointSpread>;

/** `box` moved from where the points were (`a`) to where they are (`b`), scaled by their spread's change. */
function moveBox(box: Box, a: Spread, b: Spread): Box {
  const k = b.spread / a.spread;
  return {
    x: b.cx + (box.x - a.cx) * k,
    y: b.cy + (box.y - a.cy) * k,
    width: box.width * k,
    height: box.height * k,
  };
}

/**
 * `box` moved by the shift of the landmarks' centre and scaled about it by the change of their spread:
 * the box a detector would give the face where its landmarks now are.
 */
export function movedBox(box: Box, before: ArrayLike<number>, after: ArrayLike<number>): Box {
  return moveBox(box, pointSpread(before), pointSpread(after));
}

/**
 * The faces of a frame given those of the frame before (upright faces, image pixels): the landmark network
 * on each previous box, no detection. Scores carry over; lost faces are left out.
 */
export async function followFaces(
  rgb: Uint8Array,
  width: number,
  height: number,
  detector: FaceDetector,
  previous: readonly DetectedFace[],
): Promise<DetectedFace[]> {
  const upright = previous.filter((f) => !f.rotation);
  if (upright.length === 0) return [];
  const found = await detector.landmarksIn(
    rgb,
    width,
    height,
    upright.map((f) => f.box),
  );
  return upright.flatMap((f, i) => {
    const landmarks = found[i];
    if (!landmarks) return [];
    const a = pointSpread(f.landmarks);
    const b = pointSpread(landmarks);
    const change = b.spread / a.spread;
    const shift = Math.hypot(b.cx - a.cx, b.cy - a.cy) / f.box.width;
    if (!(change <= MAX_SPREAD_CHANGE && change >= 1 / MAX_SPREAD_CHANGE && shift <= MAX_CENTRE_SHIFT))
      return [];
    return [{ box: moveBox(f.box, a, b), score: f.score, landmarks }];
  });
}
