/** Movie faces beside FERPlus: the training films framed, appended with one-hot targets, repeated. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMOTIONS, type Emotion } from '../../../src/data/emotions.js';
import type { TrainSet } from '../../../src/lab/data/face-set.js';
import { filmOf, validationFilms } from '../../../src/lab/data/film-split.js';
import { TRAIN_PRESETS, validateTrainConfig } from '../../../src/lab/train/config.js';
import { DEFAULT_WILD, loadWildFaces, trainingFilms, withWildFaces } from '../../../src/lab/train/wild.js';
import { SFEW_TRAIN } from '../../helpers.js';

describe('withWildFaces', () => {
  // Two 2x2 images, the set uses image 1 only.
  const set: TrainSet = {
    pixels: Uint8Array.from([1, 1, 1, 1, 2, 2, 2, 2]),
    size: 2,
    indices: Int32Array.from([1]),
    targets: Float32Array.from([0.5, 0.5, 0, 0, 0, 0, 0, 0]),
  };
  const wild = { pixels: Uint8Array.from([7, 7, 7, 7, 9, 9, 9, 9]), labels: Uint8Array.from([4, 6]) };

  it('appends the faces after the set, each `repeat` times with its one-hot target', () => {
    const out = withWildFaces(set, wild, 2);
    expect(Array.from(out.pixels)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 7, 7, 7, 7, 9, 9, 9, 9]);
    expect(Array.from(out.indices)).toEqual([1, 2, 3, 2, 3]);
    const rows = Array.from({ length: 5 }, (_, j) => Array.from(out.targets.subarray(j * 8, j * 8 + 8)));
    expect(rows[0]).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0]);
    for (const j of [1, 3]) expect(rows[j]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    for (const j of [2, 4]) expect(rows[j]).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('refuses faces of another size and a repeat that is not a positive integer', () => {
    expect(() => withWildFaces(set, { pixels: new Uint8Array(9), labels: Uint8Array.from([1]) }, 1)).toThrow(
      /not 2x2/,
    );
    expect(() => withWildFaces(set, wild, 0)).toThrow(/repeat must be a positive integer/);
    const c = { ...TRAIN_PRESETS['wide-tail'], wild: { validShare: 0.2, repeat: 1.5 } };
    expect(() => validateTrainConfig(c)).toThrow(/repeat must be a positive integer, got 1.5/);
  });
});

describe('trainingFilms', () => {
  it("is the 680 faces of sfew-train's 36 training films at the default share", async () => {
    const films = await trainingFilms(SFEW_TRAIN, DEFAULT_WILD);
    expect(films.files).toHaveLength(680);
    expect(new Set(films.files.map(filmOf)).size).toBe(36);
    expect(films.labels).toHaveLength(680);
  });
});

describe('loadWildFaces', () => {
  it("frames only the training films' faces, 48x48, in labels.csv order", async () => {
    // Two SFEW faces of each of three films (linked, not copied): the split leaves one or two films out.
    const csv = (await fs.readFile(path.join(SFEW_TRAIN, 'labels.csv'), 'utf8')).trim().split('\n').slice(1);
    const present = ['AlexEmma', 'Juno', 'Bridesmaids'].flatMap((film) =>
      csv
        .map((line) => line.split(','))
        .filter(([f]) => filmOf(f) === film)
        .slice(0, 2),
    );
    expect(present.length).toBe(6);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-wild-'));
    for (const [file] of present)
      await fs.symlink(path.join(SFEW_TRAIN, 'images', file), path.join(dir, file));
    await fs.writeFile(
      path.join(dir, 'labels.csv'),
      `file,label\n${present.map((r) => r.join(',')).join('\n')}\n`,
    );
    const valid = validationFilms(
      present.map(([f]) => filmOf(f)),
      0.3,
    );
    const expected = present.filter(([f]) => !valid.has(filmOf(f)));
    const faces = await loadWildFaces(dir, { validShare: 0.3, repeat: 1 }, 48);
    expect(faces.labels.length).toBe(expected.length);
    expect(faces.labels.length).toBeGreaterThanOrEqual(2);
    expect(faces.labels.length).toBeLessThanOrEqual(4);
    expect(Array.from(faces.labels)).toEqual(expected.map(([, l]) => EMOTIONS.indexOf(l as Emotion)));
    expect(faces.pixels.length).toBe(expected.length * 48 * 48);
    expect(faces.fallbacks).toBe(0);
    // Real faces: every framed image has contrast.
    for (let k = 0; k < expected.length; k++) {
      const img = faces.pixels.subarray(k * 2304, (k + 1) * 2304);
      expect(Math.max(...img) - Math.min(...img)).toBeGreaterThan(100);
    }
  });
});
