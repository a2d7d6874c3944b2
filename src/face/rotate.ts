/**
 * Quarter turns of an RGB image and of points found in the turned image, mapped back to the original
 * (for photos taken sideways or upside down). Browser-safe.
 */

/** A clockwise turn in degrees. */
export type QuarterTurn = 0 | 90 | 180 | 270;

/** The image turned clockwise by `turn` degrees (width and height swap for 90 and 270). */
export function rotateRgb(
  rgb: Uint8Array,
  width: number,
  height: number,
  turn: QuarterTurn,
): { data: Uint8Array; width: number; height: number } {
  if (turn === 0) return { data: rgb, width, height };
  const w = turn === 180 ? width : height;
  const h = turn === 180 ? height : width;
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      // Where pixel (x, y) lands in the turned image.
      const [u, v] =
        turn === 90
          ? [height - 1 - y, x]
          : turn === 180
            ? [width - 1 - x, height - 1 - y]
            : [y, width - 1 - x];
      const from = 3 * (y * width + x);
      const to = 3 * (v * w + u);
      out[to] = rgb[from];
      out[to + 1] = rgb[from + 1];
      out[to + 2] = rgb[from + 2];
    }
  return { data: out, width: w, height: h };
}

/**
 * A point (u, v) of the image turned by `turn`, in the coordinates of the original image of `width` x
 * `height` (continuous coordinates: pixel centres at half units).
 */
export function unrotatePoint(
  u: number,
  v: number,
  width: number,
  height: number,
  turn: QuarterTurn,
): [number, number] {
  if (turn === 90) return [v, height - u];
  if (turn === 180) return [width - u, height - v];
  if (turn === 270) return [width - v, u];
  return [u, v];
}
