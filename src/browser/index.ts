/**
 * ranfer in the browser (`import { createRecognizer } from 'ranfer/browser'`): no Node imports. The same
 * pipeline and face result as the Node entry, on TensorFlow.js's WebGPU, WebGL or WASM backend, with the
 * shipped model, face-api's detector and landmarks, and the WASM binaries served from the package's own
 * files (bundlers emit them from the `new URL(..., import.meta.url)` references below), or from URLs the
 * app gives.
 *
 * ```js
 * const fer = await createRecognizer();            // backend: WebGPU or WebGL on a GPU, else WASM
 * const faces = await fer.recognize(imageElement); // or a video, canvas, ImageBitmap, ImageData
 * fer.dispose();
 * ```
 */
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as faceapiModule from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import { checkRecognizerOptions, OptionError } from '../api/options.js';
import {
  type ClassifyOptions,
  checkEmotionModel,
  type EmotionResult,
  type RecognizedFace,
  type RecognizeTimings,
} from '../api/pipeline.js';
import { type DecodedImage, RecognizerBase } from '../api/recognizer-base.js';
import { EMOTION_COLORS, REGION_COLORS } from '../data/colors.js';
import { EMOTIONS, type Emotion } from '../data/emotions.js';
import { registerTrainingKernels } from '../engine/kernels/register.js';
import { type DetectorOptions, type FaceApiModule, FaceDetector } from '../face/detector.js';
import {
  checkFaceApiWeight,
  type ExpressionTeacher,
  loadFaceExpressionNet,
} from '../face/face-expression-net.js';
import type { FaceFinding } from '../face/find.js';
import { tfjsFaceNetworks } from '../face/tfjs-face-networks.js';
import { EmotionNet } from '../infer/emotion-net.js';
import { loadEmotionModels } from '../infer/ensemble.js';
import type { EmotionPredictor } from '../infer/predictor.js';
import { SHIPPED_MODELS, type ShippedFolder, type ShippedModel } from '../infer/shipped-models.js';
import { parseModel } from '../model/format.js';
import { type BrowserImage, BrowserImageError, toGreySquare, toRgb } from './pixels.js';

export { FollowSchedule, type FrameRecognizer } from '../api/follow-schedule.js';
export { OptionError } from '../api/options.js';
export type { Box } from '../face/detector.js';
export type { ShippedModel } from '../infer/shipped-models.js';
export { RanferError } from '../util/errors.js';
export {
  type BrowserImage,
  BrowserImageError,
  EMOTION_COLORS,
  EMOTIONS,
  type Emotion,
  type EmotionResult,
  REGION_COLORS,
  type RecognizedFace,
  type RecognizeTimings,
};

const faceapi = faceapiModule as unknown as FaceApiModule;

/** A TensorFlow.js backend the browser recognizer can run on. */
export type BrowserBackend = 'webgpu' | 'webgl' | 'wasm';

export interface BrowserRecognizerConfig extends DetectorOptions, ClassifyOptions, FaceFinding {
  /**
   * `'auto'` (default): WebGPU, then WebGL, the first that starts on a hardware GPU, else WASM (on a
   * software rasteriser WASM is many times faster); or one of them.
   */
  backend?: BrowserBackend | 'auto';
  /**
   * A folder URL with the RAN's `model.json` and `weights.bin` (default: the package's shipped model).
   * Several folder URLs make an ensemble: the softmax of the models' mean logits (same input, classes and
   * regions).
   */
  modelUrl?: string | URL | readonly (string | URL)[];
  /**
   * A shipped model by name, instead of `modelUrl`: `'default'` (one RAN), or `'ensemble'`, the accuracy
   * mode (the default RAN and a second one distilled from an ensemble, as the mean of their logits): more
   * accurate on FERPlus and its occlusion and pose subsets, twice the cost (and download) of a face.
   */
  model?: ShippedModel;
  /**
   * A folder URL with face-api's weight files (default: the package's copies of the Tiny Face Detector,
   * the 68-point landmark network and FaceExpressionNet; `detector: 'ssd'` needs this folder to hold SSD
   * MobileNet v1's).
   */
  faceApiUrl?: string | URL;
  /** A folder URL with TensorFlow.js's WASM binaries (default: the package's copies). */
  wasmUrl?: string | URL;
}

/** The package's shipped model folders (written out whole, so that bundlers find them). */
const OWN_MODELS: Record<ShippedFolder, { model: string; weights: string }> = {
  'ferplus-ran': {
    model: new URL('../../models/ferplus-ran/model.json', import.meta.url).href,
    weights: new URL('../../models/ferplus-ran/weights.bin', import.meta.url).href,
  },
  'ferplus-ran-distilled': {
    model: new URL('../../models/ferplus-ran-distilled/model.json', import.meta.url).href,
    weights: new URL('../../models/ferplus-ran-distilled/weights.bin', import.meta.url).href,
  },
};

const OWN = {
  tinyManifest: new URL('./assets/tiny_face_detector_model-weights_manifest.json', import.meta.url).href,
  tinyWeights: new URL('./assets/tiny_face_detector_model.bin', import.meta.url).href,
  landmarkManifest: new URL('./assets/face_landmark_68_model-weights_manifest.json', import.meta.url).href,
  landmarkWeights: new URL('./assets/face_landmark_68_model.bin', import.meta.url).href,
  expressionManifest: new URL('./assets/face_expression_model-weights_manifest.json', import.meta.url).href,
  expressionWeights: new URL('./assets/face_expression_model.bin', import.meta.url).href,
  wasm: new URL('./assets/tfjs-backend-wasm.wasm', import.meta.url).href,
  wasmSimd: new URL('./assets/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
  wasmThreaded: new URL('./assets/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
};

const folder = (url: string | URL) => {
  const s = String(url);
  return s.endsWith('/') ? s : `${s}/`;
};

async function fetchOk(url: string, as: 'text'): Promise<string>;
async function fetchOk(url: string, as: 'bytes'): Promise<ArrayBuffer>;
async function fetchOk(url: string, as: 'text' | 'bytes'): Promise<string | ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return as === 'text' ? res.text() : res.arrayBuffer();
}

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** Whether WebGPU has a hardware adapter (not a software fallback such as SwiftShader). */
async function hardwareWebGpu(): Promise<boolean> {
  type Adapter = { isFallbackAdapter?: boolean; info?: Record<string, string> };
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return false;
  const info = adapter.info ?? {};
  return (
    !adapter.isFallbackAdapter && !SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.description}`)
  );
}

/** Whether WebGL runs on a GPU (not a software rasteriser, where WASM is many times faster). */
function hardwareWebGl(): boolean {
  const canvas =
    typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
  if (!gl) return false;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return !SOFTWARE.test(renderer);
}

/**
 * Starts the first backend of `choice` that works and says which it is. `'auto'` takes WebGPU or WebGL only
 * on a hardware GPU, else WASM.
 */
async function startBackend(
  choice: BrowserBackend | 'auto',
  wasmUrl?: string | URL,
): Promise<BrowserBackend> {
  setWasmPaths(
    wasmUrl
      ? folder(wasmUrl)
      : {
          'tfjs-backend-wasm.wasm': OWN.wasm,
          'tfjs-backend-wasm-simd.wasm': OWN.wasmSimd,
          'tfjs-backend-wasm-threaded-simd.wasm': OWN.wasmThreaded,
        },
  );
  registerTrainingKernels();
  const order: BrowserBackend[] = choice === 'auto' ? ['webgpu', 'webgl', 'wasm'] : [choice];
  for (const name of order) {
    if (name === 'webgpu' && !(choice === 'auto' ? await hardwareWebGpu() : 'gpu' in navigator)) continue;
    if (name === 'webgl' && choice === 'auto' && !hardwareWebGl()) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // Try the next one.
    }
  }
  throw new Error(`no TensorFlow.js backend of ${order.join(', ')} could start in this browser`);
}

type FaceApiNet = Parameters<Parameters<typeof FaceDetector.create>[1]>[0] & {
  loadFromWeightMap(map: tf.NamedTensorMap): void;
};

/** Loads a face-api network from its manifest and single weight file. */
async function loadNet(net: FaceApiNet, manifestUrl: string, weightsUrl: string): Promise<void> {
  const [manifest, weights] = await Promise.all([fetchOk(manifestUrl, 'text'), fetchOk(weightsUrl, 'bytes')]);
  const specs = (JSON.parse(manifest) as { weights: tf.io.WeightsManifestEntry[] }[]).flatMap(
    (g) => g.weights,
  );
  net.loadFromWeightMap(tf.io.decodeWeights(weights, specs));
}

/** Where one RAN's files are, and what to call it in errors. */
interface ModelSource {
  model: string;
  weights: string;
  where: string;
}

/** The models of the `modelUrl` option (folder URLs), else of `model` (the shipped default one by default). */
function modelSources(config: BrowserRecognizerConfig): ModelSource[] {
  const option = config.modelUrl;
  if (option === undefined)
    return SHIPPED_MODELS[config.model ?? 'default'].map((f) => ({
      ...OWN_MODELS[f],
      where: `the shipped ${f}`,
    }));
  const list = typeof option === 'string' || option instanceof URL ? [option] : [...option];
  if (list.length === 0 || list.some((u) => String(u).trim() === ''))
    throw new OptionError('modelUrl', 'expected a folder URL or a non-empty list of folder URLs');
  return list
    .map(folder)
    .map((url) => ({ model: `${url}model.json`, weights: `${url}weights.bin`, where: url }));
}

/** One RAN from its files. */
async function loadEmotionNet(source: ModelSource): Promise<EmotionNet> {
  const [manifest, weights] = await Promise.all([
    fetchOk(source.model, 'text'),
    fetchOk(source.weights, 'bytes'),
  ]);
  return new EmotionNet(parseModel(manifest, new Uint8Array(weights), source.where), source.where);
}

/** Recognises the faces of browser images; create it with `createRecognizer()`. */
export class BrowserRecognizer extends RecognizerBase<
  BrowserImage,
  EmotionPredictor,
  BrowserRecognizerConfig
> {
  private constructor(
    model: EmotionPredictor,
    detector: FaceDetector,
    config: BrowserRecognizerConfig,
    /** The backend it runs on. */
    readonly backend: BrowserBackend,
    faceApi?: ExpressionTeacher,
  ) {
    super(model, detector, config, faceApi);
  }

  static async create(config: BrowserRecognizerConfig = {}): Promise<BrowserRecognizer> {
    checkRecognizerOptions(config, ['auto', 'webgpu', 'webgl', 'wasm']);
    const share = checkFaceApiWeight(config.faceApiWeight);
    const backend = await startBackend(config.backend ?? 'auto', config.wasmUrl);
    const sources = modelSources(config);
    const model = await loadEmotionModels(sources, loadEmotionNet);
    try {
      checkEmotionModel(model, config, sources.map((m) => m.where).join(', '));
      const faceApiUrl = config.faceApiUrl ? folder(config.faceApiUrl) : undefined;
      if (!faceApiUrl && config.detector === 'ssd')
        throw new Error("detector 'ssd' needs faceApiUrl: a folder with face-api's SSD MobileNet v1 weights");
      const detector = await FaceDetector.create(
        faceapi,
        (net) => {
          if (faceApiUrl) return net.loadFromUri(faceApiUrl);
          const own = net === faceapi.nets.tinyFaceDetector;
          return loadNet(
            net as FaceApiNet,
            own ? OWN.tinyManifest : OWN.landmarkManifest,
            own ? OWN.tinyWeights : OWN.landmarkWeights,
          );
        },
        config,
      );
      // On a GPU, face-api's networks run here with their results read back without blocking (face-api's own
      // calls read synchronously: a stall on a GPU, zeros on Chromium's software WebGPU).
      if (backend !== 'wasm') detector.useNetworks(tfjsFaceNetworks(faceapi));
      const faceApi =
        share > 0
          ? await loadFaceExpressionNet(faceapi, (net) =>
              faceApiUrl
                ? net.loadFromUri(faceApiUrl)
                : loadNet(net as FaceApiNet, OWN.expressionManifest, OWN.expressionWeights),
            )
          : undefined;
      return new BrowserRecognizer(model, detector, config, backend, faceApi);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** The RAN, or the ensemble of several (classes, regions, input size): the same as `emotionModel`. */
  get model(): EmotionPredictor {
    return this.predictor;
  }

  protected decode(input: BrowserImage): DecodedImage {
    // Frames of a video or webcam share one orientation: no turned retries on frames without a face.
    const video = typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement;
    return { image: toRgb(input), options: video ? { rotations: false, ...this.config } : this.config };
  }

  protected greyFace(face: BrowserImage, size: number): Uint8Array {
    return toGreySquare(face, size);
  }

  /** Frees the RAN's weights (face-api's networks stay loaded for other recognizers of the page). */
  protected release(): void {
    this.predictor.dispose();
  }
}

/** A recognizer with the shipped model, on the best backend the browser offers unless `config.backend` says. */
export function createRecognizer(config: BrowserRecognizerConfig = {}): Promise<BrowserRecognizer> {
  return BrowserRecognizer.create(config);
}
