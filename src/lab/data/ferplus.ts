/**
 * The FERPlus data set as laid out by Microsoft's `generate_training_data.py`: one folder per split
 * (FER2013Train, FER2013Valid, FER2013Test) of 48x48 grey PNGs with a `label.csv` of vote counts.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import { defaultCacheDir } from './cache-dir.js';

export { defaultCacheDir };

import { NUM_VOTES } from '../../data/emotions.js';
import { DataError } from '../../data/errors.js';
import { readCache, writeCache } from './image-cache.js';
import { type LabelRow, parseLabelCsv } from './label-csv.js';

export type Split = 'train' | 'valid' | 'test';
export const SPLITS: readonly Split[] = ['train', 'valid', 'test'];
export const SPLIT_FOLDERS: Record<Split, string> = {
  train: 'FER2013Train',
  valid: 'FER2013Valid',
  test: 'FER2013Test',
};
export const IMAGE_SIZE = 48;

export interface FerSplit {
  split: Split;
  /** Image file names, in label.csv order. */
  names: string[];
  /** count x 48 x 48 grey pixels. */
  pixels: Uint8Array;
  /** count x 10 vote counts (8 emotions, unknown, not-a-face). */
  votes: Uint8Array;
  readonly count: number;
}

export interface LoadOptions {
  /** Where decoded splits are cached (default: $RANFER_CACHE_DIR, else ~/.cache/ranfer). */
  cacheDir?: string;
  /** Decode progress while the cache is (re)built. */
  onProgress?: (done: number, total: number) => void;
}

export interface LoadResult {
  data: FerSplit;
  source: 'cache' | 'images';
  /** Why the cache was not used, when it was not. */
  rebuiltBecause?: string;
  cacheFile: string;
  ms: number;
}

async function requireDir(dir: string, what: string): Promise<void> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw new DataError(`${what} not found (expected a FERPlus folder, see README "Data")`, dir);
}

export function splitDir(dataDir: string, split: Split): string {
  return path.join(dataDir, SPLIT_FOLDERS[split]);
}

/** Reads and validates one split's label.csv. */
export async function readLabels(dataDir: string, split: Split): Promise<LabelRow[]> {
  await requireDir(dataDir, 'data folder');
  const dir = splitDir(dataDir, split);
  await requireDir(dir, `${SPLIT_FOLDERS[split]} folder`);
  const csv = path.join(dir, 'label.csv');
  const text = await fs.readFile(csv, 'utf8').catch(() => {
    throw new DataError('missing or unreadable label.csv', csv);
  });
  return parseLabelCsv(text, csv);
}

/** Votes of all rows as one count x 10 array. */
export function votesOf(rows: LabelRow[]): Uint8Array {
  const votes = new Uint8Array(rows.length * NUM_VOTES);
  rows.forEach((r, i) => {
    votes.set(r.votes, i * NUM_VOTES);
  });
  return votes;
}

/** Identity of the source: label.csv and each listed image's size and modification time. */
async function fingerprint(dir: string, rows: LabelRow[]): Promise<string> {
  const h = createHash('sha1');
  const csv = path.join(dir, 'label.csv');
  const st = await fs.stat(csv);
  h.update(`label.csv:${st.size}:${st.mtimeMs}\n`);
  const stats = await mapLimit(rows, 64, async (r) => {
    const file = path.join(dir, r.file);
    const s = await fs.stat(file).catch(() => null);
    if (!s?.isFile())
      throw new DataError(`image ${r.file} listed at line ${r.line} of label.csv is missing`, file);
    return `${r.file}:${s.size}:${s.mtimeMs}\n`;
  });
  for (const s of stats) h.update(s);
  return h.digest('hex');
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Decodes one face image into `out` (48 x 48 grey), with a clear error for anything else. */
export async function decodeFace(file: string, out: Uint8Array): Promise<void> {
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    const msg = (e as Error).message;
    if (/failOn|premature|truncat|corrupt|Read error/i.test(msg))
      throw new DataError('truncated or corrupt image (decode it with another tool to check)', file);
    throw new DataError(`unreadable image (${msg.split('\n')[0]})`, file);
  }
  const { data, info } = result;
  if (info.width !== IMAGE_SIZE || info.height !== IMAGE_SIZE) {
    throw new DataError(
      `wrong image size ${info.width}x${info.height}, expected ${IMAGE_SIZE}x${IMAGE_SIZE}`,
      file,
    );
  }
  if (info.channels === 1) out.set(data);
  else for (let i = 0; i < IMAGE_SIZE * IMAGE_SIZE; i++) out[i] = data[i * info.channels];
}

function makeSplit(split: Split, names: string[], pixels: Uint8Array, votes: Uint8Array): FerSplit {
  return { split, names, pixels, votes, count: names.length };
}

/** Loads a split's pixels and votes, from the cache when it is valid, else by decoding (then caching). */
export async function loadSplit(
  dataDir: string,
  split: Split,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const t0 = performance.now();
  const rows = await readLabels(dataDir, split);
  const dir = splitDir(dataDir, split);
  const fp = await fingerprint(dir, rows);
  // One cache file per data folder and split: another folder's split never overwrites this one's.
  const folder = createHash('sha1').update(path.resolve(dataDir)).digest('hex').slice(0, 10);
  const cacheFile = path.join(options.cacheDir ?? defaultCacheDir(), `ferplus-${split}-${folder}.bin`);
  const cached = await readCache(cacheFile, fp, IMAGE_SIZE, NUM_VOTES);
  if (cached.ok) {
    const { names, pixels, votes } = cached.data;
    return {
      data: makeSplit(split, names, pixels, votes),
      source: 'cache',
      cacheFile,
      ms: performance.now() - t0,
    };
  }
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const pixels = new Uint8Array(rows.length * px);
  let done = 0;
  await mapLimit(rows, 16, async (r, i) => {
    await decodeFace(path.join(dir, r.file), pixels.subarray(i * px, (i + 1) * px));
    done++;
    if (options.onProgress && (done % 256 === 0 || done === rows.length))
      options.onProgress(done, rows.length);
  });
  const names = rows.map((r) => r.file);
  const votes = votesOf(rows);
  await writeCache(cacheFile, split, fp, IMAGE_SIZE, NUM_VOTES, { names, pixels, votes });
  return {
    data: makeSplit(split, names, pixels, votes),
    source: 'images',
    rebuiltBecause: cached.reason,
    cacheFile,
    ms: performance.now() - t0,
  };
}
