/** `ranfer eval --faces`: a folder of labelled crops scored like the FERPlus splits, in either framing. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecognizer, EMOTIONS, type Recognizer } from '../../../src/index.js';
import type { FaceFolderReport } from '../../../src/lab/eval/face-folder-eval.js';
import { classificationMetrics } from '../../../src/util/metrics.js';
import { ranfer } from '../../cli/run.js';
import { CKPLUS_DEV, SFEW_TRAIN } from '../../helpers.js';

/** Two ckplus-dev faces of each class (the first and last of its rows), linked into a new folder. */
async function sampleFolder(): Promise<{ dir: string; rows: [string, string][] }> {
  const text = await fs.readFile(path.join(CKPLUS_DEV, 'labels.csv'), 'utf8');
  const all = text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',') as [string, string]);
  const rows: [string, string][] = [];
  for (const e of new Set(all.map((r) => r[1]))) {
    const of = all.filter((r) => r[1] === e);
    rows.push(of[0], of[of.length - 1]);
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-ck-'));
  await fs.mkdir(path.join(dir, 'images'));
  for (const [f] of rows) await fs.symlink(path.join(CKPLUS_DEV, 'images', f), path.join(dir, 'images', f));
  await fs.writeFile(
    path.join(dir, 'labels.csv'),
    `file,label\n${rows.map((r) => r.join(',')).join('\n')}\n`,
  );
  return { dir, rows };
}

/** `ranfer eval --faces DIR --json --workers 1 ...extra`, which must succeed, as its report. */
async function evalFolder(dir: string, ...extra: string[]): Promise<FaceFolderReport> {
  const r = await ranfer('eval', '--faces', dir, '--json', '--workers', '1', ...extra);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as FaceFolderReport;
}

/** The confusion matrix and balanced accuracy of a recognizer's classifyAligned() on the sampled crops. */
async function apiMetrics(recognizer: Recognizer, dir: string, rows: [string, string][]) {
  const api = await recognizer.classifyAligned(rows.map(([f]) => path.join(dir, 'images', f)));
  return classificationMetrics(
    rows.map(([, l]) => EMOTIONS.indexOf(l as (typeof EMOTIONS)[number])),
    api.map((a) => EMOTIONS.indexOf(a.emotion)),
    8,
  );
}

let fer: Recognizer;
beforeAll(async () => {
  fer = await createRecognizer({ backend: 'wasm' });
});
afterAll(() => fer?.dispose());

describe('ranfer eval --faces', () => {
  it('scores a folder with the FERPlus metrics, contempt apart; resize framing = classifyAligned', async () => {
    const { dir, rows } = await sampleFolder();
    expect(rows).toHaveLength(14);
    const run = (framing: string) => evalFolder(dir, '--framing', framing);
    const resized = await run('resize');
    expect(resized.set).toBe(path.basename(dir));
    expect(resized.count).toBe(14);
    expect(resized.framing).toBe('resize');
    expect(resized.confusion.flat().reduce((a, b) => a + b, 0)).toBe(14);
    expect(resized.withoutContempt?.count).toBe(12);
    // The same crops through the API, resized as they are: the same confusion matrix.
    const m = await apiMetrics(fer, dir, rows);
    expect(resized.confusion).toEqual(m.confusion);
    expect(resized.balancedAccuracy).toBeCloseTo(m.balancedAccuracy, 10);

    const aligned = await run('aligned');
    expect(aligned.framing).toBe('aligned');
    expect(aligned.framingFallbacks).toBe(0);
    expect(aligned.count).toBe(14);
    expect(aligned.confusion.flat().reduce((a, b) => a + b, 0)).toBe(14);
  });

  it('weighs the class prior as asked, and refuses a bad weight', async () => {
    const { dir } = await sampleFolder();
    const report = await evalFolder(dir, '--framing', 'resize', '--prior-weight', '0');
    expect(report.priorWeight).toBe(0);
    const bad = await ranfer('eval', '--faces', dir, '--prior-weight', '-1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected a number of 0 or more, got "-1"');
  });

  it("mixes in FaceExpressionNet's share as the recognizer does, and refuses a share above 1", async () => {
    const { dir, rows } = await sampleFolder();
    const run = (...extra: string[]) => evalFolder(dir, '--framing', 'resize', ...extra);
    const mixed = await run('--face-api-weight', '0.5');
    expect(mixed.faceApiWeight).toBe(0.5);
    expect((await run()).faceApiWeight).toBeUndefined();
    const half = await createRecognizer({ backend: 'wasm', faceApiWeight: 0.5 });
    try {
      expect(mixed.confusion).toEqual((await apiMetrics(half, dir, rows)).confusion);
    } finally {
      half.dispose();
    }
    const bad = await ranfer('eval', '--faces', dir, '--face-api-weight', '1.5');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected a number from 0 to 1, got "1.5"');
  });

  it("scores one side of a movie folder's split by film, and wants --faces for --films", async () => {
    const valid = await evalFolder(SFEW_TRAIN, '--films', 'valid');
    expect(valid.films).toBe('valid');
    expect(valid.count).toBe(179);
    expect(valid.confusion.flat().reduce((a, b) => a + b, 0)).toBe(179);
    expect(valid.framingFallbacks).toBe(0);
    const r = await ranfer('eval', '--films', 'valid');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--films selects faces of a --faces folder: add --faces');
  });

  it('refuses a folder without labels.csv in one line', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-empty-'));
    const r = await ranfer('eval', '--faces', dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n').at(-1)).toContain('no labels.csv in this folder');
  });
});
