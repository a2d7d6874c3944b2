/** ranfer's own model as a compared model. */
import path from 'node:path';
import { FaceEmotionModel } from '../../../infer/face-model.js';
import { type EmotionAdapter, filesSize } from './adapter.js';

export async function ranferAdapter(modelDir: string): Promise<EmotionAdapter> {
  const model = await FaceEmotionModel.load(modelDir, { backend: 'wasm' });
  return {
    name: 'ranfer (RAN)',
    source: `this package, ${path.basename(path.resolve(modelDir))}/model.json + weights.bin`,
    classes: [0, 1, 2, 3, 4, 5, 6, 7],
    sizeBytes: await filesSize([path.join(modelDir, 'model.json'), path.join(modelDir, 'weights.bin')]),
    async predict(faces) {
      return model.predict(faces).probs;
    },
    dispose: () => model.dispose(),
  };
}
