/**
 * A trained model ready for inference in this thread (browser-safe): aligned 48x48 grey faces in,
 * emotion probabilities and region attention out. `FaceEmotionModel.load` (infer/face-model.ts) reads
 * one from disk in Node; the web app builds one from fetched files.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkWeightsFit, type ModelWeights } from '../model/format.js';
import type { Network, Prediction } from '../model/network.js';
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

/** One pass of the network, read back from the backend. */
interface NetworkOutput {
  logits: Float32Array;
  attention?: Float32Array;
}

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
   * model's own setting). Reads the results back synchronously: on a GPU backend use `predictAsync`.
   */
  predict(faces: Uint8Array | Float32Array, options: PredictOptions = {}): FacePrediction {
    return this.finish(
      this.passes(faces, options).map((p) => this.readSync(p)),
      options,
    );
  }

  /**
   * `predict`, as the promise every engine returns; the results are read back without blocking (on WebGPU
   * and WebGL a synchronous read stalls the page, and on some WebGPU implementations returns zeros).
   */
  async predictAsync(faces: Uint8Array, options: PredictOptions = {}): Promise<FacePrediction> {
    const outputs = this.passes(faces, options);
    const read: NetworkOutput[] = [];
    for (const p of outputs) read.push(await this.readAsync(p));
    return this.finish(read, options);
  }

  /** The network's outputs for the faces, and for their mirror images with flip TTA (still on the backend). */
  private passes(faces: Uint8Array | Float32Array, options: PredictOptions): Prediction[] {
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
        return p.attention ? { logits: p.logits, attention: p.attention } : { logits: p.logits };
      });
    const out = [run(x)];
    if (options.flipTta)
      out.push(run(flipHorizontal(x, this.size), options.boxes && mirrorBoxes(options.boxes)));
    return out;
  }

  private readSync(p: Prediction): NetworkOutput {
    try {
      return {
        logits: Float32Array.from(p.logits.dataSync()),
        attention: p.attention ? Float32Array.from(p.attention.dataSync()) : undefined,
      };
    } finally {
      tf.dispose([p.logits, p.attention].filter((t) => t !== undefined));
    }
  }

  private async readAsync(p: Prediction): Promise<NetworkOutput> {
    try {
      return {
        logits: Float32Array.from(await p.logits.data()),
        attention: p.attention ? Float32Array.from(await p.attention.data()) : undefined,
      };
    } finally {
      tf.dispose([p.logits, p.attention].filter((t) => t !== undefined));
    }
  }

  /** Probabilities by the prediction recipe from the read outputs (the mirrored pass second, if any). */
  private finish([out, mirror]: NetworkOutput[], options: PredictOptions): FacePrediction {
    const k = this.classes.length;
    const recipe = predictionRecipe({ flipTta: options.flipTta, priorWeight: options.priorWeight });
    const probs = networkProbabilities(recipe, this.manifest.prior, k, out.logits, mirror?.logits);
    return { probs, top: argmaxRows(probs, k), attention: out.attention };
  }

  dispose(): void {
    this.network.dispose();
  }
}
