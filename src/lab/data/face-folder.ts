/**
 * A folder of labelled face crops: `labels.csv` with a header `file,label`, one row per image, the label
 * a FERPlus emotion name. Files are found relative to the folder, or in its `images/` subfolder (the
 * layout of `ckplus-dev/`). An image may be listed under two labels (both rows count); the same row twice is
 * refused.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { EMOTIONS, type Emotion } from '../../data/emotions.js';
import { DataError } from '../../data/errors.js';

export interface FaceFolder {
  dir: string;
  /** Paths of the images, in labels.csv order. */
  files: string[];
  /** Class index (EMOTIONS order) of each image. */
  labels: Uint8Array;
}

export const FACE_LABELS_FILE = 'labels.csv';

async function exists(p: string): Promise<boolean> {
  return fs
    .stat(p)
    .then((s) => s.isFile())
    .catch(() => false);
}

/** Reads and checks `dir/labels.csv`; every listed image must exist, every label be an emotion. */
export async function readFaceFolder(dir: string): Promise<FaceFolder> {
  const csv = path.join(dir, FACE_LABELS_FILE);
  const text = await fs.readFile(csv, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new DataError(err.code === 'ENOENT' ? `no ${FACE_LABELS_FILE} in this folder` : err.message, csv);
  });
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true });
  } catch (e) {
    throw new DataError(`malformed CSV (${(e as Error).message})`, csv);
  }
  const header = records.shift()?.map((h) => h.toLowerCase());
  if (header?.[0] !== 'file' || header[1] !== 'label')
    throw new DataError('the first line must be the header "file,label"', csv, 1);
  const files: string[] = [];
  const labels: number[] = [];
  const seen = new Set<string>();
  const paths = new Map<string, string>();
  for (const [i, rec] of records.entries()) {
    const line = i + 2;
    if (rec.length !== 2)
      throw new DataError(`expected 2 fields (file, label), found ${rec.length}`, csv, line);
    const [file, label] = rec;
    const c = EMOTIONS.indexOf(label.toLowerCase() as Emotion);
    if (c < 0) throw new DataError(`unknown label "${label}" (one of ${EMOTIONS.join(', ')})`, csv, line);
    // One image under two labels is the dataset's own ambiguity (SFEW lists one face as fear and as
    // surprise): both rows are kept. The same row twice is a mistake.
    const key = `${file}\n${c}`;
    if (seen.has(key)) throw new DataError(`duplicate row "${file}" (${EMOTIONS[c]})`, csv, line);
    seen.add(key);
    let found = paths.get(file);
    if (found === undefined) {
      const direct = path.join(dir, file);
      const nested = path.join(dir, 'images', file);
      if (await exists(direct)) found = direct;
      else if (await exists(nested)) found = nested;
      else throw new DataError(`no image "${file}" in the folder or its images/ subfolder`, csv, line);
      paths.set(file, found);
    }
    files.push(found);
    labels.push(c);
  }
  if (files.length === 0) throw new DataError('no images listed', csv);
  return { dir, files, labels: Uint8Array.from(labels) };
}
