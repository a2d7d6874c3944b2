/**
 * The recogniser in the browser: TensorFlow.js on WASM (threaded when the page is cross-origin isolated,
 * which `ranfer serve` arranges), face-api.js for faces and landmarks, ranfer's RAN; the weights are
 * fetched from the app's own server. The pipeline is the same code the Node API runs.
 */

import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as tf from '@tensorflow/tfjs-core';
import * as faceapiModule from '@vladmandic/face-api/dist/face-api.esm-nobundle.js';
import {
  type ClassifyOptions,
  checkEmotionModel,
  type RecognizedFace,
  type RgbPixels,
  recognizeRgb,
} from '../../src/api/pipeline.js';
import { registerTrainingKernels } from '../../src/engine/kernels/register.js';
import { type DetectorOptions, type FaceApiModule, FaceDetector } from '../../src/face/detector.js';
import { EmotionNet } from '../../src/infer/emotion-net.js';
import { parseModel } from '../../src/model/format.js';

const faceapi = faceapiModule as unknown as FaceApiModule;

export interface BrowserRecognizerConfig extends DetectorOptions, ClassifyOptions {
  /** Where model.json and weights.bin are served (default ./models/ranfer/). */
  modelUrl?: string;
  /** Where face-api's weights are served (default ./models/face-api/). */
  faceApiUrl?: string;
}

async function startBackend(): Promise<string> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  registerTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend of TensorFlow.js failed to start');
  await tf.ready();
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return `WASM${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' SIMD' : ''}${threads ? ', threads' : ''}`;
}

export class BrowserRecognizer {
  private constructor(
    readonly model: EmotionNet,
    private readonly detector: FaceDetector,
    private readonly config: BrowserRecognizerConfig,
    readonly backend: string,
  ) {}

  static async create(config: BrowserRecognizerConfig = {}): Promise<BrowserRecognizer> {
    const backend = await startBackend();
    const modelUrl = config.modelUrl ?? './models/ranfer/';
    const [manifest, weights] = await Promise.all([
      fetch(`${modelUrl}model.json`).then((r) => {
        if (!r.ok) throw new Error(`${modelUrl}model.json: HTTP ${r.status}`);
        return r.text();
      }),
      fetch(`${modelUrl}weights.bin`).then((r) => {
        if (!r.ok) throw new Error(`${modelUrl}weights.bin: HTTP ${r.status}`);
        return r.arrayBuffer();
      }),
    ]);
    const model = new EmotionNet(parseModel(manifest, new Uint8Array(weights), modelUrl), modelUrl);
    checkEmotionModel(model, config, modelUrl);
    const faceApiUrl = config.faceApiUrl ?? './models/face-api/';
    const detector = await FaceDetector.create(faceapi, (net) => net.loadFromUri(faceApiUrl), config);
    return new BrowserRecognizer(model, detector, config, backend);
  }

  /** Faces of an RGBA frame (ImageData from a canvas). */
  recognize(frame: ImageData): Promise<RecognizedFace[]> {
    const n = frame.width * frame.height;
    const rgb = new Uint8Array(n * 3);
    const src = frame.data;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      rgb[3 * i] = src[j];
      rgb[3 * i + 1] = src[j + 1];
      rgb[3 * i + 2] = src[j + 2];
    }
    const image: RgbPixels = { data: rgb, width: frame.width, height: frame.height };
    return recognizeRgb(image, this.detector, this.model, this.config);
  }
}
