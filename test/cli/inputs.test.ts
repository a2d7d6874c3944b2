import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandInputs } from '../../src/cli/inputs.js';
import { PHOTOS } from '../helpers.js';

describe('expandInputs', () => {
  it('keeps an absolute glob absolute and a relative one relative, sorted', async () => {
    const abs = await expandInputs([path.join(PHOTOS, 'h*.jpg')]);
    expect(abs).toEqual({ files: [path.join(PHOTOS, 'happy.jpg')], expanded: true });
    const rel = path.relative(process.cwd(), PHOTOS);
    const relative = await expandInputs([`${rel}/s*.jpg`]);
    expect(relative.files).toEqual([`${rel}/sad.jpg`, `${rel}/surprised.jpg`]);
  });

  it('expands a folder recursively and keeps a missing file as given', async () => {
    const r = await expandInputs([PHOTOS, 'missing.png']);
    expect(r.files).toContain(path.join(PHOTOS, 'bbt1.jpg'));
    expect(r.files.at(-1)).toBe('missing.png');
  });
});
