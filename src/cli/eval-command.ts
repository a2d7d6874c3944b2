/** `ranfer eval`: accuracy, per-class accuracy, macro-F1, confusion matrix and region attention on FERPlus. */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { predictionRecipe } from '../infer/recipe.js';
import { SUBSETS, type Subset } from '../lab/data/challenge.js';
import { CROP_FRAMINGS, type CropFraming } from '../lab/data/crop-framing.js';
import type { Split } from '../lab/data/ferplus.js';
import { FILM_SPLITS, type FilmSplit } from '../lab/data/film-split.js';
import type { EvalReport } from '../lab/eval/evaluate.js';
import type { FaceFolderReport } from '../lab/eval/face-folder-eval.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOptions, faceApiWeightOption, modelsOption, priorWeightOption } from './defaults.js';
import { nonNegativeNumber, positiveInt } from './parse.js';
import { progressBar } from './progress.js';
import { SUMMARIES } from './summaries.js';

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);

function printReport(r: EvalReport | FaceFolderReport): void {
  console.log(
    `\n${r.set}${r.tta ? ' (flip TTA)' : ''}${r.priorWeight !== undefined ? ` (prior weight ${r.priorWeight})` : ''}${r.faceApiWeight ? ` (FaceExpressionNet ${r.faceApiWeight})` : ''}: ${r.count} images, accuracy ${pct(r.accuracy)}, ` +
      `balanced accuracy ${pct(r.balancedAccuracy)}, macro-F1 ${r.macroF1.toFixed(4)}`,
  );
  if ('framing' in r) {
    const why = r.framing === 'detect' ? 'no face found' : 'landmarks unusable';
    const fallbacks = r.framingFallbacks ? ` (${r.framingFallbacks} resized: ${why})` : '';
    console.log(`framing: ${r.framing}${fallbacks}${r.films ? `; the ${r.films} films only` : ''}`);
    if (r.withoutContempt) {
      const w = r.withoutContempt;
      console.log(
        `without contempt: ${w.count} images, accuracy ${pct(w.accuracy)}, balanced accuracy ${pct(w.balancedAccuracy)}`,
      );
    }
  }
  console.log(
    `per-class accuracy: ${Object.entries(r.perClassAccuracy)
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ')}`,
  );
  console.log('confusion (rows: actual, columns: predicted):');
  const w = 10;
  console.log(`${''.padEnd(w)}${r.classes.map((c) => c.slice(0, 8).padStart(w)).join('')}`);
  r.confusion.forEach((row, i) => {
    console.log(`${r.classes[i].slice(0, 8).padEnd(w)}${row.map((v) => String(v).padStart(w)).join('')}`);
  });
  if (r.meanAttention) {
    console.log(
      `mean attention per region: ${Object.entries(r.meanAttention)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(', ')}`,
    );
  }
}

interface EvalOpts {
  data: string;
  cacheDir: string;
  split: Split;
  subset?: Subset | 'all';
  faces?: string;
  films?: FilmSplit;
  framing: CropFraming;
  retryBorder: number;
  model: string | string[];
  json?: boolean;
  tta?: boolean;
  confusion?: string;
  workers: number;
  metricsOut?: string;
  priorWeight?: number;
  faceApiWeight?: number;
}

export function registerEvalCommand(program: Command): void {
  dataOptions(program.command('eval').description(SUMMARIES.eval))
    .addOption(new Option('--split <split>', 'split to evaluate').choices(['test', 'valid']).default('test'))
    .addOption(
      new Option(
        '--subset <subset>',
        'challenge subset of the test split, or all three besides the whole test set',
      ).choices([...SUBSETS, 'all']),
    )
    .option(
      '--faces <dir>',
      'evaluate a folder of labelled face crops instead of FERPlus: labels.csv (header file,label; FERPlus emotion names), images beside it or in images/',
    )
    .addOption(
      new Option(
        '--films <side>',
        "with --faces of movie faces named <film>_<frame>_<face>.png (SFEW): only this side of the folder's split by film",
      ).choices([...FILM_SPLITS]),
    )
    .addOption(
      new Option(
        '--framing <how>',
        'with --faces: aligned (landmarks on the crop, then the photo pipeline alignment), resize (as it is) or detect (the face detector first, as for photos)',
      )
        .choices([...CROP_FRAMINGS])
        .default('aligned'),
    )
    .option(
      '--retry-border <f>',
      'with --framing detect: border (fraction of the side) of the retry when no face is found; 0: none',
      nonNegativeNumber,
      1,
    )
    .addOption(modelsOption())
    .option('--tta', 'average with the horizontally flipped face (test-time augmentation)')
    .addOption(priorWeightOption())
    .addOption(faceApiWeightOption())
    .option(
      '--confusion <file>',
      'write the confusion matrix as an image (.png or .svg; with several sets, one file per set)',
    )
    .option('--workers <n>', 'worker threads', positiveInt, 2)
    .option('--json', 'print JSON (one object; an array with --subset all)')
    .option('--metrics-out <file>', 'also write { model, tta, eval: [reports] } to this JSON file')
    .action(async (opts: EvalOpts) => {
      if (opts.subset && opts.split !== 'test')
        throw new Error('the challenge subsets are part of the test split: use --split test');
      if (opts.faces && opts.subset) throw new Error('--faces evaluates a folder: drop --subset');
      if (opts.films && !opts.faces)
        throw new Error('--films selects faces of a --faces folder: add --faces');
      const subsets: Subset[] = opts.subset === 'all' ? [...SUBSETS] : opts.subset ? [opts.subset] : [];
      const { evaluateModel } = await import('../lab/eval/evaluate.js');
      const { evaluateFaceFolder } = await import('../lab/eval/face-folder-eval.js');
      const bar = progressBar('evaluating', !opts.json && process.stderr.isTTY === true);
      const onProgress = (d: number, t: number) => bar.update(d, t);
      const common = {
        modelDir: opts.model,
        recipe: predictionRecipe({
          flipTta: opts.tta === true,
          priorWeight: opts.priorWeight,
          faceApiWeight: opts.faceApiWeight,
        }),
        workers: opts.workers,
        onProgress,
      };
      const reports: Array<EvalReport | FaceFolderReport> = opts.faces
        ? [
            await evaluateFaceFolder({
              ...common,
              dir: opts.faces,
              films: opts.films,
              framing: opts.framing,
              retryBorder: opts.retryBorder,
            }),
          ]
        : await evaluateModel({
            ...common,
            dataDir: opts.data,
            cacheDir: opts.cacheDir,
            split: opts.split,
            subsets,
          });
      bar.stop();
      // A single subset reports only that subset.
      const shown = opts.subset && opts.subset !== 'all' ? reports.slice(1) : reports;
      if (opts.confusion) {
        const { confusionSpec, writeChart } = await import('../plot/charts.js');
        const file = opts.confusion;
        for (const r of shown) {
          const out =
            shown.length === 1 ? file : file.replace(/(\.\w+)?$/, (ext) => `-${r.set}${ext || '.png'}`);
          await writeChart(
            confusionSpec(
              r.confusion,
              r.classes,
              `${opts.faces ? '' : 'FERPlus '}${r.set}: ${pct(r.accuracy)} (${r.count} images)`,
            ),
            out,
          );
          if (!opts.json) console.error(`confusion matrix written to ${path.resolve(out)}`);
        }
      }
      if (opts.metricsOut) {
        const { modelDirs } = await import('../infer/model-dir.js');
        const model = modelDirs(opts.model)
          .map((m) => path.relative(process.cwd(), m))
          .join(',');
        const doc = { model, tta: opts.tta === true, eval: shown };
        await writeFileAtomic(opts.metricsOut, `${JSON.stringify(doc, null, 2)}\n`);
      }
      if (opts.json) {
        console.log(JSON.stringify(shown.length === 1 ? shown[0] : shown, null, 2));
        return;
      }
      console.log(`model: ${opts.model}`);
      for (const r of shown) printReport(r);
    });
}
