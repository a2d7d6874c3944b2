/**
 * Throughput of a folder (`ranfer bench photo --folder N`): N photos (the shared photos in turn, read
 * once) through `recognizeMany` on 1 worker thread and on `workers`, images per second and the speedup.
 * Each run includes starting its workers (loading the models), as a user's run does. Each run also
 * records the CPU time of the whole process (every thread: workers, sharp's decoders, the collector): its
 * ratio to the wall-clock time is how many cores the run kept busy, which bounds the speedup a machine's
 * cores allow. With several rounds (1 worker, then `workers`, then again) the speedup is the median of the
 * rounds' speedups: a shared machine's speed drifts from one run to the next.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { recognizeMany } from '../../api/many.js';
import type { BackendChoice } from '../../engine/backend.js';
import { median } from '../../util/stats.js';

export interface FolderBenchResult {
  images: number;
  runs: {
    /** Round of the run, from 0. */
    round: number;
    workers: number;
    seconds: number;
    imagesPerSec: number;
    faces: number;
    /** CPU seconds of the process (all threads, user + system) during the run. */
    cpuSeconds: number;
    /** cpuSeconds / seconds: the cores the run kept busy on average. */
    coresBusy: number;
  }[];
  /** Each round's images/s on the most workers over its images/s on one. */
  speedups: number[];
  /** The median of `speedups` (the upper one of an even count). */
  speedup: number;
}

export interface FolderBenchOptions {
  photosDir: string;
  modelDir: string;
  backend: BackendChoice;
  images: number;
  workers: number;
  /** Rounds of 1 worker then `workers` (default 1). */
  rounds?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export async function runFolderBench(o: FolderBenchOptions): Promise<FolderBenchResult> {
  const names = (await readdir(o.photosDir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort();
  if (names.length === 0) throw new Error(`${o.photosDir}: no photos`);
  const photos = await Promise.all(names.map((f) => readFile(path.join(o.photosDir, f))));
  const inputs = Array.from({ length: o.images }, (_, i) => new Uint8Array(photos[i % photos.length]));
  const rounds = o.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new RangeError(`rounds must be a whole number >= 1, got ${rounds}`);
  const runs: FolderBenchResult['runs'] = [];
  const speedups: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const pair = [];
    for (const workers of [...new Set([1, o.workers])]) pair.push(await timeRun(inputs, workers, round, o));
    runs.push(...pair);
    speedups.push((pair.at(-1)?.imagesPerSec ?? 0) / pair[0].imagesPerSec);
  }
  return { images: inputs.length, runs, speedups, speedup: median(speedups) };
}

async function timeRun(
  inputs: Uint8Array[],
  workers: number,
  round: number,
  o: FolderBenchOptions,
): Promise<FolderBenchResult['runs'][number]> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  let faces = 0;
  let done = 0;
  const label = `folder, ${workers} worker${workers > 1 ? 's' : ''}`;
  const phase = o.rounds && o.rounds > 1 ? `${label}, round ${round + 1}` : label;
  for await (const r of recognizeMany(inputs, {
    concurrency: workers,
    modelDir: o.modelDir,
    backend: o.backend,
  })) {
    faces += r.faces?.length ?? 0;
    o.onProgress?.(phase, ++done, inputs.length);
  }
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    round,
    workers,
    seconds,
    imagesPerSec: inputs.length / seconds,
    faces,
    cpuSeconds,
    coresBusy: cpuSeconds / seconds,
  };
}
