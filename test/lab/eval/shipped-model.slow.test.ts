/** `ranfer eval` on the committed model reproduces its metrics file (test split and the three subsets). */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const MODEL = path.join(ROOT, 'models/ferplus-ran');

describe('the shipped model', () => {
  it('ranfer eval --subset all --json reproduces models/ferplus-ran/metrics.json', async () => {
    const { stdout } = await run(
      'node',
      [path.join(ROOT, 'dist/cli/main.js'), 'eval', '--subset', 'all', '--json'],
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
    const want = JSON.parse(readFileSync(path.join(MODEL, 'metrics.json'), 'utf8')).eval as typeof got;
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
