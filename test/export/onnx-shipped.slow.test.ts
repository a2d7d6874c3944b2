/** `ranfer bench onnx` on the shipped model: the ONNX graph agrees with ranfer on every FERPlus test face. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { OnnxBenchResult } from '../../src/lab/bench/onnx-bench.js';
import { FERPLUS } from '../helpers.js';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('the shipped model exported to ONNX', () => {
  it('gives the probabilities of ranfer within 1e-4 on all 3,573 test images, and prints its speeds', async () => {
    const { stdout } = await run(
      'node',
      [path.join(ROOT, 'dist/cli/main.js'), 'bench', 'onnx', '--data', FERPLUS, '--repeats', '2', '--json'],
      { timeout: 600_000, maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(stdout) as OnnxBenchResult;
    expect(r.faces).toBe(3573); // every image of the split, the 3,137 scored faces among them
    expect(r.maxAbsDiffProbabilities).toBeLessThan(1e-4);
    expect(r.topDisagreements).toBeLessThanOrEqual(1);
    expect(r.speeds.map((s) => s.engine)).toEqual(
      expect.arrayContaining(['TensorFlow.js WASM', 'onnxruntime-node CPU']),
    );
    for (const s of r.speeds) {
      expect(s.msPerFaceBatch1).toBeGreaterThan(0);
      expect(s.facesPerSecBatch64).toBeGreaterThan(0);
    }
  });
});
