/**
 * Evaluation with a share of face-api.js's FaceExpressionNet in the probabilities (`faceApiWeight`),
 * as the recognizer mixes them: the same aligned faces, read by both networks.
 */
import type { BackendChoice } from '../../engine/backend.js';
import { checkFaceApiWeight } from '../../face/face-expression-net.js';
import { mixRows } from '../../util/probabilities.js';
import { faceApiExpressionTeacher } from '../train/expression-teacher.js';

/** Faces read by FaceExpressionNet at a time. */
const CHUNK = 256;

/**
 * (1 - weight) x `probs` + weight x FaceExpressionNet's reading of the same faces: image `indices[i]` of
 * `pixels` (grey size x size faces, back to back) is row i of `probs`. Returns `probs` when weight is 0.
 */
export async function mixFaceApi(
  probs: Float32Array,
  pixels: Uint8Array,
  indices: ArrayLike<number>,
  size: number,
  weight: number,
  backend?: BackendChoice,
): Promise<Float32Array> {
  if (checkFaceApiWeight(weight) === 0) return probs;
  const net = await faceApiExpressionTeacher(backend);
  const px = size * size;
  const other = new Float32Array(probs.length);
  for (let start = 0; start < indices.length; start += CHUNK) {
    const count = Math.min(CHUNK, indices.length - start);
    const faces = new Uint8Array(count * px);
    for (let i = 0; i < count; i++) {
      const img = indices[start + i];
      faces.set(pixels.subarray(img * px, (img + 1) * px), i * px);
    }
    other.set(net.predictSync(faces, count, size), start * 8);
  }
  return mixRows(probs, other, weight);
}
