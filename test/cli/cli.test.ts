/** The `ranfer` command line as a user runs it (the built dist/cli/main.js). */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REGIONS } from '../../src/model/regions.js';
import { PHOTOS, writeTinyModel } from '../helpers.js';
import { ranfer } from './run.js';

describe('ranfer CLI', () => {
  it('has --help on every command', async () => {
    const top = await ranfer('--help');
    expect(top.code).toBe(0);
    for (const cmd of [
      'data',
      'train',
      'eval',
      'ablate',
      'predict',
      'video',
      'export',
      'report',
      'serve',
      'bench',
      'regions',
    ])
      expect(top.stdout).toContain(cmd);
    for (const cmd of [
      ['data'],
      ['train'],
      ['eval'],
      ['predict'],
      ['bench', 'engine'],
      ['bench', 'infer'],
      ['bench', 'onnx'],
      ['export'],
      ['regions'],
    ]) {
      const r = await ranfer(...cmd, '--help');
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ranfer /);
    }
    // The server's help says how it scales out.
    const serve = await ranfer('serve', '--help');
    expect(serve.stdout).toContain('GET /api/health');
    expect(serve.stdout).toMatch(/no state between requests/);
  });

  it('names a missing data folder and exits non-zero', async () => {
    const r = await ranfer('data', '--data', '/nonexistent/ferplus');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/ferplus: data folder not found');
  });

  it('rejects bad option values with a message', async () => {
    const r = await ranfer('bench', 'engine', '--batch', 'many');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('expected a positive whole number, got "many"');
    const s = await ranfer('eval', '--split', 'train');
    expect(s.code).not.toBe(0);
    expect(s.stderr).toMatch(/Allowed choices are test, valid/);
  });

  it('draws the regions of the model it is given (FERPlus test data)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-regions-'));
    const drawn = async (model: string) => {
      const out = path.join(dir, `${path.basename(model)}.svg`);
      const r = await ranfer('regions', '--model', model, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      return readFile(out, 'utf8');
    };
    const upper = new Set(['upper-left', 'upper-right']);
    const six = await drawn(await writeTinyModel(path.join(dir, 'six')));
    const four = await drawn(
      await writeTinyModel(
        path.join(dir, 'four'),
        DEFAULT_REGIONS.filter((r) => !upper.has(r.name)),
      ),
    );
    for (const name of ['center', 'lower', 'tight']) {
      expect(six).toContain(name);
      expect(four).toContain(name);
    }
    expect(six).toContain('upper-left');
    expect(four).not.toContain('upper-left');
  });

  it('says when a model folder has no model', async () => {
    const r = await ranfer('eval', '--model', '/nonexistent/model');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no model at /nonexistent/model');
  });

  it('predicts with the accuracy mode named by --model ensemble, and with its two folders alike', async () => {
    const happy = path.join(PHOTOS, 'happy.jpg');
    type Out = { faces: { emotion: string; probabilities: Record<string, number> }[] }[];
    const read = async (...model: string[]) => {
      const r = await ranfer('predict', ...model, '--json', happy);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Out)[0].faces.map((f) => f.probabilities);
    };
    const named = await read('--model', 'ensemble');
    const folders = await read('--model', 'models/ferplus-ran,models/ferplus-ran-distilled');
    const plain = await read();
    expect(named).toHaveLength(1);
    expect(named).toEqual(folders);
    expect(named).not.toEqual(plain);
  });
});
