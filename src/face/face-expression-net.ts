/**
 * face-api.js's FaceExpressionNet (@vladmandic/face-api) read on ranfer's aligned grey faces (browser-safe):
 * a second opinion from a network trained on other photos than FERPlus. It is the teacher of the
 * distillation recipe, a compared model in benchmarks and, at inference, an optional share of the
 * probabilities (`faceApiWeight`). Its own preprocessing: RGB 0..255 images, which the net pads to square,
 * resizes to 112x112 and normalises by its mean RGB / 255; a grey face goes in as three equal channels.
 */
import type { FaceApiModule, WeightLoader } from './detector.js';

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

/** Checks a `faceApiWeight` setting (a number in 0..1, or absent) and returns it, 0 when absent. */
export function checkFaceApiWeight(weight: number | undefined): number {
  const w = weight ?? 0;
  if (!(w >= 0 && w <= 1)) throw new RangeError(`faceApiWeight must be in 0..1, got ${weight}`);
  return w;
}

export interface ExpressionTeacher {
  /** Probabilities in FERPlus order (count x 8; contempt, which it does not know, is 0) of `count` grey faces of side `size`. */
  predictSync(faces: Uint8Array, count: number, size: number): Float32Array;
  /** The same, as a promise. */
  predict(faces: Uint8Array, count: number, size: number): Promise<Float32Array>;
}

/** FaceExpressionNet of a face-api module, its weights loaded with `load` unless they already are. */
export async function loadFaceExpressionNet(
  faceapi: FaceApiModule,
  load: WeightLoader,
): Promise<ExpressionTeacher> {
  const net = faceapi.nets.faceExpressionNet;
  if (!net.isLoaded) await load(net);
  return faceExpressionNet(faceapi);
}

/** The FaceExpressionNet of a face-api module whose weights are loaded (`faceapi.nets.faceExpressionNet`). */
export function faceExpressionNet(faceapi: FaceApiModule): ExpressionTeacher {
  const net = faceapi.nets.faceExpressionNet;
  if (!net.isLoaded) throw new Error("face-api's FaceExpressionNet has no weights loaded");
  const labels = Array.from(faceapi.FACE_EXPRESSION_LABELS);
  if (labels.join() !== 'neutral,happy,sad,angry,fearful,disgusted,surprised')
    throw new Error(`unexpected face-api expression labels: ${labels.join()}`);
  const tf = faceapi.tf;
  /** The network's output for the faces, still a tensor (the caller reads and frees it). */
  const forward = (faces: Uint8Array, count: number, size: number) => {
    if (count < 1 || faces.length !== count * size * size)
      throw new Error(`expected ${count} faces of ${size}x${size} pixels, got ${faces.length} values`);
    const rgb = new Float32Array(faces.length * 3);
    for (let i = 0; i < faces.length; i++) rgb.fill(faces[i], 3 * i, 3 * i + 3);
    const input = tf.tensor4d(rgb, [count, size, size, 3]);
    // A list of 3-D images is face-api's batch input (a 4-D tensor would be taken as features).
    const images = tf.unstack(input) as ConstructorParameters<typeof faceapi.NetInput>[0];
    try {
      return net.forwardInput(new faceapi.NetInput(images));
    } finally {
      input.dispose();
      for (const t of images as unknown as { dispose(): void }[]) t.dispose();
    }
  };
  return {
    predictSync: (faces, count, size) => {
      const out = forward(faces, count, size);
      try {
        return toFerOrder(out.dataSync(), count, FACE_API_FER_INDEX);
      } finally {
        out.dispose();
      }
    },
    // Read without blocking: on a GPU backend a synchronous read stalls the page.
    predict: async (faces, count, size) => {
      const out = forward(faces, count, size);
      try {
        return toFerOrder(await out.data(), count, FACE_API_FER_INDEX);
      } finally {
        out.dispose();
      }
    },
  };
}
