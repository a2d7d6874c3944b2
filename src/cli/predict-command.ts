/** `ranfer predict`: faces and emotions of photos, as a table, JSON, or annotated images. */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ManyResult } from '../api/many.js';
import type { RecognizedFace, Recognizer, RecognizerConfig } from '../api/recognizer.js';
import { EMOTIONS } from '../data/emotions.js';
import type { DetectorKind } from '../face/detector.js';
import { ImageError } from '../face/image-error.js';
import { engineOption, faceApiWeightOption, modelsOption, priorWeightOption } from './defaults.js';
import { UsageError } from './errors.js';
import { expandInputs, IMAGE_EXTENSIONS } from './inputs.js';
import { nonNegativeNumber, positiveInt } from './parse.js';
import { openResults, type PredictEntry, type ResultSink } from './predict-output.js';
import { progressBar } from './progress.js';
import { SUMMARIES } from './summaries.js';

interface PredictOpts {
  backend: RecognizerConfig['backend'];
  json?: boolean;
  annotate?: string;
  minConfidence?: number;
  detector: DetectorKind;
  regions: 'fixed' | 'landmarks';
  tta?: boolean;
  model: string | string[];
  crops?: boolean;
  retryBorder: number;
  tinyInputSize: number;
  maxFaces: number;
  tileSize: number | 'auto';
  rotations: boolean;
  priorWeight?: number;
  faceApiWeight?: number;
  jsonl?: string;
  csv?: string;
  resume?: boolean;
  workers: number;
}

function probability(value: string): number {
  const p = Number(value);
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new InvalidArgumentError(`expected 0..1, got "${value}"`);
  return p;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The table of one image's faces, as lines. */
function faceTable(file: string, faces: RecognizedFace[]): string {
  const title = `${file}: ${faces.length === 0 ? 'no face found' : `${faces.length} face${faces.length > 1 ? 's' : ''}`}`;
  if (faces.length === 0) return title;
  const head = ['face', 'box (x,y wxh)', 'score', 'emotion', ...EMOTIONS.map((e) => e.slice(0, 9))];
  const rows = faces.map((f, i) => [
    String(i + 1),
    `${Math.round(f.box.x)},${Math.round(f.box.y)} ${Math.round(f.box.width)}x${Math.round(f.box.height)}`,
    f.score.toFixed(2),
    f.emotion,
    ...EMOTIONS.map((e) => pct(f.probabilities[e])),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    `  ${cells.map((v, c) => (c < 4 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')}`;
  return [title, line(head), ...rows.map(line)].join('\n');
}

/** An output folder: absent (it is made) or a folder, never a file. */
async function checkOutputFolder(dir: string, option: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info && !info.isDirectory())
    throw new UsageError(`${option} ${dir}: a file is there; give a folder (it is made if missing)`);
}

/** Each file's faces, or why it could not be read, in order, in this thread. */
async function* oneByOne(fer: Recognizer, files: string[]): AsyncGenerator<ManyResult> {
  for (const [index, file] of files.entries()) {
    try {
      yield { index, input: file, faces: await fer.recognize(file) };
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      yield { index, input: file, error: err.message };
    }
  }
}

/** A unique output name per input inside the annotation folder. */
function annotationName(file: string, used: Set<string>): string {
  const base = path.basename(file, path.extname(file));
  let name = `${base}.png`;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}.png`;
  used.add(name);
  return name;
}

/** --tile-size: 'auto' or a whole number of pixels (0: no tiles). */
function tileSizeArg(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 0))
    throw new InvalidArgumentError(`expected auto or a whole number of 0 or more, got "${value}"`);
  return n;
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(SUMMARIES.predict)
    .argument('<inputs...>', 'image files, folders (searched recursively) or globs')
    .option('--json', 'print one JSON array, an entry per input')
    .option('--jsonl <file>', 'write a JSON line per input to this file as each is done')
    .option(
      '--csv <file>',
      'write a CSV row per face (file, box, score, emotion, 8 probabilities) as each is done',
    )
    .option('--resume', 'go on from an existing --jsonl / --csv file: skip the inputs it already holds')
    .option(
      '--workers <n>',
      'worker threads, each with its own models (results keep the input order)',
      positiveInt,
      1,
    )
    .option('--annotate <dir>', 'write each image with boxes, emotions and probability bars to this folder')
    .option(
      '--min-confidence <p>',
      'drop faces detected with a lower confidence (default: tiny 0.25, ssd 0.5)',
      probability,
    )
    .addOption(new Option('--detector <kind>', 'face detector').choices(['tiny', 'ssd']).default('tiny'))
    .addOption(
      new Option('--regions <mode>', 'RAN regions: fixed crops, or boxes from the landmarks')
        .choices(['fixed', 'landmarks'])
        .default('fixed'),
    )
    .option('--tta', 'average with the mirrored face')
    .addOption(priorWeightOption())
    .addOption(faceApiWeightOption())
    .addOption(engineOption())
    .option('--crops', 'each image is one face crop (no detection; landmarks on the whole image)')
    .option(
      '--retry-border <f>',
      'when no face is found, retry with a border of this fraction of the side (0: no retry)',
      nonNegativeNumber,
      1,
    )
    .option(
      '--tiny-input-size <n>',
      'Tiny Face Detector input side, a multiple of 32 (larger finds smaller faces, slower)',
      positiveInt,
      512,
    )
    .option('--max-faces <n>', 'at most this many faces per image, highest scores first', positiveInt, 100)
    .option(
      '--tile-size <n>',
      'also detect on overlapping tiles of this side (small faces; one detection per tile): auto tiles photos of 1600 px or more by 512, 0 never',
      tileSizeArg,
      'auto',
    )
    .option('--no-rotations', 'do not look for faces in the photo turned by 90, 180 or 270 degrees')
    .addOption(modelsOption())
    .action(async (inputs: string[], opts: PredictOpts) => {
      if (opts.annotate) await checkOutputFolder(opts.annotate, '--annotate');
      const sinks: ResultSink[] = [];
      if (opts.jsonl) sinks.push(await openResults(opts.jsonl, 'jsonl', opts.resume === true));
      if (opts.csv) sinks.push(await openResults(opts.csv, 'csv', opts.resume === true));
      if (opts.resume && sinks.length === 0)
        throw new UsageError('--resume goes on from a --jsonl or --csv file');
      const { faceToJson } = await import('../api/face-json.js');
      const { recognizeMany } = await import('../api/many.js');
      const { createRecognizer } = await import('../api/recognizer.js');
      const { annotateImage } = await import('../plot/annotate.js');
      const expandedInputs = await expandInputs(inputs);
      const expanded = expandedInputs.expanded;
      if (expandedInputs.files.length === 0)
        throw new UsageError(`no images in ${inputs.join(', ')} (${IMAGE_EXTENSIONS.join(', ')})`);
      // On --resume, the inputs every output file already holds are skipped.
      const files = expandedInputs.files.filter((f) => !sinks.length || sinks.some((s) => !s.done.has(f)));
      const skipped = expandedInputs.files.length - files.length;
      if (skipped > 0) console.error(`ranfer: ${skipped} inputs already done, ${files.length} to go`);
      const config: RecognizerConfig = {
        modelDir: opts.model,
        backend: opts.backend,
        minConfidence: opts.minConfidence,
        detector: opts.detector,
        regions: opts.regions,
        flipTta: opts.tta,
        faces: opts.crops ? 'crop' : 'detect',
        retryBorder: opts.retryBorder,
        tinyInputSize: opts.tinyInputSize,
        maxFaces: opts.maxFaces,
        tileSize: opts.tileSize,
        rotations: opts.rotations,
        priorWeight: opts.priorWeight,
        faceApiWeight: opts.faceApiWeight,
      };
      const workers = Math.min(opts.workers, Math.max(1, files.length));
      // One recognizer here, or one per worker thread (the order of the inputs is kept either way).
      const fer =
        workers > 1
          ? null
          : await createRecognizer(config).catch((err: Error) => {
              if (err instanceof RangeError) throw new UsageError(err.message);
              throw err;
            });
      const results = fer ? oneByOne(fer, files) : recognizeMany(files, { ...config, concurrency: workers });
      if (opts.annotate) await mkdir(opts.annotate, { recursive: true });
      const used = new Set<string>();
      const entries: PredictEntry[] = [];
      const bar = progressBar('predict', expanded && files.length > 1 && process.stderr.isTTY === true);
      let unreadable = 0;
      try {
        bar.update(0, files.length);
        for await (const r of results) {
          const file = files[r.index];
          let entry: PredictEntry;
          if (r.faces) {
            const faces = r.faces;
            entry = { file, faces: faces.map(faceToJson) };
            if (!opts.json) bar.log(faceTable(file, faces));
            if (opts.annotate) {
              const out = path.join(opts.annotate, annotationName(file, used));
              await writeFile(out, await annotateImage(file, faces));
            }
          } else {
            unreadable++;
            entry = { file, faces: [], error: r.error };
            bar.log(`ranfer: ${r.error}`, 'stderr');
          }
          bar.update(r.index + 1, files.length, path.basename(file));
          entries.push(entry);
          for (const sink of sinks) if (!sink.done.has(file)) await sink.write(entry);
        }
        bar.update(files.length, files.length, 'done');
      } finally {
        bar.stop();
        fer?.dispose();
      }
      if (opts.json) console.log(JSON.stringify(entries, null, 2));
      else if (files.length > 1) {
        const faces = entries.reduce((n, e) => n + e.faces.length, 0);
        console.log(
          `\n${files.length} inputs, ${faces} faces${unreadable ? `, ${unreadable} unreadable` : ''}`,
        );
      }
      if (opts.annotate && !opts.json) console.log(`annotated images in ${opts.annotate}`);
      if (unreadable > 0) process.exitCode = 1;
    });
}
