/**
 * A trained model ready for inference in this thread (browser-safe): aligned 48x48 grey faces in,
 * emotion probabilities and region attention out. `FaceEmotionModel.load` (infer/face-model.ts) reads
 * one from disk in Node; the web app builds one from fetched files.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkWeightsFit, type ModelWeights } from '../model/format.js';
import type { Network } from '../model/network.js';
import { flipHorizontal, normalizePixels } from '../model/preprocess.js';
import { createNetwork } from '../model/registry.js';
import { inferenceContext } from '../nn/context.js';
import { argmaxRows } from '../util/probabilities.js';
import {
  type EmotionPredictor,
  type FacePrediction,
  ModelOutline,
  type PredictOptions,
} from './predictor.js';
import { networkProbabilities, predictionRecipe } from './recipe.js';

export type { FacePrediction } from './predictor.js';

/** Region boxes [top, left, bottom, right] of left-right mirrored faces. */
function mirrorBoxes(boxes: Float32Array): Float32Array {
  const out = Float32Array.from(boxes);
  for (let i = 0; i < boxes.length; i += 4) {
    out[i + 1] = 1 - boxes[i + 3];
    out[i + 3] = 1 - boxes[i + 1];
  }
  return out;
}

export class EmotionNet extends ModelOutline implements EmotionPredictor {
  readonly engine = 'tfjs' as const;
  private readonly network: Network;

  /** Builds the network a model file describes and loads its weights. */
  constructor(weights: ModelWeights, where = 'model') {
    super(weights.manifest);
    const network = createNetwork(weights.manifest.network, 0);
    try {
      checkWeightsFit(network.params.size, network.state.size, weights, where);
    } catch (err) {
      network.dispose();
      throw err;
    }
    network.params.write(weights.params);
    network.state.write(weights.state);
    this.network = network;
  }

  /**
   * Predicts `count` faces given as uint8 pixels (count x size x size) or already normalised floats.
   * `boxes`: landmark-mode regions (see `landmarkBoxes`), one set per face; the fixed regions otherwise.
   * `priorWeight`: how much the training data's class frequencies weigh (model/prior.ts; default: the
   * model's own setting).
   */
  predict(faces: Uint8Array | Float32Array, options: PredictOptions = {}): FacePrediction {
    const px = this.size * this.size;
    if (faces.length === 0 || faces.length % px !== 0) {
      throw new Error(`expected ${this.size}x${this.size} grey faces, got ${faces.length} values`);
    }
    const count = faces.length / px;
    const x = faces instanceof Uint8Array ? normalizePixels(faces) : faces;
    const shape: [number, number, number, number] = [count, this.size, this.size, 1];
    if (options.boxes && this.manifest.network.kind !== 'ran')
      throw new Error('landmark regions need a RAN model');
    const run = (input: Float32Array, boxes = options.boxes) =>
      tf.tidy(() => {
        const p = this.network.predict(tf.tensor4d(input, shape), inferenceContext(), boxes);
        return {
          logits: Float32Array.from(p.logits.dataSync()),
          attention: p.attention ? Float32Array.from(p.attention.dataSync()) : undefined,
        };
      });
    const out = run(x);
    const k = this.classes.length;
    const mirrored = options.flipTta
      ? run(flipHorizontal(x, this.size), options.boxes && mirrorBoxes(options.boxes)).logits
      : undefined;
    const recipe = predictionRecipe({ flipTta: options.flipTta, priorWeight: options.priorWeight });
    const probs = networkProbabilities(recipe, this.manifest.prior, k, out.logits, mirrored);
    return { probs, top: argmaxRows(probs, k), attention: out.attention };
  }

  /** `predict`, as the promise every engine returns. */
  async predictAsync(faces: Uint8Array, options: PredictOptions = {}): Promise<FacePrediction> {
    return this.predict(faces, options);
  }

  dispose(): void {
    this.network.dispose();
  }
}
