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

/** A face found by a detector network: its box in image pixels and its score. */
export interface ScoredBox {
  box: Box;
  score: number;
}

/**
 * face-api's networks on another engine (ONNX Runtime, say), answering from an image's RGB bytes with
 * face-api's results: its inputs, decoding and mapping.
 */
export interface FaceNetworks {
  /**
   * The Tiny Face Detector's faces scoring above `minConfidence` after face-api's suppression, best first
   * (absent: face-api's own Tiny Face Detector runs).
   */
  tiny?(frame: RgbFrame, inputSize: number, minConfidence: number): Promise<ScoredBox[]>;
  /**
   * The 68 landmarks of each box's face (image pixels, interleaved), cut from the frame as face-api's
   * `withFaceLandmarks` cuts it; `undefined` where the box holds no pixel of the frame.
   */
  landmarks(frame: RgbFrame, boxes: readonly Box[]): Promise<(Float32Array | undefined)[]>;
  /** Frees what the networks hold. */
  release(): Promise<void>;
}

export class FaceDetector {
  private readonly staging = new StagingPool();

  private networks?: FaceNetworks;

  private constructor(
    private readonly faceapi: FaceApiModule,
    private readonly options: Required<DetectorOptions>,
  ) {}

  /**
   * Runs the landmark network (and the Tiny Face Detector, where `networks` has it) of every later
   * detection on `networks`; `dispose()` releases them.
   */
  useNetworks(networks: FaceNetworks): void {
    void this.networks?.release();
    this.networks = networks;
  }

  /** Frees the networks of `useNetworks` (face-api's own stay loaded, shared by every detector). */
  dispose(): void {
    void this.networks?.release();
    this.networks = undefined;
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
    if (this.networks) {
      const [landmarks] = await this.networks.landmarks({ rgb, width, height }, [
        { x: 0, y: 0, width, height },
      ]);
      if (landmarks) return landmarks;
    }
    return this.withImage(rgb, width, height, async (image) => {
      const found = await this.faceapi.nets.faceLandmark68Net.detectLandmarks(image as never);
      return interleaved((Array.isArray(found) ? found[0] : found).positions);
    });
  }

  /**
   * The 68 landmarks of faces whose boxes are known (from a frame before): the landmark network on each
   * box's crop as `detect` runs it, no detection. Points in image pixels, interleaved (136 values);
   * `undefined` for a box that holds no pixel of the image.
   */
  async landmarksIn(
    rgb: Uint8Array,
    width: number,
    height: number,
    boxes: readonly Box[],
  ): Promise<(Float32Array | undefined)[]> {
    if (this.networks) return this.networks.landmarks({ rgb, width, height }, boxes);
    const { faceapi } = this;
    const result: (Float32Array | undefined)[] = boxes.map(() => undefined);
    // face-api's crops: the box clipped to the image and floored; its points shifted by the box's corner.
    const used = boxes.flatMap((b, i) => {
      const crop = clipBox(b, width, height);
      return crop.width > 0 && crop.height > 0 ? [i] : [];
    });
    if (used.length === 0) return result;
    return this.withImage(rgb, width, height, async (image) => {
      const rects = used.map(
        (i) => new faceapi.Rect(boxes[i].x, boxes[i].y, boxes[i].width, boxes[i].height),
      );
      const crops = await faceapi.extractFaceTensors(image as never, rects);
      try {
        for (const [n, i] of used.entries()) {
          const found = await faceapi.nets.faceLandmark68Net.detectLandmarks(crops[n] as never);
          const points = (Array.isArray(found) ? found[0] : found).shiftBy(boxes[i].x, boxes[i].y);
          result[i] = interleaved(points.positions);
        }
      } finally {
        for (const c of crops) c.dispose();
      }
      return result;
    });
  }

  /** Finds the faces of an RGB image (height x width x 3, uint8) and their landmarks. */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<DetectedFace[]> {
    const { faceapi, options, networks } = this;
    const inputSize = tinyInputFor(options.tinyInputSize, width, height);
    const detectorOptions =
      options.detector === 'ssd'
        ? new faceapi.SsdMobilenetv1Options({
            minConfidence: options.minConfidence,
            maxResults: options.maxFaces,
          })
        : new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: options.minConfidence });
    const best = <T extends { score: number }>(faces: T[]): T[] =>
      faces.sort((a, b) => b.score - a.score).slice(0, options.maxFaces);
    if (networks) {
      const frame = { rgb, width, height };
      const found =
        options.detector === 'tiny' && networks.tiny
          ? await networks.tiny(frame, inputSize, options.minConfidence)
          : await this.withImage(rgb, width, height, async (image) =>
              (await faceapi.detectAllFaces(image as never, detectorOptions)).map((d) => ({
                box: boxOf(d.box),
                score: d.score,
              })),
            );
      const faces = best(found);
      const landmarks = await networks.landmarks(
        frame,
        faces.map((f) => f.box),
      );
      return faces.flatMap((f, i) => {
        const points = landmarks[i];
        return points ? [{ ...f, landmarks: points }] : [];
      });
    }
    return this.withImage(rgb, width, height, async (image) => {
      const found = await faceapi.detectAllFaces(image as never, detectorOptions).withFaceLandmarks();
      return best(
        found.map((f) => ({
          box: boxOf(f.detection.box),
          score: f.detection.score,
          landmarks: interleaved(f.landmarks.positions),
        })),
      );
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

/** face-api's `clipAtImageBorders`: the box within the image, floored. */
export function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.max(box.x, 0);
  const y = Math.max(box.y, 0);
  const w = Math.min(box.x + box.width - x, width - x);
  const h = Math.min(box.y + box.height - y, height - y);
  return { x: Math.floor(x), y: Math.floor(y), width: Math.floor(w), height: Math.floor(h) };
}

/** A face-api box as a plain one. */
export function boxOf(b: Box): Box {
  return { x: b.x, y: b.y, width: b.width, height: b.height };
}

/** face-api's points as interleaved (x, y) values. */
function interleaved(points: readonly { x: number; y: number }[]): Float32Array {
  const out = new Float32Array(points.length * 2);
  points.forEach((p, i) => {
    out[2 * i] = p.x;
    out[2 * i + 1] = p.y;
  });
  return out;
}
