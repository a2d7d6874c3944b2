/** A trained model loaded from disk in Node (see EmotionNet for the inference itself). */
import { type BackendChoice, initBackend } from '../engine/backend.js';
import { loadModel } from '../model/io.js';
import { EmotionNet } from './emotion-net.js';
import { defaultModelDir } from './model-dir.js';

export { EmotionNet, type FacePrediction } from './emotion-net.js';
export { defaultModelDir };

export class FaceEmotionModel extends EmotionNet {
  /** Starts the backend and loads the model in `dir` (model.json + weights.bin, checksum verified). */
  static async load(
    dir = defaultModelDir(),
    options: { backend?: BackendChoice } = {},
  ): Promise<FaceEmotionModel> {
    await initBackend(options.backend ?? 'auto');
    return new FaceEmotionModel(await loadModel(dir), dir);
  }
}
