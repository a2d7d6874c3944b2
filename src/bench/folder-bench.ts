/**
 * Throughput of a folder (`ranfer bench photo --folder N`): N photos (the shared photos in turn, read
 * once) through `recognizeMany` on 1 worker thread and on `workers`, images per second and the speedup.
 * Each run includes starting its workers (loading the models), as a user's run does. Each run also
 * records the CPU time of the whole process (every thread: workers, sharp's decoders, the collector): its
 * ratio to the wall-clock time is how many cores the run kept busy, which bounds the speedup a machine's
 * cores allow.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { recognizeMany } from '../api/many.js';
import type { BackendChoice } from '../engine/backend.js';

export interface FolderBenchResult {
  images: number;
  runs: {
    workers: number;
    seconds: number;
    imagesPerSec: number;
    faces: number;
    /** CPU seconds of the process (all threads, user + system) during the run. */
    cpuSeconds: number;
    /** cpuSeconds / seconds: the cores the run kept busy on average. */
    coresBusy: number;
  }[];
  /** images/s on the most workers over images/s on one. */
  speedup: number;
}

export async function runFolderBench(o: {
  photosDir: string;
  modelDir: string;
  backend: BackendChoice;
  images: number;
  workers: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}): Promise<FolderBenchResult> {
  const names = (await readdir(o.photosDir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  if (names.length === 0) throw new Error(`${o.photosDir}: no photos`);
  const photos = await Promise.all(names.map((f) => readFile(path.join(o.photosDir, f))));
  const inputs = Array.from({ length: o.images }, (_, i) => new Uint8Array(photos[i % photos.length]));
  const runs: FolderBenchResult['runs'] = [];
  for (const workers of [...new Set([1, o.workers])]) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    let faces = 0;
    let done = 0;
    for await (const r of recognizeMany(inputs, {
      concurrency: workers,
      modelDir: o.modelDir,
      backend: o.backend,
    })) {
      faces += r.faces?.length ?? 0;
      o.onProgress?.(`folder, ${workers} worker${workers > 1 ? 's' : ''}`, ++done, inputs.length);
    }
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    runs.push({
      workers,
      seconds,
      imagesPerSec: inputs.length / seconds,
      faces,
      cpuSeconds,
      coresBusy: cpuSeconds / seconds,
    });
  }
  return { images: inputs.length, runs, speedup: (runs.at(-1)?.imagesPerSec ?? 0) / runs[0].imagesPerSec };
}
