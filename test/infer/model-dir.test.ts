/** Where the models are: the shipped ones by name, folders given on the command line. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelDir, modelDirs, shippedModelDirs } from '../../src/infer/model-dir.js';
import { isShippedModel, SHIPPED_MODELS } from '../../src/infer/shipped-models.js';

const MODELS = path.resolve(import.meta.dirname, '../../models');

describe('shipped models', () => {
  it("are the package's model folders, each with its network and weights", () => {
    expect(shippedModelDirs('default')).toEqual([path.join(MODELS, 'ferplus-ran')]);
    expect(defaultModelDir()).toBe(path.join(MODELS, 'ferplus-ran'));
    expect(shippedModelDirs('ensemble')).toEqual([
      path.join(MODELS, 'ferplus-ran'),
      path.join(MODELS, 'ferplus-ran-distilled'),
    ]);
    for (const name of Object.keys(SHIPPED_MODELS) as (keyof typeof SHIPPED_MODELS)[])
      for (const dir of shippedModelDirs(name))
        for (const f of ['model.json', 'weights.bin', 'README.md'])
          expect(existsSync(path.join(dir, f)), `${dir}/${f}`).toBe(true);
  });

  it('are named by exactly their names', () => {
    expect(['default', 'ensemble'].map(isShippedModel)).toEqual([true, true]);
    expect(['Ensemble', 'toString', 'hasOwnProperty', '', undefined, 1].map(isShippedModel)).toEqual(
      Array(6).fill(false),
    );
  });
});

describe('modelDirs (the --model value)', () => {
  it('reads a shipped name, one folder, or folders joined by commas', () => {
    expect(modelDirs('ensemble')).toEqual(shippedModelDirs('ensemble'));
    expect(modelDirs('default')).toEqual([defaultModelDir()]);
    expect(modelDirs('./ensemble')).toEqual(['./ensemble']);
    expect(modelDirs('a, b')).toEqual(['a', 'b']);
    expect(modelDirs(['ensemble'])).toEqual(['ensemble']);
  });

  it('refuses an empty folder', () => {
    expect(() => modelDirs('a,,b')).toThrow('no model folder in "a,,b"');
    expect(() => modelDirs([])).toThrow('no model folder');
  });
});
