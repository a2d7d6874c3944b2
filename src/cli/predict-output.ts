/**
 * Streamed results of `ranfer predict`: JSON lines (an input a line) or CSV (a face a row), written as
 * each input is done, so that a stopped run keeps what it did and `--resume` goes on from there.
 */
import { existsSync } from 'node:fs';
import { appendFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { FaceJson } from '../api/face-json.js';
import { EMOTIONS } from '../data/emotions.js';
import { UsageError } from './errors.js';

export interface PredictEntry {
  file: string;
  faces: FaceJson[];
  error?: string;
}

export interface ResultSink {
  /** Inputs the file already holds (on --resume). */
  readonly done: ReadonlySet<string>;
  write(entry: PredictEntry): Promise<void>;
}

export const CSV_HEADER = [
  'file',
  'face',
  'x',
  'y',
  'width',
  'height',
  'score',
  'emotion',
  ...EMOTIONS,
  'error',
];

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV rows of one input: a row per face, or one row with empty face fields (and the error, if any). */
export function csvRows(entry: PredictEntry): string {
  const rows =
    entry.faces.length === 0
      ? [[entry.file, '', '', '', '', '', '', '', ...EMOTIONS.map(() => ''), entry.error ?? '']]
      : entry.faces.map((f, i) => [
          entry.file,
          i + 1,
          f.box.x,
          f.box.y,
          f.box.width,
          f.box.height,
          f.score,
          f.emotion,
          ...EMOTIONS.map((e) => f.probabilities[e]),
          '',
        ]);
  return rows.map((r) => `${r.map(csvField).join(',')}\n`).join('');
}

/** The text of `file` up to its last complete line (a run stopped mid-write leaves a partial one). */
async function completeLines(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) await truncate(file, Buffer.byteLength(text.slice(0, end)));
  return text.slice(0, end);
}

/** Opens `file` for `format` results: a new file, or with `resume` the existing one to go on from. */
export async function openResults(
  file: string,
  format: 'jsonl' | 'csv',
  resume: boolean,
): Promise<ResultSink> {
  const done = new Set<string>();
  if (existsSync(file)) {
    if (!resume) throw new UsageError(`${file} exists: add --resume to go on from it, or remove it`);
    const text = await completeLines(file);
    if (format === 'jsonl') {
      for (const line of text.split('\n')) if (line.trim()) done.add((JSON.parse(line) as PredictEntry).file);
    } else {
      const rows = parse(text, { from_line: 2, relax_column_count: true }) as string[][];
      for (const row of rows) done.add(row[0]);
    }
  } else await writeFile(file, format === 'csv' ? `${CSV_HEADER.join(',')}\n` : '');
  return {
    done,
    write: (entry) => appendFile(file, format === 'csv' ? csvRows(entry) : `${JSON.stringify(entry)}\n`),
  };
}
