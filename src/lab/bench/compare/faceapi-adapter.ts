/** face-api.js's FaceExpressionNet (@vladmandic/face-api) as a compared model (see lab/train/expression-teacher.ts). */
import path from 'node:path';
import { faceApiModelDir } from '../../../face/face-api-node.js';
import { IMAGE_SIZE } from '../../data/ferplus.js';
import { FACE_API_FER_INDEX, faceApiExpressionTeacher } from '../../train/expression-teacher.js';
import { type EmotionAdapter, filesSize } from './adapter.js';

export async function faceApiAdapter(): Promise<EmotionAdapter> {
  const net = await faceApiExpressionTeacher('wasm');
  const dir = faceApiModelDir();
  return {
    name: 'face-api.js FaceExpressionNet',
    source: '@vladmandic/face-api, model/face_expression_model',
    classes: [...FACE_API_FER_INDEX],
    referenceAccuracy8: 0.689,
    sizeBytes: await filesSize([
      path.join(dir, 'face_expression_model-weights_manifest.json'),
      path.join(dir, 'face_expression_model.bin'),
    ]),
    predict: (faces, count) => net.predict(faces, count, IMAGE_SIZE),
    dispose() {},
  };
}
