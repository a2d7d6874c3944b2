/** Grey from RGB (ITU-R BT.601 weights), shared by Node and the browser (no imports). */

/** ITU-R BT.601 luma of RGB pixels (the grey conversion FER2013's 8-bit faces use). */
export function rgbToGrey(rgb: Uint8Array, width: number, height: number): Float32Array {
  const n = width * height;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) grey[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return grey;
}
