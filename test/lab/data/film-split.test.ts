/** SFEW's movie faces split by film: exact counts, no film on both sides, and the names it parses. */
import { describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../../src/data/emotions.js';
import { readFaceFolder } from '../../../src/lab/data/face-folder.js';
import { filmOf, selectFilms, validationFilms } from '../../../src/lab/data/film-split.js';
import { SFEW_TRAIN } from '../../helpers.js';

function counts(labels: Uint8Array): Record<string, number> {
  return Object.fromEntries(EMOTIONS.map((e, c) => [e, labels.filter((l) => l === c).length]));
}

describe('filmOf', () => {
  it("reads the film from SFEW's names, whatever joins the frame and face numbers", () => {
    expect(filmOf('images/AlexEmma_000225840_00000024.png')).toBe('AlexEmma');
    expect(filmOf('50_50_001805320_00000009.png')).toBe('50_50');
    expect(filmOf('HarryPotter_Deathly_Hallows_1_001610960_00000028.png')).toBe(
      'HarryPotter_Deathly_Hallows_1',
    );
    expect(filmOf('OceansThirteen-010619400_00000087.png')).toBe('OceansThirteen');
    expect(filmOf('IAmSam_013827920__00000055.png')).toBe('IAmSam');
  });

  it('refuses a name without frame and face numbers', () => {
    expect(() => filmOf('face.png')).toThrow(/"face\.png" is not named <film>_<frame>_<face>\.png/);
  });
});

describe('selectFilms on sfew-train', () => {
  it('keeps all 859 rows (one face listed as fear and as surprise) with the README counts', async () => {
    const all = await readFaceFolder(SFEW_TRAIN);
    expect(all.files).toHaveLength(859);
    expect(new Set(all.files).size).toBe(858);
    expect(counts(all.labels)).toEqual({
      neutral: 142,
      happiness: 176,
      surprise: 93,
      sadness: 151,
      anger: 172,
      disgust: 49,
      fear: 76,
      contempt: 0,
    });
    expect(new Set(all.files.map(filmOf)).size).toBe(47);
  });

  it('splits 680 faces of 36 films from 179 faces of 11 films, no film on both sides', async () => {
    const all = await readFaceFolder(SFEW_TRAIN);
    const train = selectFilms(all, 'train');
    const valid = selectFilms(all, 'valid');
    const trainFilms = new Set(train.files.map(filmOf));
    const validFilms = new Set(valid.files.map(filmOf));
    expect([train.files.length, trainFilms.size]).toEqual([680, 36]);
    expect([valid.files.length, validFilms.size]).toEqual([179, 11]);
    expect([...validFilms].filter((f) => trainFilms.has(f))).toEqual([]);
    expect(counts(valid.labels)).toEqual({
      neutral: 29,
      happiness: 16,
      surprise: 12,
      sadness: 45,
      anger: 49,
      disgust: 13,
      fear: 15,
      contempt: 0,
    });
    expect(validFilms).toEqual(validationFilms(all.files.map(filmOf)));
  });

  it('takes films into validation until the share is reached, whatever the row order', () => {
    const films = ['a', 'a', 'b', 'c', 'c', 'c', 'd', 'e', 'e', 'f', 'g', 'g', 'h', 'i', 'j'];
    const valid = validationFilms(films, 0.3);
    const taken = films.filter((f) => valid.has(f)).length;
    expect(taken).toBeGreaterThanOrEqual(0.3 * films.length);
    expect(taken).toBeLessThan(0.3 * films.length + 3); // at most one film (3 faces here) past the share
    expect(validationFilms([...films].reverse(), 0.3)).toEqual(valid);
    expect(() => validationFilms(films, 1)).toThrow(/validShare must be in \(0, 1\)/);
  });
});
