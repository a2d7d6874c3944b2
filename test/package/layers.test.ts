/** The import rules of src/ hold, and the check finds each kind of offence in a tree that breaks them. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLayers, LAYERS, mermaid, unitOf } from '../../scripts/check-layers.js';

describe('import layers', () => {
  it('src/ has no cycle, no upward import, and its library never imports the lab', () => {
    const r = checkLayers(path.resolve(import.meta.dirname, '../../src'));
    expect(r.files).toBeGreaterThan(100);
    expect(r.cycles).toEqual([]);
    expect(r.upward).toEqual([]);
    expect(r.libraryToLab).toEqual([]);
    expect(r.browserToNode).toEqual([]);
    expect(mermaid(r)).toContain('api --> infer');
    expect(mermaid(r)).toContain('lab_train --> lab_parallel');
  });

  it('keeps the lab in src/lab/, each of its folders a layer above the library and below the command line', () => {
    expect(unitOf('lab/train/trainer.ts')).toBe('lab/train');
    expect(unitOf('api/recognizer.ts')).toBe('api');
    expect(unitOf('index.ts')).toBe('index.ts');
    const rankOf = (u: string) => LAYERS.findIndex((l) => l.includes(u));
    const labRanks = LAYERS.flat()
      .filter((u) => u.startsWith('lab/'))
      .map(rankOf);
    expect(labRanks.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...labRanks)).toBeGreaterThan(rankOf('index.ts'));
    expect(Math.max(...labRanks)).toBeLessThan(rankOf('cli'));
  });

  const root = mkdtempSync(path.join(tmpdir(), 'ranfer-layers-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };

  it('reports a cycle, an upward import, a same-layer import, the library reaching the lab, the browser reaching Node', () => {
    put('util/a.ts', "import { b } from './b.js';\nexport const a = 1;");
    put('util/b.ts', "export { a as b } from './a.js';");
    put('data/d.ts', "import type { M } from '../model/m.js';\nexport type D = M;");
    put('model/m.ts', 'export type M = number;');
    put('api/x.ts', "export const x = () => import('../train/t.js');");
    put('train/t.ts', 'export const t = 2;');
    put('index.ts', "export * from './api/x.js';");
    put('browser/index.ts', "export { m } from '../model/n.js';");
    put('model/n.ts', "import { readFileSync } from 'node:fs';\nexport const m = readFileSync;");
    const layers = [['util'], ['data'], ['model'], ['api', 'train'], ['index.ts', 'browser']];
    const r = checkLayers(root, layers, ['train']);
    expect(r.files).toBe(9);
    expect(r.cycles).toEqual([['util/a.ts', 'util/b.ts', 'util/a.ts']]);
    expect(r.upward.sort()).toEqual(['api/x.ts -> train/t.ts', 'data/d.ts -> model/m.ts']);
    expect(r.libraryToLab).toEqual(['train/t.ts']);
    expect(r.browserToNode).toEqual(['model/n.ts -> node:fs']);
  });
});
