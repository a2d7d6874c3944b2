/**
 * `ranfer bench photo`: end-to-end time on 1366x768 photos, decode + detection + landmarks + alignment +
 * RAN: per image with one face (happy.jpg scaled to 1366x768) and per face on bbt1.jpg (4 faces).
 */
import path from 'node:path';
import sharp from 'sharp';
import { createRecognizer, type RecognizeTimings } from '../api/recognizer.js';
import type { BackendChoice } from '../engine/backend.js';
import type { DetectorKind } from '../face/detector.js';
import { median } from '../util/stats.js';

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

export interface PhotoBenchResult {
  backend: string;
  detector: DetectorKind;
  /** Whether the RAN averaged each face with its mirror image (flip test-time augmentation). */
  flipTta: boolean;
  repeats: number;
  oneFace: PhotoBenchCase;
  group: PhotoBenchCase;
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
    const measure = async (name: string, input: Buffer | string): Promise<PhotoBenchCase> => {
      const meta = await sharp(input).metadata();
      let faces = 0;
      for (let i = 0; i < 2; i++) faces = (await fer.recognize(input)).length;
      if (faces === 0) throw new Error(`${name}: no face found, nothing to time`);
      const totals: number[] = [];
      const stages: Required<RecognizeTimings>[] = [];
      for (let i = 0; i < o.repeats; i++) {
        const timings: RecognizeTimings = {};
        const t = performance.now();
        await fer.recognize(input, timings);
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
    const { tf } = await import('../engine/backend.js');
    return {
      backend: tf.getBackend(),
      detector: o.detector,
      flipTta,
      repeats: o.repeats,
      oneFace: one,
      group: many,
    };
  } finally {
    fer.dispose();
  }
}
