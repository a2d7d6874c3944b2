/**
 * `ranfer bench photo`: end-to-end time on 1366x768 photos, decode + detection + landmarks + alignment +
 * RAN: per image with one face (happy.jpg scaled to 1366x768) and per face on bbt1.jpg (4 faces); beside
 * it, face-api.js's own pipeline (detection, landmarks, FaceExpressionNet) on the same photos.
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
   * defaults, `.withFaceLandmarks().withFaceExpressions()`), decoding included, in the same run.
   */
  faceApi: { oneFace: FaceApiPipelineCase; group: FaceApiPipelineCase };
  /**
   * ranfer with `backend: 'onnx'` (the emotion model on onnxruntime-node, detection on TensorFlow.js), in
   * the same run; absent when onnxruntime-node is not installed.
   */
  onnx?: { oneFace: PhotoBenchCase; group: PhotoBenchCase };
}

/** Median ms of face-api.js's own pipeline on a photo, decoding included (its detector unfused, as shipped). */
async function timeFaceApi(
  backend: BackendChoice,
  name: string,
  input: Buffer | string,
  repeats: number,
): Promise<FaceApiPipelineCase> {
  const faceapi = await loadFaceApi(backend);
  const dir = faceApiModelDir();
  for (const net of [
    faceapi.nets.tinyFaceDetector,
    faceapi.nets.faceLandmark68Net,
    faceapi.nets.faceExpressionNet,
  ])
    if (!net.isLoaded) await net.loadFromDisk(dir);
  // Decoding included, as in ranfer's figure (the same decoder: EXIF orientation, RGB).
  const run = async () => {
    const image = await loadRgbImage(input);
    const t = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      return await faceapi
        .detectAllFaces(t as never, new faceapi.TinyFaceDetectorOptions())
        .withFaceLandmarks()
        .withFaceExpressions();
    } finally {
      t.dispose();
    }
  };
  return withOwnTiny(faceapi, async () => {
    let faces = 0;
    for (let i = 0; i < 2; i++) faces = (await run()).length;
    const totals: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      await run();
      totals.push(performance.now() - t);
    }
    return { photo: name, faces, msPerImage: median(totals) };
  });
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
  const fer = await createRecognizer({
    modelDir: o.modelDir,
    backend: o.backend,
    detector: o.detector,
    flipTta,
  });
  try {
    const oneFace = await sharp(path.join(o.photosDir, 'happy.jpg'))
      .resize(1366, 768, { fit: 'cover' })
      .jpeg({ quality: 90 })
      .toBuffer();
    const group = path.join(o.photosDir, 'bbt1.jpg');
    const measure = async (
      name: string,
      input: Buffer | string,
      rec: Recognizer = fer,
    ): Promise<PhotoBenchCase> => {
      const meta = await sharp(input).metadata();
      let faces = 0;
      for (let i = 0; i < 2; i++) faces = (await rec.recognize(input)).length;
      if (faces === 0) throw new Error(`${name}: no face found, nothing to time`);
      const totals: number[] = [];
      const stages: Required<RecognizeTimings>[] = [];
      for (let i = 0; i < o.repeats; i++) {
        const timings: RecognizeTimings = {};
        const t = performance.now();
        await rec.recognize(input, timings);
        totals.push(performance.now() - t);
        stages.push(timings as Required<RecognizeTimings>);
        progress(name, i + 1, o.repeats);
      }
      const ms = median(totals);
      const stage = (k: keyof RecognizeTimings) => median(stages.map((s) => s[k]));
      return {
        photo: name,
        width: meta.width ?? 0,
        height: meta.height ?? 0,
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
    };
    const one = await measure('happy.jpg scaled to 1366x768', oneFace);
    const many = await measure('bbt1.jpg', group);
    progress('face-api.js', 0, 2);
    const faceApi = {
      oneFace: await timeFaceApi(o.backend, one.photo, oneFace, o.repeats),
      group: await timeFaceApi(o.backend, many.photo, group, o.repeats),
    };
    progress('face-api.js', 2, 2);
    const onnx = await withOnnx(o, flipTta, async (rec) => ({
      oneFace: await measure(`${one.photo}, onnx`, oneFace, rec),
      group: await measure(`${many.photo}, onnx`, group, rec),
    }));
    const { tf } = await import('../../engine/backend.js');
    return {
      backend: tf.getBackend(),
      detector: o.detector,
      flipTta,
      repeats: o.repeats,
      oneFace: one,
      group: many,
      faceApi,
      ...(onnx && { onnx }),
    };
  } finally {
    fer.dispose();
  }
}

/** Runs `fn` with a recognizer on `backend: 'onnx'`; undefined when onnxruntime-node is not installed. */
async function withOnnx<T>(
  o: { modelDir: string; detector: DetectorKind },
  flipTta: boolean,
  fn: (rec: Recognizer) => Promise<T>,
): Promise<T | undefined> {
  if (!(await hasOnnxRuntime())) return undefined;
  const rec = await createRecognizer({
    modelDir: o.modelDir,
    backend: 'onnx',
    detector: o.detector,
    flipTta,
  });
  try {
    return await fn(rec);
  } finally {
    rec.dispose();
  }
}
