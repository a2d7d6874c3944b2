/** Reads a FERPlus `label.csv`: `file,"(x, y, w, h)",v0,...,v9` per row, no header. */
import { parse } from 'csv-parse/sync';
import { NUM_VOTES } from '../../data/emotions.js';
import { DataError } from '../../data/errors.js';

export interface LabelRow {
  file: string;
  box: [number, number, number, number];
  votes: number[];
  /** 1-based line in label.csv. */
  line: number;
}

export function parseLabelCsv(text: string, path: string): LabelRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // `info` gives each record's own line in the file (blank lines skipped are still counted).
    records = parse(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    const err = e as { lines?: number; message: string };
    throw new DataError(`malformed CSV (${err.message})`, path, err.lines);
  }
  const seen = new Set<string>();
  return records.map(({ record: rec, info }) => {
    const line = info.lines;
    if (rec.length !== 2 + NUM_VOTES) {
      throw new DataError(
        `expected ${2 + NUM_VOTES} fields (file, box, ${NUM_VOTES} votes), found ${rec.length}`,
        path,
        line,
      );
    }
    const [file, boxText, ...voteText] = rec;
    if (!/^[\w.-]+\.png$/i.test(file)) throw new DataError(`bad image name "${file}"`, path, line);
    if (seen.has(file)) throw new DataError(`duplicate image "${file}"`, path, line);
    seen.add(file);
    const box = boxText
      .replace(/[()\s]/g, '')
      .split(',')
      .map((v) => Number(v));
    if (box.length !== 4 || box.some((v) => !Number.isInteger(v)))
      throw new DataError(`bad face box "${boxText}"`, path, line);
    const votes = voteText.map((v) => Number(v));
    if (votes.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
      throw new DataError(
        `vote counts must be whole numbers 0-255, found "${voteText.join(',')}"`,
        path,
        line,
      );
    }
    return { file, box: box as LabelRow['box'], votes, line };
  });
}
