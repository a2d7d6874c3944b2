/** Common mistakes on the command line end in one clear line and a non-zero exit, never a stack trace. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHOTOS } from '../helpers.js';
import { ranfer } from './run.js';

/** Exactly one line on stderr, starting `ranfer: `, matching `message`; exit code 1. */
function expectOneLine(r: { code: number; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^ranfer: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('ranfer CLI mistakes', () => {
  it('predict --annotate naming a file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-mistake-'));
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'x');
    const r = await ranfer('predict', '--annotate', file, path.join(PHOTOS, 'happy.jpg'));
    expectOneLine(r, /--annotate .*notes\.txt: a file is there; give a folder/);
  });

  it('predict on a folder without images says so and fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-empty-'));
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    for (const extra of [[], ['--json']]) {
      const r = await ranfer('predict', dir, ...extra);
      expectOneLine(r, new RegExp(`no images in ${dir} \\(jpg, jpeg, png`));
      expect(r.stdout).toBe('');
    }
  });

  it('an option error is one line and where the help is, not the whole help', async () => {
    const cases: [string[], string][] = [
      [['predict', '--workers', '0', 'x.jpg'], 'ranfer predict'],
      [['bench', 'photo', '--rounds', 'abc'], 'ranfer bench photo'],
      [['eval', '--split', 'train'], 'ranfer eval'],
    ];
    for (const [args, command] of cases) {
      const r = await ranfer(...args);
      expect(r.code).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: option '--\w+ <\w+>' argument '\w+' is invalid/);
      expect(lines[1]).toBe(`(see '${command} --help')`);
    }
  });

  it('serve with a FaceExpressionNet share above 1', async () => {
    const r = await ranfer('serve', '--port', '0', '--face-api-weight', '2');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `error: option '--face-api-weight <w>' argument '2' is invalid. expected a number from 0 to 1, got "2"`,
    );
  });

  it('export --model ensemble: the accuracy mode is two networks, export takes one', async () => {
    const r = await ranfer('export', path.join(os.tmpdir(), 'ranfer-never.onnx'), '--model', 'ensemble');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      "error: option '--model <dir>' argument 'ensemble' is invalid. 'ensemble' is 2 networks (ferplus-ran, ferplus-ran-distilled); this command takes one model folder",
    );
  });

  it('predict --model naming a missing folder', async () => {
    const r = await ranfer('predict', '--model', '/nonexistent/model', path.join(PHOTOS, 'happy.jpg'));
    expectOneLine(r, /no model at \/nonexistent\/model/);
  });

  it('predict --model with an empty member of an ensemble, or a missing one', async () => {
    const empty = await ranfer('predict', '--model', 'models/ferplus-ran,', path.join(PHOTOS, 'happy.jpg'));
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain(
      `error: option '--model <dirs>' argument 'models/ferplus-ran,' is invalid. no model folder in "models/ferplus-ran,"`,
    );
    const missing = await ranfer(
      'predict',
      '--model',
      'models/ferplus-ran,/nonexistent/model',
      path.join(PHOTOS, 'happy.jpg'),
    );
    expectOneLine(missing, /no model at \/nonexistent\/model/);
  });

  it('serve on a port already taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const r = await ranfer('serve', '--port', String(port));
      expectOneLine(r, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use: choose another with --port`));
    } finally {
      holder.close();
    }
  });

  it('train with an unknown preset, an impossible worker count, or over an existing run', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'ranfer-mistake-run-'));
    const preset = await ranfer('train', '--preset', 'nope', '--out', out);
    expect(preset.code).not.toBe(0);
    expect(preset.stderr).toMatch(/argument 'nope' is invalid\. Allowed choices are default,/);
    // Refused before any data is loaded.
    const workers = await ranfer('train', '--workers', '3', '--out', out);
    expectOneLine(workers, /batch size 64 must split into 3 worker shares/);
    await writeFile(path.join(out, 'train-config.json'), '{}');
    const existing = await ranfer('train', '--out', out);
    expectOneLine(existing, new RegExp(`${out} already holds a run: add --resume to continue it`));
    const fresh = path.join(out, 'fresh');
    const noTeacher = await ranfer('train', '--distill-alpha', '0.5', '--out', fresh);
    expectOneLine(noTeacher, /--distill-alpha needs a teacher \(--teacher, or --preset distill/);
    const emptyTeacher = await ranfer('train', '--teacher', 'models/ferplus-ran,,x', '--out', fresh);
    expectOneLine(emptyTeacher, /--teacher: no model folder in "models\/ferplus-ran,,x"/);
    const faceApiAlone = await ranfer('train', '--face-api-alpha', '0.2', '--out', fresh);
    expectOneLine(faceApiAlone, /--face-api-alpha goes with --teacher/);
    const noModel = await ranfer('train', '--teacher', 'models/ferplus-ran,/nonexistent/run', '--out', fresh);
    expectOneLine(noModel, /--teacher: no model\.json in \/nonexistent\/run/);
    const alpha = await ranfer('train', '--preset', 'distill', '--distill-alpha', '2', '--out', fresh);
    expectOneLine(alpha, /distillation alpha must be in 0\.\.1, got 2/);
  });

  it('bench photo without the photos folder', async () => {
    const r = await ranfer('bench', 'photo', '--photos', '/nonexistent/photos');
    expectOneLine(r, /no happy\.jpg or bbt1\.jpg in \/nonexistent\/photos: give --photos DIR/);
  });
});

describe('ranfer data', () => {
  it('checks a FERPlus folder without challenge-subsets/ (they are optional)', async () => {
    const sharp = (await import('sharp')).default;
    const data = await mkdtemp(path.join(os.tmpdir(), 'ranfer-nosubsets-'));
    for (const split of ['FER2013Train', 'FER2013Valid', 'FER2013Test']) {
      await mkdir(path.join(data, split), { recursive: true });
      const png = await sharp(Buffer.alloc(48 * 48, 90), { raw: { width: 48, height: 48, channels: 1 } })
        .png()
        .toBuffer();
      await writeFile(path.join(data, split, 'fer0000000.png'), png);
      await writeFile(
        path.join(data, split, 'label.csv'),
        'fer0000000.png,"(0, 0, 48, 48)",0,10,0,0,0,0,0,0,0,0\n',
      );
    }
    const cache = await mkdtemp(path.join(os.tmpdir(), 'ranfer-nosubsets-cache-'));
    const r = await ranfer('data', '--data', data, '--cache-dir', cache);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('challenge subsets: none (no challenge-subsets/ folder');
  });
});
