/**
 * A border around an image, for detecting the face of a tight crop: face detectors are trained on faces
 * with context around them and miss most faces that fill the whole image. Browser-safe (plain arrays).
 */

export interface BorderedImage {
  /** RGB pixels of the larger canvas, 3 bytes per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
  /** Where the original image's top-left corner lies on the canvas. */
  offsetX: number;
  offsetY: number;
}

/**
 * Centres an RGB image on a canvas with a border of `fraction` of its longer side on every side, filled
 * with the image's mean colour (no edges for the detector to take for a face's outline).
 */
export function addBorder(rgb: Uint8Array, width: number, height: number, fraction: number): BorderedImage {
  if (!(fraction >= 0)) throw new RangeError(`border fraction must be >= 0, got ${fraction}`);
  const pad = Math.round(fraction * Math.max(width, height));
  const w = width + 2 * pad;
  const h = height + 2 * pad;
  const mean = [0, 0, 0];
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) mean[c] += rgb[3 * i + c];
  const fill = mean.map((m) => Math.round(m / Math.max(1, width * height)));
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(fill, 3 * i);
  for (let y = 0; y < height; y++)
    data.set(rgb.subarray(3 * y * width, 3 * (y + 1) * width), 3 * ((y + pad) * w + pad));
  return { data, width: w, height: h, offsetX: pad, offsetY: pad };
}
