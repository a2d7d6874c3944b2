/**
 * A split by film of a folder of movie faces (SFEW's layout: `<film>_<frame>_<face>.png`), so that no film
 * has faces on both sides: faces of one film share actors, lighting and grading, and a validation split
 * that shares films with training measures memory, not generalisation.
 *
 * The split is fixed by the film titles alone: films are ordered by the SHA-1 of their title and taken
 * into validation until it holds at least `validShare` of the faces. The same titles always give the same
 * split, whatever the order of the rows.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DataError } from '../../data/errors.js';
import type { FaceFolder } from './face-folder.js';

export const FILM_SPLITS = ['train', 'valid'] as const;
export type FilmSplit = (typeof FILM_SPLITS)[number];

/** The validation side's share of the faces when none is given. */
export const DEFAULT_VALID_SHARE = 0.2;

// SFEW's names mostly join with '_', a few with '-' or '__' (OceansTwelve-001817760_00000010.png).
const FRAME_SUFFIX = /^(.+?)[_-]+\d+_+\d+\.[A-Za-z]+$/;

/** The film of a face file named `<film>_<frame>_<face>.<ext>` (SFEW's names). */
export function filmOf(file: string): string {
  const m = FRAME_SUFFIX.exec(path.basename(file));
  if (!m) throw new DataError(`"${path.basename(file)}" is not named <film>_<frame>_<face>.png`);
  return m[1];
}

function titleHash(film: string): string {
  return createHash('sha1').update(film).digest('hex');
}

/** The films of the validation side, given every face's film. */
export function validationFilms(films: string[], validShare = DEFAULT_VALID_SHARE): Set<string> {
  if (!(validShare > 0 && validShare < 1)) throw new Error(`validShare must be in (0, 1), got ${validShare}`);
  const counts = new Map<string, number>();
  for (const f of films) counts.set(f, (counts.get(f) ?? 0) + 1);
  const order = [...counts.keys()].sort((a, b) => titleHash(a).localeCompare(titleHash(b)));
  const valid = new Set<string>();
  let taken = 0;
  for (const film of order) {
    if (taken >= validShare * films.length) break;
    valid.add(film);
    taken += counts.get(film) ?? 0;
  }
  return valid;
}

/** The faces of one side of a folder's split by film (the other side's films never among them). */
export function selectFilms(
  folder: FaceFolder,
  side: FilmSplit,
  validShare = DEFAULT_VALID_SHARE,
): FaceFolder {
  const films = folder.files.map(filmOf);
  const valid = validationFilms(films, validShare);
  const keep = films.flatMap((f, i) => (valid.has(f) === (side === 'valid') ? [i] : []));
  return {
    dir: folder.dir,
    files: keep.map((i) => folder.files[i]),
    labels: Uint8Array.from(keep.map((i) => folder.labels[i])),
  };
}
