/** A trained model loaded from disk in Node (see EmotionNet for the inference itself). */
import { fileURLToPath } from 'node:url';
import { type BackendChoice, initBackend } from '../engine/backend.js';
import { loadModel } from '../model/io.js';
import { EmotionNet } from './emotion-net.js';

export { EmotionNet, type FacePrediction } from './emotion-net.js';

/** The model shipped with the package: models/ferplus-ran. */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../models/ferplus-ran', import.meta.url));
}

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
