/** The image loader and its cache, on a small FERPlus-shaped folder made here, and on the real test split. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSplit } from '../../../src/lab/data/ferplus.js';
import { FERPLUS } from '../../helpers.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-data-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

let dataDir = '';
let cacheDir = '';
let run = 0;

async function writeFace(file: string, value: number, size = 48): Promise<void> {
  const px = Buffer.alloc(size * size, value);
  await sharp(px, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toFile(file);
}

/** Byte equality without the test runner's element-by-element diffing (slow on megabytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

const ROWS = [
  'fer0000000.png,"(0, 0, 48, 48)",4,0,0,1,3,2,0,0,0,0',
  'fer0000001.png,"(0, 0, 48, 48)",0,10,0,0,0,0,0,0,0,0',
  'fer0000002.png,"(0, 0, 48, 48)",0,0,9,0,0,0,0,0,1,0',
];

beforeEach(async () => {
  run++;
  dataDir = path.join(tmp, `data${run}`);
  cacheDir = path.join(tmp, `cache${run}`);
  const dir = path.join(dataDir, 'FER2013Test');
  await fs.mkdir(dir, { recursive: true });
  await Promise.all(ROWS.map((_, i) => writeFace(path.join(dir, `fer000000${i}.png`), 10 * (i + 1))));
  await fs.writeFile(path.join(dir, 'label.csv'), `${ROWS.join('\n')}\n`);
});

describe('loadSplit', () => {
  it('decodes the images once, then loads them from the cache', async () => {
    const first = await loadSplit(dataDir, 'test', { cacheDir });
    expect(first.source).toBe('images');
    expect(first.data.count).toBe(3);
    expect(first.data.names).toEqual(['fer0000000.png', 'fer0000001.png', 'fer0000002.png']);
    expect(first.data.pixels.length).toBe(3 * 48 * 48);
    expect([first.data.pixels[0], first.data.pixels[48 * 48], first.data.pixels[2 * 48 * 48 + 100]]).toEqual([
      10, 20, 30,
    ]);
    expect(Array.from(first.data.votes.subarray(10, 20))).toEqual([0, 10, 0, 0, 0, 0, 0, 0, 0, 0]);
    const second = await loadSplit(dataDir, 'test', { cacheDir });
    expect(second.source).toBe('cache');
    expect(second.data.pixels).toEqual(first.data.pixels);
    expect(second.data.votes).toEqual(first.data.votes);
  });

  it('rebuilds the cache when an image changes', async () => {
    await loadSplit(dataDir, 'test', { cacheDir });
    const file = path.join(dataDir, 'FER2013Test', 'fer0000001.png');
    await writeFace(file, 77);
    const later = new Date(Date.now() + 5000);
    await fs.utimes(file, later, later);
    const again = await loadSplit(dataDir, 'test', { cacheDir });
    expect(again.source).toBe('images');
    expect(again.rebuiltBecause).toBe('the source data changed');
    expect(again.data.pixels[48 * 48]).toBe(77);
  });

  it('detects a corrupt cache and rebuilds it', async () => {
    const first = await loadSplit(dataDir, 'test', { cacheDir });
    const buf = await fs.readFile(first.cacheFile);
    buf[buf.length - 40] ^= 0xff;
    await fs.writeFile(first.cacheFile, buf);
    const again = await loadSplit(dataDir, 'test', { cacheDir });
    expect(again.source).toBe('images');
    expect(again.rebuiltBecause).toBe('payload checksum mismatch');
    expect(again.data.pixels).toEqual(first.data.pixels);
    await fs.writeFile(first.cacheFile, 'garbage');
    expect((await loadSplit(dataDir, 'test', { cacheDir })).rebuiltBecause).toBe('not a ranfer cache file');
  });

  it('names the missing folder', async () => {
    await expect(loadSplit(path.join(tmp, 'nope'), 'test', { cacheDir })).rejects.toThrow(
      /nope: data folder not found/,
    );
    await expect(loadSplit(dataDir, 'train', { cacheDir })).rejects.toThrow(
      /FER2013Train: FER2013Train folder not found/,
    );
  });

  it('names a missing image and its label.csv line', async () => {
    await fs.rm(path.join(dataDir, 'FER2013Test', 'fer0000002.png'));
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /fer0000002\.png listed at line 3 of label\.csv is missing/,
    );
  });

  it('names the file and line of a malformed CSV row', async () => {
    const csv = path.join(dataDir, 'FER2013Test', 'label.csv');
    await fs.writeFile(csv, `${ROWS[0]}\nfer0000001.png,"(0, 0, 48, 48)",0,10,0\n`);
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /label\.csv:2: expected 12 fields/,
    );
    await fs.writeFile(csv, `${ROWS[0]}\nfer0000001.png,"(0, 0, 48, 48)",0,x,0,0,0,0,0,0,0,0\n`);
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /label\.csv:2: vote counts must be whole numbers/,
    );
  });

  it('counts blank lines in label.csv line numbers', async () => {
    const csv = path.join(dataDir, 'FER2013Test', 'label.csv');
    await fs.writeFile(
      csv,
      `${ROWS[0]}\n\n${ROWS[1]}\nfer0000002.png,"(0, 0, 48, 48)",0,x,0,0,0,0,0,0,0,0\n`,
    );
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /label\.csv:4: vote counts must be whole numbers/,
    );
  });

  it('says a truncated image is truncated', async () => {
    const file = path.join(dataDir, 'FER2013Test', 'fer0000001.png');
    const png = await fs.readFile(file);
    await fs.writeFile(file, png.subarray(0, png.length - 30));
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /fer0000001\.png: truncated or corrupt image/,
    );
  });

  it('keeps one cache per data folder: another folder does not overwrite it', async () => {
    const other = path.join(tmp, `other${run}`);
    await fs.cp(dataDir, other, { recursive: true });
    await writeFace(path.join(other, 'FER2013Test', 'fer0000000.png'), 200);
    const mine = await loadSplit(dataDir, 'test', { cacheDir });
    const theirs = await loadSplit(other, 'test', { cacheDir });
    expect(theirs.cacheFile).not.toBe(mine.cacheFile);
    const again = await loadSplit(dataDir, 'test', { cacheDir });
    expect(again.source).toBe('cache');
    expect(again.data.pixels[0]).toBe(10);
  });

  it('names an unreadable image and one of the wrong size', async () => {
    const dir = path.join(dataDir, 'FER2013Test');
    await fs.writeFile(path.join(dir, 'fer0000001.png'), 'this is not a png');
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /fer0000001\.png: unreadable image/,
    );
    await writeFace(path.join(dir, 'fer0000001.png'), 5, 40);
    await expect(loadSplit(dataDir, 'test', { cacheDir })).rejects.toThrow(
      /fer0000001\.png: wrong image size 40x40, expected 48x48/,
    );
  });

  it('loads the real FERPlus test split: 3,573 images, from the cache the second time', async () => {
    const dir = path.join(tmp, 'real-cache');
    const first = await loadSplit(FERPLUS, 'test', { cacheDir: dir });
    expect(first.source).toBe('images');
    expect(first.data.count).toBe(3573);
    const second = await loadSplit(FERPLUS, 'test', { cacheDir: dir });
    expect(second.source).toBe('cache');
    expect(sameBytes(second.data.pixels, first.data.pixels)).toBe(true);
  });
});
