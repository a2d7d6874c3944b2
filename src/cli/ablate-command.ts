/** `ranfer ablate`: trains and measures the ablation rows (whole face only / no RB loss / full RAN). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { predictionRecipe } from '../infer/recipe.js';
import { SUBSETS } from '../lab/data/challenge.js';
import type { AblationResult } from '../lab/eval/ablation.js';
import { ABLATION_ROWS, type AblationRow } from '../lab/eval/ablation-rows.js';
import { readEpochLog } from '../lab/train/run-log.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOptions, defaultFacesDir } from './defaults.js';
import { positiveInt } from './parse.js';
import { SUMMARIES } from './summaries.js';

interface AblateOpts {
  data: string;
  cacheDir: string;
  out: string;
  epochs: number;
  rows: string;
  markdown?: string;
  workers: number;
  shipped: string;
  faces: string[];
  fresh?: boolean;
}

export function registerAblateCommand(program: Command): void {
  dataOptions(program.command('ablate').description(SUMMARIES.ablate))
    .option('--out <dir>', 'folder of the rows (one training folder each)', 'runs/ablation')
    .option('--epochs <n>', 'epochs per row (the default recipe otherwise)', positiveInt, 6)
    .option('--rows <list>', `comma-separated rows (${ABLATION_ROWS.join(', ')})`, ABLATION_ROWS.join(','))
    .option('--markdown <file>', 'write the table (docs/ablation.md)')
    .option('--workers <n>', 'worker threads for evaluation', positiveInt, 2)
    .option('--fresh', 'measure every row again, even those ablation.json holds for the same weights')
    .option(
      '--faces <dirs...>',
      'folders of labelled faces from other datasets to score each row on (ranfer eval --faces)',
      [defaultFacesDir()],
    )
    .option(
      '--shipped <dir>',
      "the shipped model's folder, to say in the table when the rows had a shorter budget",
      'models/ferplus-ran',
    )
    .action(async (opts: AblateOpts) => {
      const { ablationConfig, ablationMarkdown, keptResult } = await import('../lab/eval/ablation.js');
      const { evaluateModel } = await import('../lab/eval/evaluate.js');
      const { evaluateFaceFolder } = await import('../lab/eval/face-folder-eval.js');
      const { TRAIN_PRESETS } = await import('../lab/train/config.js');
      const { CHECKPOINT_FILE } = await import('../lab/train/trainer.js');
      const { runTraining } = await import('./train-run.js');
      const rows = opts.rows.split(',').map((r) => r.trim()) as AblationRow[];
      for (const r of rows)
        if (!ABLATION_ROWS.includes(r))
          throw new Error(`unknown row "${r}" (known: ${ABLATION_ROWS.join(', ')})`);
      const base = { ...structuredClone(TRAIN_PRESETS.default), epochs: opts.epochs };
      const results: AblationResult[] = [];
      // Figures measured before on the same weights (and the same face folders) are kept, not measured
      // again, so a row's weights need not stay in the tree once it is measured.
      const before = opts.fresh
        ? []
        : (JSON.parse(
            await fs.readFile(path.join(opts.out, 'ablation.json'), 'utf8').catch(() => '[]'),
          ) as AblationResult[]);
      const faceSets = opts.faces.map((d) => path.basename(path.resolve(d)));
      for (const row of rows) {
        const dir = path.join(opts.out, row);
        const config = ablationConfig(base, row);
        if ((await readEpochLog(dir)).length < config.epochs) {
          console.error(`\n== ${row}: training ${config.epochs} epochs in ${dir}`);
          const hasCheckpoint = await fs
            .access(path.join(dir, CHECKPOINT_FILE))
            .then(() => true)
            .catch(() => false);
          const run = await runTraining(config, {
            data: opts.data,
            cacheDir: opts.cacheDir,
            out: dir,
            resume: hasCheckpoint,
          });
          if (!run.finished) {
            console.error(`stopped during ${row}; run the same command again to continue`);
            return;
          }
        }
        const log = await readEpochLog(dir);
        const manifest = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as {
          sha1: string;
        };
        const kept = keptResult(before, row, manifest.sha1, faceSets);
        if (kept) {
          console.error(`== ${row}: measured before on the same weights (${dir}/model.json), kept`);
          results.push(kept);
          continue;
        }
        console.error(`== ${row}: evaluating ${dir}`);
        const reports = await evaluateModel({
          dataDir: opts.data,
          cacheDir: opts.cacheDir,
          modelDir: dir,
          split: 'test',
          subsets: [...SUBSETS],
          recipe: predictionRecipe(),
          workers: opts.workers,
        });
        const faces = [];
        for (const faceDir of opts.faces)
          faces.push(
            await evaluateFaceFolder({
              dir: faceDir,
              modelDir: dir,
              framing: 'aligned',
              recipe: predictionRecipe(),
              workers: opts.workers,
            }),
          );
        const note = (await fs.readFile(path.join(dir, 'NOTE.md'), 'utf8').catch(() => '')).trim();
        results.push({
          row,
          ...(note ? { note } : {}),
          epochs: log.length,
          trainHours: (log.at(-1)?.elapsedSec ?? 0) / 3600,
          bestValid: Math.max(...log.map((l) => l.valAccuracy ?? 0)),
          reports,
          ...(faces.length ? { faces } : {}),
          weightsSha1: manifest.sha1,
        });
        const scores = [
          ...reports.map((r) => `${r.set} ${(100 * r.accuracy).toFixed(2)}%`),
          ...faces.map((f) => `${f.set} ${(100 * (f.withoutContempt?.accuracy ?? f.accuracy)).toFixed(2)}%`),
        ];
        console.log(`${row}: ${scores.join(', ')}`);
      }
      const command = `ranfer ablate --epochs ${opts.epochs}${opts.markdown ? ` --markdown ${opts.markdown}` : ''}`;
      await writeFileAtomic(path.join(opts.out, 'ablation.json'), `${JSON.stringify(results, null, 2)}\n`);
      if (opts.markdown) {
        const shippedEpochs = (await readEpochLog(opts.shipped)).length || undefined;
        await writeFileAtomic(opts.markdown, ablationMarkdown(results, command, shippedEpochs));
        console.error(`wrote ${opts.markdown}`);
      }
    });
}
