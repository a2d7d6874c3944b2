/** `ranfer bench photo`: what it times and reports (no speed is asserted; the figures go to the README). */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { runFolderBench } from '../../../src/lab/bench/folder-bench.js';
import { runPhotoBench } from '../../../src/lab/bench/photo-bench.js';
import { PHOTOS } from '../../helpers.js';

describe('runPhotoBench', () => {
  it('times the one-face photo and the 4 faces of bbt1.jpg, stage by stage, with and without flip TTA', async () => {
    for (const flipTta of [false, true]) {
      const phases = new Set<string>();
      const r = await runPhotoBench({
        photosDir: PHOTOS,
        modelDir: 'models/ferplus-ran',
        backend: 'wasm',
        detector: 'tiny',
        flipTta,
        repeats: 2,
        onProgress: (phase) => phases.add(phase),
      });
      expect(r.flipTta).toBe(flipTta);
      expect(r.backend).toBe('wasm');
      expect(r.repeats).toBe(2);
      expect([r.oneFace.faces, r.group.faces]).toEqual([1, 4]);
      expect([r.oneFace.width, r.oneFace.height]).toEqual([1366, 768]);
      // onnxruntime-node is a development dependency: the same photos with backend 'onnx' in the same run.
      const onnx = r.onnx;
      expect(onnx).toBeDefined();
      if (!onnx) return;
      // One progress phase a photo: its rounds run every pipeline in turn.
      expect(phases).toEqual(new Set([r.oneFace.photo, r.group.photo]));
      expect([onnx.oneFace.photo, onnx.group.photo]).toEqual([
        `${r.oneFace.photo}, onnx`,
        `${r.group.photo}, onnx`,
      ]);
      expect([onnx.oneFace.faces, onnx.group.faces]).toEqual([1, 4]);
      // face-api.js's own pipeline on the same photos, at its defaults (threshold 0.5: 2 of bbt1's faces).
      expect([r.faceApi.oneFace.faces, r.faceApi.group.faces]).toEqual([1, 2]);
      expect(r.faceApi.oneFace.msPerImage).toBeGreaterThan(0);
      for (const c of [r.oneFace, r.group, onnx.oneFace, onnx.group]) {
        expect(c.msPerFace).toBeCloseTo(c.msPerImage / c.faces, 9);
        for (const ms of Object.values(c.stages)) expect(ms).toBeGreaterThan(0);
        const stages = c.stages.decodeMs + c.stages.detectMs + c.stages.alignMs + c.stages.classifyMs;
        // Medians of the stages need not add up to the median total, but they cannot exceed it by much.
        expect(stages).toBeLessThan(2 * c.msPerImage);
      }
    }
  });
});

describe('runFolderBench', () => {
  const base = { photosDir: PHOTOS, modelDir: 'models/ferplus-ran', backend: 'wasm' as const, workers: 2 };

  it('runs the same photos on 1 and 2 workers and finds the same faces', async () => {
    const r = await runFolderBench({ ...base, images: 6 });
    expect(r.images).toBe(6);
    expect(r.runs.map((x) => x.workers)).toEqual([1, 2]);
    expect(r.runs.map((x) => x.round)).toEqual([0, 0]);
    // The first 6 shared photos in name order: angry, bbt1 (4 faces), disgusted, fearful, happy, neutral.
    expect(r.runs.map((x) => x.faces)).toEqual([9, 9]);
    expect(r.speedups).toHaveLength(1);
    expect(r.speedup).toBeCloseTo(r.runs[1].imagesPerSec / r.runs[0].imagesPerSec, 10);
    for (const x of r.runs) {
      // The process's CPU time covers its worker threads: a run busy on models cannot use less than
      // a tenth of a core, nor more cores than the machine has.
      expect(x.cpuSeconds).toBeGreaterThan(0.1 * x.seconds);
      expect(x.coresBusy).toBeCloseTo(x.cpuSeconds / x.seconds, 10);
      expect(x.coresBusy).toBeLessThanOrEqual(os.availableParallelism() + 0.1);
    }
  });

  it('pairs 1 and 2 workers in each round and takes the median of the rounds', async () => {
    const r = await runFolderBench({ ...base, images: 2, rounds: 3 });
    expect(r.runs.map((x) => [x.round, x.workers])).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
    ]);
    const each = [0, 2, 4].map((i) => r.runs[i + 1].imagesPerSec / r.runs[i].imagesPerSec);
    expect(r.speedups).toEqual(each);
    expect(r.speedup).toBe([...each].sort((a, b) => a - b)[1]);
  });

  it('refuses rounds that are not a whole number of at least 1', async () => {
    await expect(runFolderBench({ ...base, images: 1, rounds: 0 })).rejects.toThrow(/rounds must be a whole/);
    await expect(runFolderBench({ ...base, images: 1, rounds: 1.5 })).rejects.toThrow(
      /rounds must be a whole/,
    );
  });
});
