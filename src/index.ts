/** ranfer's public API. */

export { type ManyResult, type RecognizeManyOptions, recognizeMany } from './api/many.js';
export {
  createRecognizer,
  type EmotionResult,
  type FaceFinding,
  type RecognizedFace,
  Recognizer,
  type RecognizerConfig,
  type RecognizeTimings,
} from './api/recognizer.js';
export { EMOTIONS, type Emotion } from './data/emotions.js';
export type { BackendChoice } from './engine/backend.js';
export { type AlignedFace, alignFace, FERPLUS_FRAMING } from './face/align.js';
export type { Box, DetectedFace, DetectorKind, DetectorOptions } from './face/detector.js';
export { ImageError, type ImageInput, type RawImage } from './face/image.js';
export { defaultModelDir, EmotionNet, FaceEmotionModel, type FacePrediction } from './infer/face-model.js';
