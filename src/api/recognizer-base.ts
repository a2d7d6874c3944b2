/**
 * What the Node and the browser recognizer share: a face detector and an emotion model behind `recognize`,
 * `follow`, `classifyAligned`, `classifyPixels` and `dispose`. Each subclass says how its inputs become RGB
 * pixels and grey faces, and what it frees.
 */
import type { FaceDetector } from '../face/detector.js';
import type { ExpressionTeacher } from '../face/face-expression-net.js';
import type { EmotionPredictor } from '../infer/predictor.js';
import { RanferError } from '../util/errors.js';
import {
  type ClassifyOptions,
  classifyWithConfig,
  type EmotionResult,
  type FaceFinding,
  type RecognizedFace,
  type RecognizeRgbOptions,
  type RecognizeTimings,
  type RgbPixels,
  recognizeRgb,
  stackFaces,
} from './pipeline.js';

/** An input as the pipeline takes it: its RGB pixels and the options for this one image. */
export interface DecodedImage {
  image: RgbPixels;
  options: RecognizeRgbOptions;
}

export abstract class RecognizerBase<
  Input,
  Model extends EmotionPredictor = EmotionPredictor,
  Config extends ClassifyOptions & FaceFinding = ClassifyOptions & FaceFinding,
> {
  private disposed = false;

  protected constructor(
    protected readonly predictor: Model,
    protected readonly detector: FaceDetector,
    protected readonly config: Config,
    protected readonly faceApi?: ExpressionTeacher,
  ) {}

  /** The input's RGB pixels and the pipeline's options for it. */
  protected abstract decode(input: Input): Promise<DecodedImage> | DecodedImage;

  /** One aligned face as size x size grey uint8 pixels. */
  protected abstract greyFace(face: Input, size: number): Promise<Uint8Array> | Uint8Array;

  /** Frees what `dispose` frees. */
  protected abstract release(): void;

  /** The emotion model (its classes, regions, input size, engine). */
  get emotionModel(): Model {
    return this.predictor;
  }

  /**
   * Finds every face of an image and recognises its emotion; unreadable inputs throw (`ImageError` in
   * Node, `BrowserImageError` in the browser). `timings`, when given, receives the milliseconds of each
   * stage.
   */
  async recognize(input: Input, timings?: RecognizeTimings): Promise<RecognizedFace[]> {
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
    input: Input,
    previous: readonly RecognizedFace[],
    timings?: RecognizeTimings,
  ): Promise<RecognizedFace[]> {
    return this.run(input, previous, timings);
  }

  private async run(
    input: Input,
    follow: readonly RecognizedFace[] | undefined,
    timings?: RecognizeTimings,
  ): Promise<RecognizedFace[]> {
    this.checkOpen();
    const t = performance.now();
    const { image, options } = await this.decode(input);
    if (timings) timings.decodeMs = performance.now() - t;
    return recognizeRgb(
      image,
      this.detector,
      this.predictor,
      { ...options, faceApi: this.faceApi, follow },
      timings,
    );
  }

  /**
   * Classifies faces that are already cropped and aligned the FERPlus way (no detection): images of any
   * size and colour, resized to the model's grey input.
   */
  async classifyAligned(faces: Input | Input[]): Promise<EmotionResult[]> {
    this.checkOpen();
    const grey = (face: Input, size: number) => this.greyFace(face, size);
    return this.classifyPixels(await stackFaces(faces, this.predictor.size, grey));
  }

  /** Classifies `count` aligned faces given as size x size grey uint8 pixels, back to back (no detection). */
  async classifyPixels(pixels: Uint8Array, boxes?: Float32Array): Promise<EmotionResult[]> {
    this.checkOpen();
    return classifyWithConfig(this.predictor, pixels, this.config, this.faceApi, boxes);
  }

  /** Releases the model's tensors; the recognizer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }

  private checkOpen(): void {
    if (this.disposed)
      throw new RanferError(
        'this recognizer was disposed: create another with createRecognizer()',
        'RANFER_DISPOSED',
      );
  }
}
