/** Folders of labelled face crops: exact counts on ckplus-dev, and one-line errors for bad folders. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../../src/data/emotions.js';
import { readFaceFolder } from '../../../src/lab/data/face-folder.js';
import { CKPLUS_DEV } from '../../helpers.js';

async function folder(csv: string | null, images: string[] = []): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-faces-'));
  if (csv !== null) await fs.writeFile(path.join(dir, 'labels.csv'), csv);
  for (const f of images) await fs.writeFile(path.join(dir, f), 'x');
  return dir;
}

describe('readFaceFolder', () => {
  it('reads ckplus-dev: 522 faces with the README counts per class, found in images/', async () => {
    const f = await readFaceFolder(CKPLUS_DEV);
    expect(f.files).toHaveLength(522);
    const counts = Object.fromEntries(EMOTIONS.map((e, c) => [e, f.labels.filter((l) => l === c).length]));
    expect(counts).toEqual({
      neutral: 0,
      anger: 72,
      contempt: 27,
      disgust: 90,
      fear: 45,
      happiness: 111,
      sadness: 45,
      surprise: 132,
    });
    expect(f.files[0]).toBe(path.join(CKPLUS_DEV, 'images', 'S010_004_00000017.png'));
    expect(EMOTIONS[f.labels[0]]).toBe('anger');
  });

  it('finds images beside labels.csv, and accepts label names in any case', async () => {
    const dir = await folder('file,label\na.png,Happiness\nb.png,fear\n', ['a.png', 'b.png']);
    const f = await readFaceFolder(dir);
    expect(f.files).toEqual([path.join(dir, 'a.png'), path.join(dir, 'b.png')]);
    expect(Array.from(f.labels)).toEqual([1, 6]);
  });

  it('keeps an image listed under two labels as two rows', async () => {
    const dir = await folder('file,label\na.png,fear\nb.png,anger\na.png,surprise\n', ['a.png', 'b.png']);
    const f = await readFaceFolder(dir);
    expect(f.files).toEqual([path.join(dir, 'a.png'), path.join(dir, 'b.png'), path.join(dir, 'a.png')]);
    expect(Array.from(f.labels)).toEqual([6, 4, 2]);
  });

  it('names the file and line of each problem', async () => {
    const cases: Array<[string | null, string[], RegExp]> = [
      [null, [], /labels\.csv: no labels\.csv in this folder/],
      [
        'name,emotion\na.png,fear\n',
        ['a.png'],
        /labels\.csv:1: the first line must be the header "file,label"/,
      ],
      ['file,label\na.png,joy\n', ['a.png'], /labels\.csv:2: unknown label "joy"/],
      ['file,label\na.png,fear\na.png,Fear\n', ['a.png'], /labels\.csv:3: duplicate row "a\.png" \(fear\)/],
      ['file,label\nmissing.png,fear\n', [], /labels\.csv:2: no image "missing\.png"/],
      ['file,label\na.png,fear,extra\n', ['a.png'], /labels\.csv:2: expected 2 fields/],
      ['file,label\n', [], /labels\.csv: no images listed/],
    ];
    for (const [csv, images, message] of cases) {
      const dir = await folder(csv, images);
      await expect(readFaceFolder(dir)).rejects.toThrow(message);
    }
  });
});
