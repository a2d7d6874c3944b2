/** The API example of the README, run as written (from the repository root, importing the package by name). */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FERPLUS, PHOTOS } from './helpers.js';

const ROOT = path.resolve(__dirname, '..');

describe('README', () => {
  it('runs the createRecognizer example', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const block = readme.match(/<!-- example:recognize -->\n```js\n([\s\S]*?)```\n<!-- \/example -->/);
    expect(block).not.toBeNull();
    // The file sits in the repository, so that `import 'ranfer'` finds the package; it runs in a folder
    // holding the photo.jpg (bbt1.jpg, 4 faces) and face.png (a FERPlus test face) it names.
    const file = path.join(ROOT, '.readme-example.mjs');
    await writeFile(file, block?.[1] ?? '');
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'ranfer-readme-'));
    await symlink(path.join(PHOTOS, 'bbt1.jpg'), path.join(cwd, 'photo.jpg'));
    await symlink(path.join(FERPLUS, 'FER2013Test', 'fer0032222.png'), path.join(cwd, 'face.png'));
    try {
      const { stdout } = await promisify(execFile)('node', [file], { cwd, timeout: 120_000 });
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
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
