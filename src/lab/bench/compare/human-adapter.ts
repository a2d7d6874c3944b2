/**
 * Human's emotion model (@vladmandic/human, models/emotion.json: oarriaga's face_classification CNN),
 * with the preprocessing of Human's src/gear/emotion.ts: the face as RGB in 0..1, resized (bilinear) to
 * 64x64, grey = 0.2989 R + 0.5870 G + 0.1140 B, then (grey - 0.5) * 2; the output is already softmax.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tfc from '@tensorflow/tfjs';
import { initBackend } from '../../../engine/backend.js';
import { toFerOrder } from '../../train/expression-teacher.js';
import { type EmotionAdapter, filesSize } from './adapter.js';

/** Human's labels for its grey model: angry, disgust, fear, happy, sad, surprise, neutral -> FERPlus. */
const FER_INDEX = [4, 5, 6, 1, 3, 2, 0];

export function humanModelDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports no package.json: its Node entry is dist/human.node.js, the models sit beside dist/.
  return path.join(path.dirname(path.dirname(require.resolve('@vladmandic/human'))), 'models');
}

export async function humanAdapter(): Promise<EmotionAdapter> {
  await initBackend('wasm');
  const dir = humanModelDir();
  const json = JSON.parse(await readFile(path.join(dir, 'emotion.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tfc.io.WeightsManifestEntry[] }>;
  };
  const binFiles = json.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p)));
  const buffers = await Promise.all(binFiles.map((f) => readFile(f)));
  const weightData = Buffer.concat(buffers);
  const model = await tfc.loadGraphModel(
    tfc.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.length),
    }),
  );
  const shape = model.inputs[0].shape ?? [];
  if (shape[1] !== 64 || shape[3] !== 1) throw new Error(`unexpected Human emotion input ${shape.join('x')}`);
  const rgbWeights = tfc.tensor1d([0.2989, 0.587, 0.114]);
  return {
    name: 'Human emotion',
    source: '@vladmandic/human, models/emotion.json',
    classes: FER_INDEX,
    referenceAccuracy8: 0.666,
    sizeBytes: await filesSize([path.join(dir, 'emotion.json'), ...binFiles]),
    async predict(faces, count) {
      const out = tfc.tidy(() => {
        const grey = tfc.div(tfc.tensor4d(faces, [count, 48, 48, 1], 'float32'), 255);
        const rgb = tfc.tile(grey, [1, 1, 1, 3]);
        const resized = tfc.image.resizeBilinear(rgb as tfc.Tensor4D, [64, 64], false);
        const g = tfc.sum(tfc.mul(resized, rgbWeights), 3, true);
        return model.execute(tfc.mul(tfc.sub(g, 0.5), 2)) as tfc.Tensor;
      });
      const probs = (await out.data()) as Float32Array;
      out.dispose();
      return toFerOrder(probs, count, FER_INDEX);
    },
    dispose() {
      rgbWeights.dispose();
      model.dispose();
    },
  };
}
