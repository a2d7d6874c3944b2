/** How 8-bit grey faces become network input: x = (pixel / 255 - mean) / std. */
export const INPUT_MEAN = 0.5;
export const INPUT_STD = 0.25;

/** Normalises `count` images of uint8 pixels into `out` (allocated when absent). */
export function normalizePixels(pixels: Uint8Array, out = new Float32Array(pixels.length)): Float32Array {
  const a = 1 / (255 * INPUT_STD);
  const b = -INPUT_MEAN / INPUT_STD;
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] * a + b;
  return out;
}

/** Mirrors a square grey image left-right into `out`. */
export function flipHorizontal(
  src: Float32Array,
  size: number,
  out = new Float32Array(src.length),
): Float32Array {
  const n = src.length / (size * size);
  for (let k = 0; k < n; k++) {
    const base = k * size * size;
    for (let y = 0; y < size; y++) {
      const row = base + y * size;
      for (let x = 0; x < size; x++) out[row + x] = src[row + size - 1 - x];
    }
  }
  return out;
}
