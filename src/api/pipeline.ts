/**
 * The recognition pipeline without any Node dependency (shared by the Node API and the web app):
 * RGB pixels -> faces and 68 landmarks -> aligned 48x48 grey faces -> the RAN -> emotions.
 */
import { EMOTIONS, type Emotion } from '../data/emotions.js';
import { type AlignedFace, AlignmentError, alignFace } from '../face/align.js';
import type { Box, DetectedFace, FaceDetector } from '../face/detector.js';
import type { ExpressionTeacher } from '../face/face-expression-net.js';
import { type FaceFinding, findFaces } from '../face/find.js';
import { followFaces } from '../face/follow.js';
import type { EmotionPredictor } from '../infer/predictor.js';
import { predictionRecipe, withFaceApiShare } from '../infer/recipe.js';
import { landmarkBoxes, regionsWithoutLandmarks } from '../model/regions.js';
import { argmaxRows } from '../util/probabilities.js';

export type { FaceFinding } from '../face/find.js';

/** How the model is run on each face. */
export interface ClassifyOptions {
  /** RAN regions: the fixed crops the model was trained with (default), or boxes from the landmarks. */
  regions?: 'fixed' | 'landmarks';
  /** Average the prediction with the mirrored face's (twice the work, slightly more accurate). */
  flipTta?: boolean;
  /**
   * Weight of the training data's class frequencies in the probabilities: 1 as in FERPlus (35% neutral),
   * 0 every emotion alike a priori (default: the model's own, `prior.weight` in model.json).
   */
  priorWeight?: number;
  /**
   * Share of face-api.js's FaceExpressionNet in the probabilities, 0..1 (default 0: the RAN alone):
   * (1 - w) x the RAN's + w x FaceExpressionNet's, read on the same aligned face (it has no contempt).
   * A second network trained on other photos than FERPlus: it reads posed anger, disgust and fear that
   * the RAN calls neutral, at some cost on FERPlus's own faces (docs/guide.md has the figures).
   */
  faceApiWeight?: number;
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
  /**
   * Set when the face was found only in the photo turned clockwise by this many degrees (a photo taken
   * sideways or upside down; `rotations` option); box and landmarks are still in the input's pixels.
   */
  rotation?: 90 | 180 | 270;
  /** The 68 landmarks (iBUG layout) in the input's pixels. */
  landmarks: [number, number][];
  /** The aligned grey face the model saw. */
  aligned: AlignedFace;
}

/** Milliseconds spent in each stage of recognition. */
export interface RecognizeTimings {
  /** Reading, EXIF orientation, downsizing, RGB conversion. */
  decodeMs?: number;
  /** Face detection and 68-point landmarks. */
  detectMs?: number;
  /** Alignment of every face. */
  alignMs?: number;
  /** The emotion model on every face. */
  classifyMs?: number;
}

/** An RGB image, 3 bytes per pixel, row-major. */
export interface RgbPixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Checks that a model predicts the 8 FERPlus emotions (and, for landmark regions, is a RAN whose
 * regions all have landmark counterparts).
 */
export function checkEmotionModel(model: EmotionPredictor, options: ClassifyOptions, where: string): void {
  if (model.classes.join() !== EMOTIONS.join())
    throw new Error(`${where}: the model's classes are not the 8 FERPlus emotions`);
  if (options.regions !== 'landmarks') return;
  const names = model.regionNames;
  if (names.length === 0) throw new Error(`${where}: landmark regions need a RAN model`);
  const unknown = regionsWithoutLandmarks(names);
  if (unknown.length)
    throw new Error(`${where}: landmark regions cannot replace the model's region(s) ${unknown.join(', ')}`);
}

/**
 * Aligned faces of any kind, each turned into size x size grey pixels by `toGrey`, back to back: the
 * input of `classifyAligned()` in Node and in the browser.
 */
export async function stackFaces<T>(
  faces: T | T[],
  size: number,
  toGrey: (face: T, size: number) => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array> {
  const list = Array.isArray(faces) ? faces : [faces];
  const pixels = new Uint8Array(list.length * size * size);
  for (const [i, face] of list.entries()) pixels.set(await toGrey(face, size), i * size * size);
  return pixels;
}

/** A recognizer's classification options (and its FaceExpressionNet) applied to aligned grey faces. */
export async function classifyWithConfig(
  model: EmotionPredictor,
  pixels: Uint8Array,
  config: ClassifyOptions,
  faceApi?: ExpressionTeacher,
  boxes?: Float32Array,
): Promise<EmotionResult[]> {
  return classifyFaces(model, pixels, {
    flipTta: config.flipTta,
    priorWeight: config.priorWeight,
    faceApiWeight: config.faceApiWeight,
    faceApi,
    boxes,
  });
}

/**
 * Classifies `count` aligned faces given as size x size grey uint8 pixels, back to back. With a
 * `faceApiWeight` above 0, `faceApi` (FaceExpressionNet) reads the same faces and takes that share.
 */
export async function classifyFaces(
  model: EmotionPredictor,
  pixels: Uint8Array,
  options: ClassifyOptions & { boxes?: Float32Array; faceApi?: ExpressionTeacher } = {},
): Promise<EmotionResult[]> {
  const recipe = predictionRecipe(options);
  const out = await model.predictAsync(pixels, { ...recipe, boxes: options.boxes });
  const k = model.classes.length;
  if (recipe.faceApiWeight > 0) {
    const other = await options.faceApi?.predict(pixels, out.top.length, model.size);
    out.probs = withFaceApiShare(recipe, out.probs, other);
    out.top = argmaxRows(out.probs, k);
  }
  const regions = model.regionNames;
  return Array.from({ length: out.top.length }, (_, i) => {
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

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A recognised face back in the image's own pixels (the inverse of the `scale` applied to results). */
function detectedFace(face: RecognizedFace, scale: number): DetectedFace {
  const { box } = face;
  return {
    box: { x: box.x / scale, y: box.y / scale, width: box.width / scale, height: box.height / scale },
    score: face.score,
    landmarks: Float32Array.from(face.landmarks.flat(), (v) => v / scale),
    ...(face.rotation ? { rotation: face.rotation } : {}),
  };
}

/** Options of one recognition, beside the recogniser's own. */
export interface RecognizeRgbOptions extends ClassifyOptions, FaceFinding {
  /** Factor from the image's pixels back to the caller's (downsized images; default 1). */
  scale?: number;
  faceApi?: ExpressionTeacher;
  /**
   * The faces of the frame before: they are followed (face/follow.ts) instead of detected, and lost
   * faces are left out.
   */
  follow?: readonly RecognizedFace[];
}

/**
 * Detects (or follows), aligns and classifies every face of an RGB image. Coordinates are in the image's
 * pixels times `scale` (the factor back to the caller's own pixel grid when the image was downsized).
 */
export async function recognizeRgb(
  image: RgbPixels,
  detector: FaceDetector,
  model: EmotionPredictor,
  options: RecognizeRgbOptions = {},
  timings?: RecognizeTimings,
): Promise<RecognizedFace[]> {
  let t = performance.now();
  const lap = (stage: keyof RecognizeTimings) => {
    const now = performance.now();
    if (timings) timings[stage] = now - t;
    t = now;
  };
  const rgb = image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data.buffer);
  const detected = options.follow
    ? await followFaces(
        rgb,
        image.width,
        image.height,
        detector,
        options.follow.map((f) => detectedFace(f, options.scale ?? 1)),
      )
    : await findFaces(rgb, image.width, image.height, detector, options);
  lap('detectMs');
  const size = model.size;
  const source = { data: rgb, width: image.width, height: image.height, channels: 3 as const };
  // A box whose landmarks cannot be aligned (often a spurious box on hair or forehead) is skipped;
  // the other faces of the photo are still returned.
  const found: typeof detected = [];
  const aligned: AlignedFace[] = [];
  for (const f of detected) {
    try {
      aligned.push(alignFace(source, f.landmarks, size));
      found.push(f);
    } catch (err) {
      if (!(err instanceof AlignmentError)) throw err;
    }
  }
  const pixels = new Uint8Array(aligned.length * size * size);
  aligned.forEach((a, i) => {
    pixels.set(a.pixels, i * size * size);
  });
  const names = model.regionNames;
  const boxes =
    options.regions === 'landmarks'
      ? concat(aligned.map((a) => landmarkBoxes(a.landmarks, names)))
      : undefined;
  lap('alignMs');
  const emotions = found.length ? await classifyFaces(model, pixels, { ...options, boxes }) : [];
  lap('classifyMs');
  const s = options.scale ?? 1;
  return found.map((f, i) => {
    const m = aligned[i].faceToImage;
    return {
      ...emotions[i],
      box: { x: f.box.x * s, y: f.box.y * s, width: f.box.width * s, height: f.box.height * s },
      score: f.score,
      ...(f.rotation ? { rotation: f.rotation } : {}),
      landmarks: Array.from({ length: 68 }, (_, j) => [f.landmarks[2 * j] * s, f.landmarks[2 * j + 1] * s]),
      aligned: { ...aligned[i], faceToImage: [m[0] * s, m[1] * s, m[2] * s, m[3] * s, m[4] * s, m[5] * s] },
    };
  });
}
