/**
 * The public entry point in Node: photos in, faces with their emotions out.
 *
 * ```ts
 * const fer = await createRecognizer();
 * const faces = await fer.recognize('photo.jpg');
 * console.log(faces[0].emotion, faces[0].probabilities);
 * fer.dispose();
 * ```
 */
import type { BackendChoice } from '../engine/backend.js';
import { type DetectorOptions, FaceDetector } from '../face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../face/face-api-node.js';
import { checkFaceApiWeight, loadFaceExpressionNet } from '../face/face-expression-net.js';
import { ImageError, type ImageInput, loadRgbImage, resizeGrey } from '../face/image.js';
import { loadEmotionModels } from '../infer/ensemble.js';
import { FaceEmotionModel } from '../infer/face-model.js';
import { modelDirs, shippedModelDirs } from '../infer/model-dir.js';
import { defaultThreads, loadOnnxRuntimeNode, OnnxEmotionNet } from '../infer/onnx-emotion-net.js';
import { onnxFaceNetworks } from '../infer/onnx-face-api.js';
import type { EmotionPredictor } from '../infer/predictor.js';
import type { ShippedModel } from '../infer/shipped-models.js';
import { checkRecognizerOptions, OptionError } from './options.js';
import { type ClassifyOptions, checkEmotionModel, type FaceFinding } from './pipeline.js';
import { type DecodedImage, RecognizerBase } from './recognizer-base.js';

export type { EmotionResult, FaceFinding, RecognizedFace, RecognizeTimings } from './pipeline.js';

export interface RecognizerConfig extends DetectorOptions, ClassifyOptions, FaceFinding {
  /**
   * Folder of the emotion model (model.json + weights.bin); the shipped FERPlus RAN by default. Several
   * folders make an ensemble: the softmax of the models' mean logits (same input, classes and regions).
   */
  modelDir?: string | readonly string[];
  /**
   * A shipped model by name, instead of `modelDir`: `'default'` (one RAN), or `'ensemble'`, the accuracy
   * mode (the default RAN and a second one distilled from an ensemble, as the mean of their logits): more
   * accurate on FERPlus and its occlusion and pose subsets, twice the cost of a face.
   */
  model?: ShippedModel;
  /**
   * Engine (default `auto`: TensorFlow.js on tfjs-node when installed, else WASM). `onnx`: the emotion
   * model, the Tiny Face Detector's and the 68-landmark networks on ONNX Runtime (`onnxruntime-node`,
   * installed by the user), the rest (and the SSD detector) on TensorFlow.js (`auto`); landmark regions
   * need TensorFlow.js.
   */
  backend?: BackendChoice | 'onnx';
  /** Longer side above which photos are downsized before detection (default 2048). */
  maxSide?: number;
  /** Photos with more pixels are refused with an ImageError (default 100 million). */
  maxPixels?: number;
}

/** The backends `createRecognizer` accepts. */
export const NODE_BACKENDS = ['auto', 'wasm', 'cpu', 'tensorflow', 'onnx'] as const;

/** Recognises the faces of photos (files, buffers, pixels); create it with `createRecognizer()`. */
export class Recognizer extends RecognizerBase<ImageInput, EmotionPredictor, RecognizerConfig> {
  static async create(config: RecognizerConfig = {}): Promise<Recognizer> {
    checkRecognizerOptions(config, NODE_BACKENDS);
    const share = checkFaceApiWeight(config.faceApiWeight);
    const onnx = config.backend === 'onnx';
    const tfBackend: BackendChoice | undefined = config.backend === 'onnx' ? 'auto' : config.backend;
    if (onnx && config.regions === 'landmarks')
      throw new OptionError('regions', "'landmarks' needs TensorFlow.js: use another backend than 'onnx'");
    const faceapi = await loadFaceApi(tfBackend);
    const dirs = recognizerModelDirs(config);
    const model = await loadEmotionModels(dirs, (dir) =>
      onnx ? OnnxEmotionNet.load(dir) : FaceEmotionModel.load(dir, { backend: tfBackend }),
    );
    try {
      checkEmotionModel(model, config, dirs.join(', '));
      const faceDir = faceApiModelDir();
      const detector = await FaceDetector.create(faceapi, (net) => net.loadFromDisk(faceDir), config);
      if (onnx) {
        // The Tiny Face Detector's and the landmarks' networks on ONNX Runtime too (their weights are loaded now).
        detector.useNetworks(await onnxFaceNetworks(faceapi, await loadOnnxRuntimeNode(), defaultThreads()));
      }
      const faceApi =
        share > 0 ? await loadFaceExpressionNet(faceapi, (net) => net.loadFromDisk(faceDir)) : undefined;
      return new Recognizer(model, detector, config, faceApi);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  protected async decode(input: ImageInput): Promise<DecodedImage> {
    const { maxSide, maxPixels } = this.config;
    const image = await loadRgbImage(input, { maxSide, maxPixels });
    return { image, options: { ...this.config, scale: image.scale } };
  }

  protected async greyFace(face: ImageInput, size: number): Promise<Uint8Array> {
    return resizeGrey(await loadRgbImage(face), size);
  }

  protected release(): void {
    this.predictor.dispose();
    this.detector.dispose();
  }
}

/** The emotion model folders of a config (`model` or `modelDir`): the default shipped model's by default. */
export function recognizerModelDirs(config: Pick<RecognizerConfig, 'model' | 'modelDir'>): string[] {
  checkRecognizerOptions(config, NODE_BACKENDS);
  const option = config.modelDir;
  if (option === undefined) return shippedModelDirs(config.model ?? 'default');
  try {
    return modelDirs(typeof option === 'string' ? [option] : option);
  } catch {
    throw new OptionError('modelDir', 'expected a folder or a non-empty list of folders');
  }
}

/** Loads the emotion model and the face detector. */
export function createRecognizer(config: RecognizerConfig = {}): Promise<Recognizer> {
  return Recognizer.create(config);
}

export { ImageError };
