/**
 * `ranfer bench photo`: end-to-end time on 1366x768 photos, decode + detection + landmarks + alignment +
 * RAN: per image with one face (happy.jpg scaled to 1366x768) and per face on bbt1.jpg (4 faces); beside
 * it, face-api.js's own pipeline (detection, landmarks, FaceExpressionNet) on the same photos, and ranfer on
 * ONNX Runtime where it is installed, the pipelines taking turns.
 */
import path from 'node:path';
import sharp from 'sharp';
import { createRecognizer, type Recognizer, type RecognizeTimings } from '../../api/recognizer.js';
import type { BackendChoice } from '../../engine/backend.js';
import type { DetectorKind } from '../../face/detector.js';
import { faceApiModelDir, loadFaceApi } from '../../face/face-api-node.js';
import { loadRgbImage } from '../../face/image.js';
import { withOwnTiny } from '../../face/tiny-fused.js';
import { hasOnnxRuntime } from '../../infer/onnx-emotion-net.js';
import { median } from '../../util/stats.js';

export interface PhotoBenchCase {
  photo: string;
  width: number;
  height: number;
  faces: number;
  msPerImage: number;
  msPerFace: number;
  /** Median time of each stage. */
  stages: Required<RecognizeTimings>;
}

/** face-api.js's own pipeline on the same photo: detection, 68 landmarks and FaceExpressionNet. */
export interface FaceApiPipelineCase {
  photo: string;
  faces: number;
  msPerImage: number;
}

export interface PhotoBenchResult {
  backend: string;
  detector: DetectorKind;
  /** Whether the RAN averaged each face with its mirror image (flip test-time augmentation). */
  flipTta: boolean;
  repeats: number;
  oneFace: PhotoBenchCase;
  group: PhotoBenchCase;
  /**
   * face-api.js's own pipeline as its README runs it (`detectAllFaces` with the Tiny Face Detector at its
   * defaults, `.withFaceLandmarks().withFaceExpressions()`), decoding included, in the same rounds.
   */
  faceApi: { oneFace: FaceApiPipelineCase; group: FaceApiPipelineCase };
  /**
   * ranfer with `backend: 'onnx'` (the emotion model, the Tiny Face Detector and the landmarks on
   * onnxruntime-node), in the same rounds; absent when onnxruntime-node is not installed.
   */
  onnx?: { oneFace: PhotoBenchCase; group: PhotoBenchCase };
}

/** One pipeline's reading of a photo: how many faces it found and, for ranfer's, the time of each stage. */
interface Reading {
  faces: number;
  stages?: Required<RecognizeTimings>;
}
type Pipeline = (input: Buffer | string) => Promise<Reading>;

/**
 * face-api.js's own pipeline on a photo, decoding included (the same decoder as ranfer's: EXIF orientation,
 * RGB), its Tiny Face Detector unfused, as shipped.
 */
async function faceApiPipeline(backend: BackendChoice): Promise<Pipeline> {
  const faceapi = await loadFaceApi(backend);
  const dir = faceApiModelDir();
  for (const net of [
    faceapi.nets.tinyFaceDetector,
    faceapi.nets.faceLandmark68Net,
    faceapi.nets.faceExpressionNet,
  ])
    if (!net.isLoaded) await net.loadFromDisk(dir);
  return (input) =>
    withOwnTiny(faceapi, async () => {
      const image = await loadRgbImage(input);
      const t = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      try {
        const found = await faceapi
          .detectAllFaces(t as never, new faceapi.TinyFaceDetectorOptions())
          .withFaceLandmarks()
          .withFaceExpressions();
        return { faces: found.length };
      } finally {
        t.dispose();
      }
    });
}

/** ranfer's pipeline: `recognize()` with its stage timings. */
function ranferPipeline(rec: Recognizer): Pipeline {
  return async (input) => {
    const timings: RecognizeTimings = {};
    const faces = (await rec.recognize(input, timings)).length;
    return { faces, stages: timings as Required<RecognizeTimings> };
  };
}

/**
 * Each pipeline's times on a photo, in rounds: every round runs each pipeline twice, the second run timed
 * (the first lets its threads and caches settle after the others'), so that all of them meet the machine
 * in the same state: a shared virtual machine's speed drifts by tens of percent within a minute.
 */
async function timeInRounds(
  input: Buffer | string,
  pipelines: Pipeline[],
  repeats: number,
  onRound: (done: number) => void,
): Promise<{ ms: number[]; readings: Reading[] }[]> {
  const out = pipelines.map(() => ({ ms: [] as number[], readings: [] as Reading[] }));
  for (let i = 0; i < repeats; i++) {
    for (const [j, run] of pipelines.entries()) {
      await run(input);
      const t = performance.now();
      out[j].readings.push(await run(input));
      out[j].ms.push(performance.now() - t);
    }
    onRound(i + 1);
  }
  return out;
}

/** ranfer's figures on a photo from its rounds. */
function ranferCase(
  name: string,
  size: { width?: number; height?: number },
  times: { ms: number[]; readings: Reading[] },
): PhotoBenchCase {
  const faces = times.readings[0].faces;
  if (faces === 0) throw new Error(`${name}: no face found, nothing to time`);
  const ms = median(times.ms);
  const stage = (k: keyof RecognizeTimings) => median(times.readings.map((r) => r.stages?.[k] ?? 0));
  return {
    photo: name,
    width: size.width ?? 0,
    height: size.height ?? 0,
    faces,
    msPerImage: ms,
    msPerFace: ms / faces,
    stages: {
      decodeMs: stage('decodeMs'),
      detectMs: stage('detectMs'),
      alignMs: stage('alignMs'),
      classifyMs: stage('classifyMs'),
    },
  };
}

export async function runPhotoBench(o: {
  photosDir: string;
  modelDir: string;
  backend: BackendChoice;
  detector: DetectorKind;
  flipTta?: boolean;
  repeats: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<PhotoBenchResult> {
  const progress = o.onProgress ?? (() => {});
  const flipTta = o.flipTta ?? false;
  const options = { modelDir: o.modelDir, detector: o.detector, flipTta };
  const fer = await createRecognizer({ ...options, backend: o.backend });
  const onnx = (await hasOnnxRuntime()) ? await createRecognizer({ ...options, backend: 'onnx' }) : undefined;
  try {
    const faceApi = await faceApiPipeline(o.backend);
    const pipelines = [ranferPipeline(fer), faceApi, ...(onnx ? [ranferPipeline(onnx)] : [])];
    const oneFace = await sharp(path.join(o.photosDir, 'happy.jpg'))
      .resize(1366, 768, { fit: 'cover' })
      .jpeg({ quality: 90 })
      .toBuffer();
    const photos = [
      { name: 'happy.jpg scaled to 1366x768', input: oneFace as Buffer | string },
      { name: 'bbt1.jpg', input: path.join(o.photosDir, 'bbt1.jpg') },
    ];
    const cases = [];
    for (const { name, input } of photos) {
      const meta = await sharp(input).metadata();
      const [ours, theirs, onOnnx] = await timeInRounds(input, pipelines, o.repeats, (done) =>
        progress(name, done, o.repeats),
      );
      cases.push({
        ours: ranferCase(name, meta, ours),
        faceApi: { photo: name, faces: theirs.readings[0].faces, msPerImage: median(theirs.ms) },
        onnx: onOnnx && ranferCase(`${name}, onnx`, meta, onOnnx),
      });
    }
    const [one, many] = cases;
    const { tf } = await import('../../engine/backend.js');
    return {
      backend: tf.getBackend(),
      detector: o.detector,
      flipTta,
      repeats: o.repeats,
      oneFace: one.ours,
      group: many.ours,
      faceApi: { oneFace: one.faceApi, group: many.faceApi },
      ...(one.onnx && many.onnx && { onnx: { oneFace: one.onnx, group: many.onnx } }),
    };
  } finally {
    fer.dispose();
    onnx?.dispose();
  }
}
