/**
 * ranfer's public API: recognizers, their options and results, video, ONNX export, the model files, and
 * the errors. The networks' inner configuration types (backbones, regions' network, parameter layouts)
 * stay internal: `ModelManifest.network` names them without exporting them.
 */

export { FollowSchedule, type FrameRecognizer } from './api/follow-schedule.js';
export { type ManyResult, type RecognizeManyOptions, recognizeMany } from './api/many.js';
export { OptionError } from './api/options.js';
export {
  createRecognizer,
  type EmotionResult,
  type FaceFinding,
  type RecognizedFace,
  Recognizer,
  type RecognizerConfig,
  type RecognizeTimings,
} from './api/recognizer.js';
export {
  type RecognizeVideoOptions,
  recognizeVideo,
  type TrackedFace,
  type VideoFrameResult,
} from './api/video.js';
export { EMOTION_COLORS, REGION_COLORS } from './data/colors.js';
export { EMOTIONS, type Emotion } from './data/emotions.js';
export type { BackendChoice, BackendName } from './engine/backend.js';
export {
  exportOnnx,
  type OnnxExport,
  type OnnxExportOptions,
  type OnnxSignature,
} from './export/onnx-model.js';
export { type Affine, type AlignedFace, alignFace, FERPLUS_FRAMING, type SourceImage } from './face/align.js';
export type { Box, DetectedFace, DetectorKind, DetectorOptions } from './face/detector.js';
export { ImageError, type ImageInput, type RawImage } from './face/image.js';
export { defaultModelDir, EmotionNet, FaceEmotionModel, type FacePrediction } from './infer/face-model.js';
export { shippedModelDirs } from './infer/model-dir.js';
export { OnnxEmotionNet } from './infer/onnx-emotion-net.js';
export type { EmotionPredictor, PredictOptions } from './infer/predictor.js';
export type { ShippedModel } from './infer/shipped-models.js';
export type { ModelManifest, ModelWeights } from './model/format.js';
export { loadModel } from './model/io.js';
export type { ClassPrior } from './model/prior.js';
export type { RegionBox } from './model/regions.js';
export { RanferError } from './util/errors.js';
export { type FrameSampling, VideoError, type VideoInfo } from './video/decode.js';
export type { TrackerOptions } from './video/track.js';
