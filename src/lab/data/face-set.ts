/** Faces selected from a split's pixels, as training and evaluation take them. */

export interface FaceSet {
  /** All images of the split, count x size x size uint8. */
  pixels: Uint8Array;
  size: number;
  /** Which images to use. */
  indices: Int32Array;
}

/** Faces with their training targets. */
export interface TrainSet extends FaceSet {
  /** Target distribution of each selected image, indices.length x classes. */
  targets: Float32Array;
}

/** Faces with their labels (majority class). */
export interface EvalSet extends FaceSet {
  labels: Uint8Array;
}

/** The pixels of faces `start` to `start + count` of a set, back to back (count x size x size). */
export function gatherFaces(set: FaceSet, start: number, count: number): Uint8Array {
  const px = set.size * set.size;
  const out = new Uint8Array(count * px);
  for (let i = 0; i < count; i++) {
    const k = set.indices[start + i];
    out.set(set.pixels.subarray(k * px, (k + 1) * px), i * px);
  }
  return out;
}
