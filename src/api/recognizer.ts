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
import {
  checkFaceApiWeight,
  type ExpressionTeacher,
  loadFaceExpressionNet,
} from '../face/face-expression-net.js';
import { ImageError, type ImageInput, loadRgbImage, resizeGrey } from '../face/image.js';
import { EmotionEnsemble } from '../infer/ensemble.js';
import { defaultModelDir, FaceEmotionModel } from '../infer/face-model.js';
import { modelDirs } from '../infer/model-dir.js';
import { defaultThreads, loadOnnxRuntimeNode, OnnxEmotionNet } from '../infer/onnx-emotion-net.js';
import { OnnxFaceNetworks } from '../infer/onnx-face-api.js';
import type { EmotionPredictor } from '../infer/predictor.js';
import { RanferError } from '../util/errors.js';
import { checkRecognizerOptions, OptionError } from './options.js';
import {
  type ClassifyOptions,
  checkEmotionModel,
  classifyWithConfig,
  type EmotionResult,
  type FaceFinding,
  type RecognizedFace,
  type RecognizeTimings,
  recognizeRgb,
  stackFaces,
} from './pipeline.js';

export type { EmotionResult, FaceFinding, RecognizedFace, RecognizeTimings } from './pipeline.js';

export interface RecognizerConfig extends DetectorOptions, ClassifyOptions, FaceFinding {
  /**
   * Folder of the emotion model (model.json + weights.bin); the shipped FERPlus RAN by default. Several
   * folders make an ensemble: the softmax of the models' mean logits (same input, classes and regions).
   */
  modelDir?: string | readonly string[];
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

export class Recognizer {
  private disposed = false;

  private constructor(
    private readonly model: EmotionPredictor,
    private readonly detector: FaceDetector,
    private readonly config: RecognizerConfig,
    private readonly faceApi?: ExpressionTeacher,
  ) {}

  static async create(config: RecognizerConfig = {}): Promise<Recognizer> {
    checkRecognizerOptions(config, NODE_BACKENDS);
    const share = checkFaceApiWeight(config.faceApiWeight);
    const onnx = config.backend === 'onnx';
    const tfBackend: BackendChoice | undefined = config.backend === 'onnx' ? 'auto' : config.backend;
    if (onnx && config.regions === 'landmarks')
      throw new OptionError('regions', "'landmarks' needs TensorFlow.js: use another backend than 'onnx'");
    const faceapi = await loadFaceApi(tfBackend);
    const dirs = emotionModelDirs(config.modelDir);
    const model = await loadEmotionModels(dirs, (dir) =>
      onnx ? OnnxEmotionNet.load(dir) : FaceEmotionModel.load(dir, { backend: tfBackend }),
    );
    try {
      checkEmotionModel(model, config, dirs.join(', '));
      const faceDir = faceApiModelDir();
      const detector = await FaceDetector.create(faceapi, (net) => net.loadFromDisk(faceDir), config);
      if (onnx) {
        // The Tiny Face Detector's and the landmarks' networks on ONNX Runtime too (their weights are loaded now).
        detector.useNetworks(
          await OnnxFaceNetworks.create(faceapi, await loadOnnxRuntimeNode(), defaultThreads()),
        );
      }
      const faceApi =
        share > 0 ? await loadFaceExpressionNet(faceapi, (net) => net.loadFromDisk(faceDir)) : undefined;
      return new Recognizer(model, detector, config, faceApi);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** The emotion model (its classes, regions, input size, engine). */
  get emotionModel(): EmotionPredictor {
    return this.model;
  }

  /**
   * Finds every face of a photo and recognises its emotion. Throws `ImageError` for unreadable inputs.
   * `timings`, when given, receives the milliseconds of each stage.
   */
  async recognize(input: ImageInput, timings?: RecognizeTimings): Promise<RecognizedFace[]> {
    return this.run(input, undefined, timings);
  }

  /**
   * The faces of the next frame of a video, following `previous` (what `recognize` or `follow` gave for the
   * frame before) without the face detector: each face's landmarks are found again where it was, its box
   * moves with them. Faces that moved too far or left are missing from the result, and new faces appear
   * only with `recognize`: detect every few frames and follow in between (the detector is most of a
   * frame's cost).
   */
  async follow(
    input: ImageInput,
    previous: readonly RecognizedFace[],
    timings?: RecognizeTimings,
  ): Promise<RecognizedFace[]> {
    return this.run(input, previous, timings);
  }

  private async run(
    input: ImageInput,
    follow: readonly RecognizedFace[] | undefined,
    timings?: RecognizeTimings,
  ): Promise<RecognizedFace[]> {
    this.checkOpen();
    const t = performance.now();
    const image = await loadRgbImage(input, {
      maxSide: this.config.maxSide,
      maxPixels: this.config.maxPixels,
    });
    if (timings) timings.decodeMs = performance.now() - t;
    return recognizeRgb(
      image,
      this.detector,
      this.model,
      { ...this.config, scale: image.scale, faceApi: this.faceApi, follow },
      timings,
    );
  }

  /**
   * Classifies faces that are already aligned and cropped (FERPlus framing, no detection): images of any
   * size and colour, resized to the model's grey input.
   */
  async classifyAligned(faces: ImageInput | ImageInput[]): Promise<EmotionResult[]> {
    this.checkOpen();
    const grey = async (face: ImageInput, size: number) => resizeGrey(await loadRgbImage(face), size);
    return this.classifyPixels(await stackFaces(faces, this.model.size, grey));
  }

  /** Classifies `count` aligned faces given as size x size grey uint8 pixels, back to back. */
  async classifyPixels(pixels: Uint8Array, boxes?: Float32Array): Promise<EmotionResult[]> {
    this.checkOpen();
    return classifyWithConfig(this.model, pixels, this.config, this.faceApi, boxes);
  }

  /** Releases the model's tensors; the recognizer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    this.detector.dispose();
  }

  private checkOpen(): void {
    if (this.disposed)
      throw new RanferError(
        'this recognizer was disposed: create another with createRecognizer()',
        'RANFER_DISPOSED',
      );
  }
}

/** The folders of the `modelDir` option: the shipped model's by default. */
function emotionModelDirs(option: RecognizerConfig['modelDir']): string[] {
  if (option === undefined) return [defaultModelDir()];
  try {
    return modelDirs(typeof option === 'string' ? [option] : option);
  } catch {
    throw new OptionError('modelDir', 'expected a folder or a non-empty list of folders');
  }
}

/** One model, or the ensemble of several (each disposed again if another fails to load or match). */
async function loadEmotionModels(
  dirs: readonly string[],
  load: (dir: string) => Promise<EmotionPredictor>,
): Promise<EmotionPredictor> {
  const members: EmotionPredictor[] = [];
  try {
    for (const dir of dirs) members.push(await load(dir));
    return members.length === 1 ? members[0] : new EmotionEnsemble(members);
  } catch (err) {
    for (const m of members) m.dispose();
    throw err;
  }
}

/** Loads the emotion model and the face detector. */
export function createRecognizer(config: RecognizerConfig = {}): Promise<Recognizer> {
  return Recognizer.create(config);
}

export { ImageError };
