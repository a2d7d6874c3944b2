import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The slow suites are the files named `*.slow.test.ts`: end-to-end comparisons, benchmarks and full
 * evaluations, the command line run on whole folders and on worker threads, the packed package, the API
 * reference, videos, the shipped model's ONNX export, a browser, a terminal and a server in their own
 * processes (Chromium, tmux and ffmpeg come from Debian). `npm test` runs the others; `npm run test:slow` (RANFER_TESTS=slow) runs these, and CI runs both.
 */
const SLOW = ['test/**/*.slow.test.ts'];
const slow = process.env.RANFER_TESTS === 'slow';

export default defineConfig({
  test: {
    include: slow ? SLOW : ['test/**/*.test.ts'],
    exclude: slow ? [] : SLOW,
    pool: 'forks',
    // The fast suites share their worker processes: TensorFlow.js, sharp and face-api load once per
    // process instead of once per file (a third of the wall time). The slow ones keep a process each.
    isolate: slow,
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine. The fast suites use
    // them all; the slow ones (benchmarks among them) run one file at a time.
    maxWorkers: slow ? 1 : os.availableParallelism(),
    minWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
