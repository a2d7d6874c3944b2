/**
 * Face detection and 68-point landmarks (iBUG / Dlib layout, as the original work used) with
 * `@vladmandic/face-api`: Tiny Face Detector at 512x512 (the default: ~5x cheaper, finds every face of
 * the test photos; its layers run fused, see tiny-fused.ts) or SSD MobileNet v1 (better calibrated
 * scores, ~300 ms per photo on one core), then the 68-point landmark network on each face.
 */
import type * as FaceApi from '@vladmandic/face-api';
import { StagingPool } from './staging.js';
import { useFusedTiny } from './tiny-fused.js';

/** The face-api module (its Node WASM build, or its browser ESM build). */
export type FaceApiModule = typeof FaceApi;

export type DetectorKind = 'ssd' | 'tiny';

export interface DetectorOptions {
  /** Detection network (default `tiny`). */
  detector?: DetectorKind;
  /**
   * Faces scoring below this are dropped (default 0.25 for `tiny`, whose scores run low, 0.5 for `ssd`).
   */
  minConfidence?: number;
  /** Tiny Face Detector input size, a multiple of 32 (default 512). */
  tinyInputSize?: number;
  /** At most this many faces per image, highest scores first (default 100). */
  maxFaces?: number;
}

/** A pixel box in the image, top-left origin. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedFace {
  box: Box;
  /** Detection confidence, 0..1. */
  score: number;
  /** 68 (x, y) points in image pixels, interleaved (136 values). */
  landmarks: Float32Array;
  /** Found in the image turned clockwise by this many degrees (absent: upright). */
  rotation?: 90 | 180 | 270;
}

/** Loads weights: from a folder in Node, from a URL in the browser. */
export type WeightLoader = (net: {
  loadFromDisk(p: string): Promise<void>;
  loadFromUri(p: string): Promise<void>;
}) => Promise<void>;

/** Default score thresholds, chosen on the test photos (tiny: true faces 0.33-0.99, false ones <= 0.19). */
/**
 * The Tiny Face Detector's input side for an image: the configured side, or the image's own longer side
 * (rounded up to a multiple of 32, at least 160) when that is smaller. Blown up to 512, a small image's
 * face is blurred past what the detector knows: on 215 movie faces of about 270 px, 512 missed 18% and 320
 * 12% (docs/experiments.md).
 */
export function tinyInputFor(configured: number, width: number, height: number): number {
  return Math.min(configured, Math.max(160, Math.ceil(Math.max(width, height) / 32) * 32));
}

export const DEFAULT_MIN_CONFIDENCE: Record<DetectorKind, number> = { tiny: 0.25, ssd: 0.5 };

/** The RGB image a detection looks at (height x width x 3, uint8). */
export interface RgbFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** Runs a detection's work on `image` in some context (an engine of its own for a network), or as it is. */
export type DetectionScope = <T>(work: () => Promise<T>, image: RgbFrame) => Promise<T>;

export class FaceDetector {
  private readonly staging = new StagingPool();

  private scope: DetectionScope = (work) => work();
  private release?: () => unknown;

  private constructor(
    private readonly faceapi: FaceApiModule,
    private readonly options: Required<DetectorOptions>,
  ) {}

  /**
   * Runs every later detection inside `scope` (a network on another engine, for one); `release` frees
   * what the scope holds, on `dispose()`.
   */
  useScope(scope: DetectionScope, release?: () => unknown): void {
    this.scope = scope;
    this.release = release;
  }

  /** Frees what a scope holds (the networks themselves stay with face-api, shared by every detector). */
  dispose(): void {
    void this.release?.();
    this.release = undefined;
    this.scope = (work) => work();
  }

  /** Loads the networks the options need with `load` (one call per network). */
  static async create(
    faceapi: FaceApiModule,
    load: WeightLoader,
    options: DetectorOptions = {},
  ): Promise<FaceDetector> {
    const detector = options.detector ?? 'tiny';
    const resolved: Required<DetectorOptions> = {
      detector,
      minConfidence: options.minConfidence ?? DEFAULT_MIN_CONFIDENCE[detector],
      tinyInputSize: options.tinyInputSize ?? 512,
      maxFaces: options.maxFaces ?? 100,
    };
    if (!(resolved.minConfidence >= 0 && resolved.minConfidence <= 1))
      throw new RangeError(`minConfidence must be in 0..1, got ${resolved.minConfidence}`);
    if (resolved.tinyInputSize % 32 !== 0 || resolved.tinyInputSize < 128)
      throw new RangeError(
        `tinyInputSize must be a multiple of 32, at least 128, got ${resolved.tinyInputSize}`,
      );
    const nets = faceapi.nets;
    const detectorNet = resolved.detector === 'ssd' ? nets.ssdMobilenetv1 : nets.tinyFaceDetector;
    if (!detectorNet.isLoaded) await load(detectorNet);
    if (resolved.detector === 'tiny') useFusedTiny(faceapi);
    if (!nets.faceLandmark68Net.isLoaded) await load(nets.faceLandmark68Net);
    return new FaceDetector(faceapi, resolved);
  }

  get kind(): DetectorKind {
    return this.options.detector;
  }

  /**
   * The 68 landmarks of an RGB image that is one face crop (height x width x 3, uint8): no detection, the
   * whole image is the face's box. Points in image pixels, interleaved (136 values).
   */
  async cropLandmarks(rgb: Uint8Array, width: number, height: number): Promise<Float32Array> {
    return this.withImage(rgb, width, height, async (image) => {
      const found = await this.scope(
        async () => this.faceapi.nets.faceLandmark68Net.detectLandmarks(image as never),
        { rgb, width, height },
      );
      const points = (Array.isArray(found) ? found[0] : found).positions;
      const landmarks = new Float32Array(points.length * 2);
      points.forEach((p, i) => {
        landmarks[2 * i] = p.x;
        landmarks[2 * i + 1] = p.y;
      });
      return landmarks;
    });
  }

  /** Finds the faces of an RGB image (height x width x 3, uint8) and their landmarks. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<DetectedFace[]> {
    const { faceapi, options } = this;
    const detectorOptions =
      options.detector === 'ssd'
        ? new faceapi.SsdMobilenetv1Options({
            minConfidence: options.minConfidence,
            maxResults: options.maxFaces,
          })
        : new faceapi.TinyFaceDetectorOptions({
            inputSize: tinyInputFor(options.tinyInputSize, width, height),
            scoreThreshold: options.minConfidence,
          });
    return this.withImage(rgb, width, height, async (image) => {
      const found = await this.scope(
        async () => faceapi.detectAllFaces(image as never, detectorOptions).withFaceLandmarks(),
        { rgb, width, height },
      );
      return found
        .map((f) => {
          const b = f.detection.box;
          const points = f.landmarks.positions;
          const landmarks = new Float32Array(points.length * 2);
          points.forEach((p, i) => {
            landmarks[2 * i] = p.x;
            landmarks[2 * i + 1] = p.y;
          });
          return {
            box: { x: b.x, y: b.y, width: b.width, height: b.height },
            score: f.detection.score,
            landmarks,
          };
        })
        .sort((a, b) => b.score - a.score)
        .slice(0, options.maxFaces);
    });
  }

  /**
   * Runs `use` on an RGB image (height x width x 3, uint8) as an int32 tensor, disposed afterwards; the
   * int32 copy comes from a pool (see StagingPool) rather than a fresh allocation per image.
   */
  private async withImage<T>(
    rgb: Uint8Array,
    width: number,
    height: number,
    use: (image: FaceApi.tf.Tensor3D) => Promise<T>,
  ): Promise<T> {
    const values = this.staging.widen(rgb);
    try {
      const image = this.faceapi.tf.tensor3d(values, [height, width, 3], 'int32');
      try {
        return await use(image);
      } finally {
        image.dispose();
      }
    } finally {
      this.staging.release(values);
    }
  }
}
