/** `ranfer predict` as a user runs it. */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PredictEntry } from '../../src/cli/predict-output.js';
import { EMOTIONS } from '../../src/data/emotions.js';
import { PHOTOS } from '../helpers.js';
import { ranfer } from './run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-predict-'));
  await writeFile(path.join(dir, 'text.jpg'), 'hello\n');
  await sharp({ create: { width: 200, height: 150, channels: 3, background: '#a0a0a0' } })
    .png()
    .toFile(path.join(dir, 'blank.png'));
});

describe('ranfer predict', () => {
  it('prints one JSON entry per input, goes on past bad files and exits 1 when one is unreadable', async () => {
    const r = await ranfer(
      'predict',
      '--json',
      path.join(PHOTOS, 'happy.jpg'),
      path.join(PHOTOS, 'bbt1.jpg'),
      path.join(dir, 'text.jpg'),
      path.join(dir, 'blank.png'),
      '--annotate',
      path.join(dir, 'out'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('text.jpg: not an image');
    const entries = JSON.parse(r.stdout) as PredictEntry[];
    expect(entries.map((e) => path.basename(e.file))).toEqual([
      'happy.jpg',
      'bbt1.jpg',
      'text.jpg',
      'blank.png',
    ]);
    expect(entries.map((e) => e.faces.length)).toEqual([1, 4, 0, 0]);
    expect(entries[2].error).toMatch(/not an image/);
    expect(entries[3].error).toBeUndefined();
    const face = entries[0].faces[0];
    expect(Object.keys(face).sort()).toEqual(
      ['attention', 'box', 'emotion', 'landmarks', 'probabilities', 'score'].sort(),
    );
    expect(face.emotion).toBe('happiness');
    expect(Object.keys(face.probabilities)).toEqual([...EMOTIONS]);
    expect(face.landmarks).toHaveLength(68);
    expect((await readdir(path.join(dir, 'out'))).sort()).toEqual(
      ['blank.png', 'bbt1.png', 'happy.png'].sort(),
    );
    const meta = await sharp(path.join(dir, 'out', 'bbt1.png')).metadata();
    expect([meta.width, meta.height]).toEqual([1366, 768]);
  });

  it('expands folders, prints a table and exits 0 when every input was read (SSD detector)', async () => {
    const r = await ranfer('predict', PHOTOS, '--detector', 'ssd', '--min-confidence', '0.9');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/bbt1\.jpg: 4 faces/);
    expect(r.stdout).toMatch(/happy\.jpg: 1 face\n/);
    expect(r.stdout).toContain('8 inputs, 11 faces');
  });

  it('rejects a confidence outside 0..1', async () => {
    const r = await ranfer('predict', PHOTOS, '--min-confidence', '2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('expected 0..1');
  });
});

describe('ranfer predict --jsonl / --csv', () => {
  it('streams a line per input and a row per face, and --resume skips what the files already hold', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'ranfer-stream-'));
    const jsonl = path.join(out, 'faces.jsonl');
    const csv = path.join(out, 'faces.csv');
    const inputs = ['happy.jpg', 'bbt1.jpg', 'sad.jpg'].map((f) => path.join(PHOTOS, f));
    // A first run over the first input, as if stopped there (with a half-written line after it).
    const first = await ranfer('predict', inputs[0], '--jsonl', jsonl, '--csv', csv);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(jsonl, `${await readFile(jsonl, 'utf8')}{"file":"half`);
    const refused = await ranfer('predict', ...inputs, '--jsonl', jsonl);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('faces.jsonl exists: add --resume');
    const rest = await ranfer('predict', ...inputs, '--jsonl', jsonl, '--csv', csv, '--resume');
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stderr).toContain('1 inputs already done, 2 to go');
    const lines = (await readFile(jsonl, 'utf8')).trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as PredictEntry);
    expect(entries.map((e) => e.file)).toEqual(inputs);
    expect(entries.map((e) => e.faces.length)).toEqual([1, 4, 1]);
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe(`file,face,x,y,width,height,score,emotion,${EMOTIONS.join(',')},error`);
    // One row per face: 1 + 4 + 1, each with its file, face number and 8 probabilities summing to 1.
    expect(rows).toHaveLength(7);
    const bbt = rows.filter((r) => r.startsWith(inputs[1]));
    expect(bbt.map((r) => r.split(',')[1])).toEqual(['1', '2', '3', '4']);
    const probs = rows[1].split(',').slice(8, 16).map(Number);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });
});

describe('ranfer predict --workers', () => {
  it('gives on 2 worker threads, in input order, what one thread gives', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'ranfer-workers-'));
    const inputs = ['happy.jpg', 'bbt1.jpg', 'sad.jpg', 'angry.jpg'].map((f) => path.join(PHOTOS, f));
    const read = async (name: string) =>
      (await readFile(path.join(out, name), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as PredictEntry);
    const one = await ranfer('predict', ...inputs, '--jsonl', path.join(out, 'one.jsonl'));
    const two = await ranfer('predict', ...inputs, '--workers', '2', '--jsonl', path.join(out, 'two.jsonl'));
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const a = await read('one.jsonl');
    const b = await read('two.jsonl');
    expect(b.map((e) => e.file)).toEqual(inputs);
    expect(b.map((e) => e.faces.map((f) => f.emotion))).toEqual(a.map((e) => e.faces.map((f) => f.emotion)));
    expect(b.map((e) => e.faces.map((f) => f.box))).toEqual(a.map((e) => e.faces.map((f) => f.box)));
  });
});
