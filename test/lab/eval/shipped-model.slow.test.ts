/**
 * `ranfer eval` on the committed models reproduces their metrics files (test split and the three subsets): the
 * default model's, and the accuracy mode's (`--model ensemble`), whose figures its second member's folder keeps.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

describe.each([
  { name: 'default', metrics: 'models/ferplus-ran/metrics.json' },
  { name: 'ensemble', metrics: 'models/ferplus-ran-distilled/metrics.json' },
])('the shipped model $name', ({ name, metrics }) => {
  it(`ranfer eval --model ${name} --subset all --json reproduces ${metrics}`, async () => {
    const { stdout } = await run(
      'node',
      [path.join(ROOT, 'dist/cli/main.js'), 'eval', '--model', name, '--subset', 'all', '--json'],
      {
        timeout: 600_000,
        maxBuffer: 1 << 24,
      },
    );
    const got = JSON.parse(stdout) as Array<{
      set: string;
      count: number;
      accuracy: number;
      confusion: number[][];
    }>;
    const want = JSON.parse(readFileSync(path.join(ROOT, metrics), 'utf8')).eval as typeof got;
    expect(got.map((r) => [r.set, r.count])).toEqual([
      ['test', 3137],
      ['occlusion', 605],
      ['pose30', 1170],
      ['pose45', 633],
    ]);
    got.forEach((r, i) => {
      expect(r.set).toBe(want[i].set);
      expect(r.count).toBe(want[i].count);
      expect(r.accuracy).toBeCloseTo(want[i].accuracy, 6);
      expect(r.confusion).toEqual(want[i].confusion);
    });
  });
});
