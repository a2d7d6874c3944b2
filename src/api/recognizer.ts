/**
 * The public entry point: photos in, faces with their emotions out.
 *
 * ```ts
 * const fer = await createRecognizer();
 * const faces = await fer.recognize('photo.jpg');
 * console.log(faces[0].emotion, faces[0].probabilities);
 * fer.dispose();
 * ```
 */
import sharp from 'sharp';
import { EMOTIONS, type Emotion } from '../data/emotions.js';
import type { BackendChoice } from '../engine/backend.js';
import { type AlignedFace, alignFace } from '../face/align.js';
import { type Box, type DetectorOptions, FaceDetector } from '../face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../face/face-api-node.js';
import { ImageError, type ImageInput, loadRgbImage, rgbToGrey } from '../face/image.js';
import { defaultModelDir, FaceEmotionModel } from '../infer/face-model.js';
import { landmarkBoxes } from '../model/regions.js';

export interface RecognizerConfig extends DetectorOptions {
  /** Folder of the emotion model (model.json + weights.bin); the shipped FERPlus RAN by default. */
  modelDir?: string;
  /** TensorFlow.js backend (default `auto`: tfjs-node when installed, else WASM). */
  backend?: BackendChoice;
  /** RAN regions: the fixed crops the model was trained with (default), or boxes from the landmarks. */
  regions?: 'fixed' | 'landmarks';
  /** Average the prediction with the mirrored face's (twice the work, slightly more accurate). */
  flipTta?: boolean;
  /** Longer side above which photos are downsized before detection (default 2048). */
  maxSide?: number;
}

/** The emotion of one face. */
export interface EmotionResult {
  /** The most probable emotion. */
  emotion: Emotion;
  /** Probability of each of the 8 FERPlus emotions (they sum to 1). */
  probabilities: Record<Emotion, number>;
  /** Region attention weights (mu * nu) by region name, for RAN models. */
  attention: Record<string, number>;
}

/** One face found in a photo. */
export interface RecognizedFace extends EmotionResult {
  /** Face box in the input's pixels (after EXIF orientation). */
  box: Box;
  /** Detection confidence, 0..1. */
  score: number;
  /** The 68 landmarks (iBUG layout) in the input's pixels. */
  landmarks: [number, number][];
  /** The aligned grey face the model saw. */
  aligned: AlignedFace;
}

/** Milliseconds spent in each stage of `recognize`. */
export interface RecognizeTimings {
  /** Reading, EXIF orientation, downsizing, RGB conversion. */
  decodeMs?: number;
  /** Face detection and 68-point landmarks. */
  detectMs?: number;
  /** Grey conversion and alignment of every face. */
  alignMs?: number;
  /** The emotion model on every face. */
  classifyMs?: number;
}

export class Recognizer {
  private constructor(
    private readonly model: FaceEmotionModel,
    private readonly detector: FaceDetector,
    private readonly config: RecognizerConfig,
  ) {}

  static async create(config: RecognizerConfig = {}): Promise<Recognizer> {
    const faceapi = await loadFaceApi(config.backend);
    const model = await FaceEmotionModel.load(config.modelDir ?? defaultModelDir(), {
      backend: config.backend,
    });
    const dir = faceApiModelDir();
    const detector = await FaceDetector.create(faceapi, (net) => net.loadFromDisk(dir), config);
    if (model.classes.join() !== EMOTIONS.join()) {
      model.dispose();
      throw new Error(`${config.modelDir}: the model's classes are not the 8 FERPlus emotions`);
    }
    if (config.regions === 'landmarks' && model.regionNames.length !== 6) {
      model.dispose();
      throw new Error('landmark regions need a RAN model with 6 regions');
    }
    return new Recognizer(model, detector, config);
  }

  /** The emotion model (its classes, regions, input size). */
  get emotionModel(): FaceEmotionModel {
    return this.model;
  }

  /**
   * Finds every face of a photo and recognises its emotion. Throws `ImageError` for unreadable inputs.
   * `timings`, when given, receives the milliseconds of each stage.
   */
  async recognize(input: ImageInput, timings?: RecognizeTimings): Promise<RecognizedFace[]> {
    let t = performance.now();
    const lap = (stage: keyof RecognizeTimings) => {
      const now = performance.now();
      if (timings) timings[stage] = now - t;
      t = now;
    };
    const image = await loadRgbImage(input, { maxSide: this.config.maxSide });
    lap('decodeMs');
    const found = await this.detector.detect(image.data, image.width, image.height);
    lap('detectMs');
    if (found.length === 0) {
      lap('alignMs');
      lap('classifyMs');
      return [];
    }
    const size = this.model.size;
    const source = { data: image.data, width: image.width, height: image.height, channels: 3 as const };
    const aligned = found.map((f) => alignFace(source, f.landmarks, size));
    const pixels = new Uint8Array(aligned.length * size * size);
    aligned.forEach((a, i) => {
      pixels.set(a.pixels, i * size * size);
    });
    const boxes =
      this.config.regions === 'landmarks'
        ? concat(aligned.map((a) => landmarkBoxes(a.landmarks)))
        : undefined;
    lap('alignMs');
    const emotions = this.classifyPixels(pixels, boxes);
    lap('classifyMs');
    const s = image.scale;
    return found.map((f, i) => ({
      ...emotions[i],
      box: { x: f.box.x * s, y: f.box.y * s, width: f.box.width * s, height: f.box.height * s },
      score: f.score,
      landmarks: Array.from({ length: 68 }, (_, j) => [f.landmarks[2 * j] * s, f.landmarks[2 * j + 1] * s]),
      aligned: { ...aligned[i], faceToImage: scaleAffine(aligned[i].faceToImage, s) },
    }));
  }

  /**
   * Classifies faces that are already aligned and cropped (FERPlus framing, no detection): images of any
   * size and colour, resized to the model's grey input.
   */
  async classifyAligned(faces: ImageInput | ImageInput[]): Promise<EmotionResult[]> {
    const list = Array.isArray(faces) ? faces : [faces];
    const size = this.model.size;
    const pixels = new Uint8Array(list.length * size * size);
    for (const [i, face] of list.entries()) {
      const rgb = await loadRgbImage(face);
      const small = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
        .resize(size, size, { fit: 'fill' })
        .raw()
        .toBuffer();
      const grey = rgbToGrey(small, size, size);
      for (let j = 0; j < size * size; j++) pixels[i * size * size + j] = Math.round(grey[j]);
    }
    return this.classifyPixels(pixels);
  }

  /** Classifies `count` aligned faces given as size x size grey uint8 pixels, back to back. */
  classifyPixels(pixels: Uint8Array, boxes?: Float32Array): EmotionResult[] {
    const out = this.model.predict(pixels, { flipTta: this.config.flipTta, boxes });
    const k = this.model.classes.length;
    const regions = this.model.regionNames;
    const count = out.top.length;
    return Array.from({ length: count }, (_, i) => {
      const probabilities = Object.fromEntries(EMOTIONS.map((e, c) => [e, out.probs[i * k + c]])) as Record<
        Emotion,
        number
      >;
      const attention = Object.fromEntries(
        regions.map((r, j) => [r, out.attention ? out.attention[i * regions.length + j] : 0]),
      );
      return { emotion: EMOTIONS[out.top[i]], probabilities, attention };
    });
  }

  /** Releases the model's tensors. */
  dispose(): void {
    this.model.dispose();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function scaleAffine(m: AlignedFace['faceToImage'], s: number): AlignedFace['faceToImage'] {
  return [m[0] * s, m[1] * s, m[2] * s, m[3] * s, m[4] * s, m[5] * s];
}

/** Loads the emotion model and the face detector. */
export function createRecognizer(config: RecognizerConfig = {}): Promise<Recognizer> {
  return Recognizer.create(config);
}

export { ImageError };
