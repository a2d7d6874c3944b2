/** ranfer's public API. */

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
export type { Dim } from './export/onnx-graph.js';
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
export type { FaceClassifierConfig } from './model/face-classifier.js';
export type { ModelManifest, ModelWeights } from './model/format.js';
export { loadModel } from './model/io.js';
export type { IResNetConfig, StageConfig } from './model/iresnet.js';
export type { MobileFaceNetConfig } from './model/mobilefacenet.js';
export type { ClassPrior } from './model/prior.js';
export type { RanConfig } from './model/ran.js';
export type { RegionBox } from './model/regions.js';
export type { NetworkConfig } from './model/registry.js';
export type { ParamInfo } from './nn/params.js';
export { RanferError } from './util/errors.js';
export { type FrameSampling, VideoError, type VideoInfo } from './video/decode.js';
export type { TrackerOptions } from './video/track.js';
