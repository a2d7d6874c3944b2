/**
 * face-api.js's FaceExpressionNet (@vladmandic/face-api), with its own preprocessing: RGB 0..255
 * tensors, which the net pads to square, resizes to 112x112 and normalises by its mean RGB / 255.
 * A grey face is given as three equal channels.
 */
import path from 'node:path';
import { faceApiModelDir, loadFaceApi } from '../../face/face-api-node.js';
import { type EmotionAdapter, filesSize, toFerOrder } from './adapter.js';

/** FACE_EXPRESSION_LABELS: neutral, happy, sad, angry, fearful, disgusted, surprised -> FERPlus indices. */
const FER_INDEX = [0, 1, 3, 4, 6, 5, 2];

export async function faceApiAdapter(): Promise<EmotionAdapter> {
  const faceapi = await loadFaceApi('wasm');
  const dir = faceApiModelDir();
  const net = faceapi.nets.faceExpressionNet;
  if (!net.isLoaded) await net.loadFromDisk(dir);
  const labels = Array.from(faceapi.FACE_EXPRESSION_LABELS);
  if (labels.join() !== 'neutral,happy,sad,angry,fearful,disgusted,surprised')
    throw new Error(`unexpected face-api expression labels: ${labels.join()}`);
  const tf = faceapi.tf;
  return {
    name: 'face-api.js FaceExpressionNet',
    source: '@vladmandic/face-api, model/face_expression_model',
    classes: FER_INDEX,
    referenceAccuracy8: 0.689,
    sizeBytes: await filesSize([
      path.join(dir, 'face_expression_model-weights_manifest.json'),
      path.join(dir, 'face_expression_model.bin'),
    ]),
    async predict(faces, count) {
      const rgb = new Float32Array(count * 48 * 48 * 3);
      for (let i = 0; i < faces.length; i++) rgb.fill(faces[i], 3 * i, 3 * i + 3);
      const input = tf.tensor4d(rgb, [count, 48, 48, 3]);
      // A list of 3-D images is face-api's batch input (a 4-D tensor would be taken as features).
      const images = tf.unstack(input);
      try {
        const out = await net.forward(images as never);
        const probs = (await out.data()) as Float32Array;
        out.dispose();
        return toFerOrder(probs, count, FER_INDEX);
      } finally {
        input.dispose();
        for (const t of images) t.dispose();
      }
    },
    dispose() {},
  };
}
