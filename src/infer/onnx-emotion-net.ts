/**
 * A ranfer model run by ONNX Runtime in Node (`onnxruntime-node`, an optional dependency the user installs):
 * the model's graph as `exportOnnx` writes it, built in memory when the model loads, with the same
 * prediction recipe (prior weight, flip TTA) as TensorFlow.js applied to its logits. On the main thread
 * the session uses every core; in a worker thread (`recognizeMany`) one, so that workers do not
 * oversubscribe the cores.
 */
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { exportOnnx } from '../export/onnx-model.js';
import type { ModelManifest, ModelWeights } from '../model/format.js';
import { loadModel } from '../model/io.js';
import { flipHorizontal } from '../model/preprocess.js';
import { RanferError } from '../util/errors.js';
import { argmaxRows } from '../util/probabilities.js';
import { defaultModelDir } from './model-dir.js';
import {
  type EmotionPredictor,
  type FacePrediction,
  ModelOutline,
  type PredictOptions,
} from './predictor.js';
import { networkProbabilities, predictionRecipe } from './recipe.js';

/** The part of onnxruntime-node's API used here (its types stay out of ranfer's, as it is optional). */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** onnxruntime-node, or a `RanferError` (code `RANFER_NO_ONNXRUNTIME`) saying how to install it. */
export async function loadOnnxRuntimeNode(): Promise<OrtModule> {
  try {
    const name = 'onnxruntime-node';
    return (await import(name)) as OrtModule;
  } catch {
    throw new RanferError(
      "backend 'onnx' needs onnxruntime-node: npm install onnxruntime-node (ONNXRUNTIME_NODE_INSTALL=skip installs its CPU build only)",
      'RANFER_NO_ONNXRUNTIME',
    );
  }
}

/** Whether onnxruntime-node can be loaded (benchmarks add its rows only then). */
export async function hasOnnxRuntime(): Promise<boolean> {
  return loadOnnxRuntimeNode().then(
    () => true,
    () => false,
  );
}

/**
 * ranfer's ONNX Runtime session options: `threads` intra-op threads that sleep between runs (spinning
 * ones took the cores from decoding and alignment between the networks' calls: a photo took longer).
 */
export function sessionOptions(threads: number): Record<string, unknown> {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** ONNX Runtime's intra-op threads for ranfer's sessions: every core on the main thread, one in a worker thread. */
export function defaultThreads(): number {
  return isMainThread ? os.availableParallelism() : 1;
}

export class OnnxEmotionNet extends ModelOutline implements EmotionPredictor {
  readonly engine = 'onnxruntime' as const;
  private released = false;

  private constructor(
    manifest: ModelManifest,
    private readonly ort: OrtModule,
    private readonly session: OrtSession,
    /** The session's intra-op threads. */
    readonly threads: number,
  ) {
    super(manifest);
  }

  /**
   * Builds the ONNX graph of a model's weights and opens an ONNX Runtime session on it with `threads`
   * intra-op threads (default: every core on the main thread, one in a worker thread).
   */
  static async fromWeights(
    weights: ModelWeights,
    options: { threads?: number } = {},
  ): Promise<OnnxEmotionNet> {
    const ort = await loadOnnxRuntimeNode();
    const { bytes } = exportOnnx(weights);
    const threads = options.threads ?? defaultThreads();
    const session = await ort.InferenceSession.create(bytes, sessionOptions(threads));
    return new OnnxEmotionNet(weights.manifest, ort, session, threads);
  }

  /** Loads the model in `dir` (model.json + weights.bin, checksum verified) onto ONNX Runtime. */
  static async load(dir = defaultModelDir(), options: { threads?: number } = {}): Promise<OnnxEmotionNet> {
    return OnnxEmotionNet.fromWeights(await loadModel(dir), options);
  }

  async predictAsync(faces: Uint8Array, options: PredictOptions = {}): Promise<FacePrediction> {
    if (this.released) throw new RanferError('the ONNX Runtime session was released', 'RANFER_DISPOSED');
    const px = this.size * this.size;
    if (faces.length === 0 || faces.length % px !== 0)
      throw new Error(`expected ${this.size}x${this.size} grey faces, got ${faces.length} values`);
    if (options.boxes)
      throw new Error(
        'landmark regions need the TensorFlow.js engine (the ONNX graph cuts the fixed regions)',
      );
    const recipe = predictionRecipe({ flipTta: options.flipTta, priorWeight: options.priorWeight });
    const dims = [faces.length / px, 1, this.size, this.size];
    // The graph takes pixel values 0..255 and normalises them itself.
    const pixels = Float32Array.from(faces);
    const run = async (input: Float32Array) => {
      const out = await this.session.run({ faces: new this.ort.Tensor('float32', input, dims) });
      const attention = out.attention ? Float32Array.from(out.attention.data as Float32Array) : undefined;
      return { logits: Float32Array.from(out.logits.data as Float32Array), attention };
    };
    const out = await run(pixels);
    const mirrored = recipe.flipTta ? (await run(flipHorizontal(pixels, this.size))).logits : undefined;
    const k = this.classes.length;
    const probs = networkProbabilities(recipe, this.manifest.prior, k, out.logits, mirrored);
    return { probs, top: argmaxRows(probs, k), attention: out.attention };
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    void this.session.release();
  }
}
