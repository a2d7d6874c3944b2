/** ranfer's own model as a compared model, on TensorFlow.js (WASM) or on ONNX Runtime (`backend: 'onnx'`). */
import path from 'node:path';
import { FaceEmotionModel } from '../../../infer/face-model.js';
import { OnnxEmotionNet } from '../../../infer/onnx-emotion-net.js';
import type { EmotionPredictor } from '../../../infer/predictor.js';
import { type EmotionAdapter, filesSize } from './adapter.js';

export async function ranferAdapter(
  modelDir: string,
  engine: 'wasm' | 'onnx' = 'wasm',
): Promise<EmotionAdapter> {
  const model: EmotionPredictor =
    engine === 'onnx'
      ? await OnnxEmotionNet.load(modelDir)
      : await FaceEmotionModel.load(modelDir, { backend: 'wasm' });
  return {
    name: engine === 'onnx' ? 'ranfer (RAN), onnxruntime' : 'ranfer (RAN)',
    source: `this package, ${path.basename(path.resolve(modelDir))}/model.json + weights.bin`,
    classes: [0, 1, 2, 3, 4, 5, 6, 7],
    sizeBytes: await filesSize([path.join(modelDir, 'model.json'), path.join(modelDir, 'weights.bin')]),
    async predict(faces) {
      return (await model.predictAsync(faces)).probs;
    },
    dispose: () => model.dispose(),
  };
}
