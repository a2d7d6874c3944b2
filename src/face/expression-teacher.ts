/**
 * face-api.js's FaceExpressionNet (@vladmandic/face-api) read on ranfer's grey faces: a second opinion
 * from a network trained on other photos than FERPlus, used as a teacher in training and as a compared
 * model in benchmarks. Its own preprocessing: RGB 0..255 tensors, which the net pads to square, resizes to
 * 112x112 and normalises by its mean RGB / 255; a grey face goes in as three equal channels.
 */
import type { BackendChoice } from '../engine/backend.js';
import { faceApiModelDir, loadFaceApi } from './face-api-node.js';

/** FACE_EXPRESSION_LABELS (neutral, happy, sad, angry, fearful, disgusted, surprised) -> FERPlus indices. */
export const FACE_API_FER_INDEX: readonly number[] = [0, 1, 3, 4, 6, 5, 2];

/** Reorders a model's probabilities (its own label order) into FERPlus order (8 columns, 0 where it has none). */
export function toFerOrder(
  probs: ArrayLike<number>,
  count: number,
  ferIndexOfLabel: readonly number[],
): Float32Array {
  const k = ferIndexOfLabel.length;
  const out = new Float32Array(count * 8);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < k; j++) out[i * 8 + ferIndexOfLabel[j]] = probs[i * k + j];
  }
  return out;
}

export interface ExpressionTeacher {
  /** Probabilities in FERPlus order (count x 8; contempt, which it does not know, is 0) of `count` grey faces of side `size`. */
  predict(faces: Uint8Array, count: number, size: number): Promise<Float32Array>;
}

/** Loads face-api's FaceExpressionNet from the npm package's own files. */
export async function faceApiExpressionTeacher(backend: BackendChoice = 'wasm'): Promise<ExpressionTeacher> {
  const faceapi = await loadFaceApi(backend);
  const net = faceapi.nets.faceExpressionNet;
  if (!net.isLoaded) await net.loadFromDisk(faceApiModelDir());
  const labels = Array.from(faceapi.FACE_EXPRESSION_LABELS);
  if (labels.join() !== 'neutral,happy,sad,angry,fearful,disgusted,surprised')
    throw new Error(`unexpected face-api expression labels: ${labels.join()}`);
  const tf = faceapi.tf;
  return {
    async predict(faces, count, size) {
      if (faces.length !== count * size * size)
        throw new Error(`expected ${count} faces of ${size}x${size} pixels, got ${faces.length} values`);
      const rgb = new Float32Array(faces.length * 3);
      for (let i = 0; i < faces.length; i++) rgb.fill(faces[i], 3 * i, 3 * i + 3);
      const input = tf.tensor4d(rgb, [count, size, size, 3]);
      // A list of 3-D images is face-api's batch input (a 4-D tensor would be taken as features).
      const images = tf.unstack(input);
      try {
        const out = await net.forward(images as never);
        const probs = (await out.data()) as Float32Array;
        out.dispose();
        return toFerOrder(probs, count, FACE_API_FER_INDEX);
      } finally {
        input.dispose();
        for (const t of images) t.dispose();
      }
    },
  };
}
