/** The API example of the README, run as written (from the repository root, importing the package by name). */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

describe('README', () => {
  it('runs the createRecognizer example', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const block = readme.match(/<!-- example:recognize -->\n```js\n([\s\S]*?)```\n<!-- \/example -->/);
    expect(block).not.toBeNull();
    const file = path.join(ROOT, '.readme-example.mjs');
    await writeFile(file, block?.[1] ?? '');
    try {
      const { stdout } = await promisify(execFile)('node', [file], { cwd: ROOT, timeout: 120_000 });
      const lines = stdout.trim().split('\n');
      // bbt1.jpg has 4 faces, then the aligned face's result.
      expect(
        lines
          .slice(0, 4)
          .every((l) =>
            /^(neutral|happiness|surprise|sadness|anger|disgust|fear|contempt) \d+% at \d+,\d+ \d+x\d+$/.test(
              l,
            ),
          ),
      ).toBe(true);
      expect(lines.length).toBeGreaterThan(4);
      expect(lines[4]).toMatch(/^(neutral|happiness|surprise|sadness|anger|disgust|fear|contempt) \{/);
    } finally {
      await rm(file, { force: true });
    }
  });
});
