/**
 * `ranfer train --teacher ... --face-api-alpha ... --wild` end to end on a few real faces: the ensemble
 * and FaceExpressionNet read the FERPlus and movie faces, the movie faces of the training films join the
 * set, and a model comes out.
 */
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filmOf, validationFilms } from '../../src/lab/data/film-split.js';
import { FERPLUS, SFEW_TRAIN } from '../helpers.js';
import { ranfer } from './run.js';

/** The first `n` faces of a FERPlus split, linked into `dir`. */
async function linkSplit(dir: string, split: string, n: number): Promise<void> {
  await mkdir(path.join(dir, split), { recursive: true });
  const rows = (await readFile(path.join(FERPLUS, split, 'label.csv'), 'utf8'))
    .trim()
    .split('\n')
    .slice(0, n);
  for (const row of rows) {
    const file = row.split(',')[0];
    await symlink(path.join(FERPLUS, split, file), path.join(dir, split, file));
  }
  await writeFile(path.join(dir, split, 'label.csv'), `${rows.join('\n')}\n`);
}

describe('ranfer train --teacher --face-api-alpha --wild', () => {
  it('distils from an ensemble and FaceExpressionNet and adds the training films, in one epoch', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'ranfer-teacher-run-'));
    const data = path.join(root, 'ferplus');
    await linkSplit(data, 'FER2013Train', 96);
    await linkSplit(data, 'FER2013Valid', 40);
    await linkSplit(data, 'FER2013Test', 8);
    // Two faces of each of three films.
    const wild = path.join(root, 'sfew');
    await mkdir(wild);
    const csv = (await readFile(path.join(SFEW_TRAIN, 'labels.csv'), 'utf8')).trim().split('\n').slice(1);
    const rows = ['AlexEmma', 'Juno', 'Bridesmaids'].flatMap((film) =>
      csv.filter((line) => filmOf(line.split(',')[0]) === film).slice(0, 2),
    );
    for (const row of rows) {
      const file = row.split(',')[0];
      await symlink(path.join(SFEW_TRAIN, 'images', file), path.join(wild, file));
    }
    await writeFile(path.join(wild, 'labels.csv'), `file,label\n${rows.join('\n')}\n`);
    const trainFaces = rows.filter(
      (r) => !validationFilms(rows.map((x) => filmOf(x.split(',')[0]))).has(filmOf(r.split(',')[0])),
    ).length;

    const out = path.join(root, 'run');
    const args = ['--data', data, '--cache-dir', path.join(root, 'cache'), '--out', out];
    const r = await ranfer(
      ...['train', ...args, '--preset', 'wide-tail', '--epochs', '1'],
      ...['--teacher', 'models/ferplus-ran,models/ferplus-ran', '--face-api-alpha', '0.2'],
      ...['--wild', '--wild-data', wild],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${trainFaces} movie faces added, 4 times an epoch`);
    expect(r.stderr).toMatch(
      /targets mixed with ensemble-[0-9a-f]{12} \(models\/ferplus-ran, models\/ferplus-ran\) \(alpha 0\.5\) and face-api-expression \(alpha 0\.2\)/,
    );
    const config = JSON.parse(await readFile(path.join(out, 'train-config.json'), 'utf8'));
    expect(config.distill).toEqual({
      teacher: 'ensemble',
      models: ['models/ferplus-ran', 'models/ferplus-ran'],
      alpha: 0.5,
      faceApiAlpha: 0.2,
    });
    expect(r.stderr).toContain('reading the training faces with the teacher, face-api-expression');
    expect(config.wild).toEqual({ validShare: 0.2, repeat: 4 });
    const model = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    expect(model.sha1).toMatch(/^[0-9a-f]{40}$/);
  });
});
