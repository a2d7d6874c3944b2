/**
 * What the recognition pipeline needs of an emotion model, whatever engine runs it: TensorFlow.js
 * (`EmotionNet`, browser-safe) or ONNX Runtime in Node (`OnnxEmotionNet`). Browser-safe.
 */
import type { ModelManifest } from '../model/format.js';
import type { RegionBox } from '../model/regions.js';

export interface FacePrediction {
  /** n x classes probabilities. */
  probs: Float32Array;
  /** Top class of each face. */
  top: Uint8Array;
  /** n x regions attention weights (mu * nu), when the network has regions. */
  attention?: Float32Array;
}

export interface PredictOptions {
  /** Average with the mirrored faces' probabilities (flip test-time augmentation). */
  flipTta?: boolean;
  /** Landmark-mode region boxes, one set per face (RAN on TensorFlow.js only); the fixed regions otherwise. */
  boxes?: Float32Array;
  /** Weight of the training data's class prior (model/prior.ts; default: the model's own). */
  priorWeight?: number;
}

export interface EmotionPredictor {
  readonly manifest: ModelManifest;
  /** Side of the square grey faces the model takes. */
  readonly size: number;
  readonly classes: readonly string[];
  /** The RAN's fixed regions, in the order of its attention weights (none for other networks). */
  readonly regions: readonly RegionBox[];
  readonly regionNames: string[];
  /** The engine that runs the network: `tfjs` or `onnxruntime`. */
  readonly engine: 'tfjs' | 'onnxruntime';
  /** Predicts `count` faces given as uint8 pixels (count x size x size), by the prediction recipe. */
  predictAsync(faces: Uint8Array, options?: PredictOptions): Promise<FacePrediction>;
  dispose(): void;
}

/** What every engine's model reads from its model file: input size, classes, regions. */
export abstract class ModelOutline {
  constructor(readonly manifest: ModelManifest) {}

  get size(): number {
    return this.manifest.input.size;
  }

  get classes(): readonly string[] {
    return this.manifest.classes;
  }

  /** The RAN's fixed regions (name and normalised box), in the order of its attention weights. */
  get regions(): readonly RegionBox[] {
    const n = this.manifest.network;
    return n.kind === 'ran' ? n.regions : [];
  }

  get regionNames(): string[] {
    return this.regions.map((r) => r.name);
  }
}
