/** `ranfer report`: a self-contained HTML report of a model on FERPlus. */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { predictionRecipe } from '../infer/recipe.js';
import { SUBSETS } from '../lab/data/challenge.js';
import type { Split } from '../lab/data/ferplus.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOptions, modelOption } from './defaults.js';
import { positiveInt } from './parse.js';
import { progressBar } from './progress.js';
import { SUMMARIES } from './summaries.js';

interface ReportOpts {
  data: string;
  cacheDir: string;
  split: Split;
  model: string;
  out: string;
  examples: number;
  tta?: boolean;
  workers: number;
}

export function registerReportCommand(program: Command): void {
  dataOptions(program.command('report').description(SUMMARIES.report))
    .addOption(new Option('--split <split>', 'split to report on').choices(['test', 'valid']).default('test'))
    .addOption(modelOption())
    .requiredOption('--out <file.html>', 'where to write the report')
    .option('--examples <n>', 'right and wrong examples per set in the gallery', positiveInt, 4)
    .option('--tta', 'flip test-time augmentation')
    .option('--workers <n>', 'worker threads', positiveInt, 2)
    .action(async (opts: ReportOpts) => {
      const { evaluateModelDetailed } = await import('../lab/eval/evaluate.js');
      const { loadModel } = await import('../model/io.js');
      const { renderReport } = await import('../lab/report/html-report.js');
      const manifest = (await loadModel(opts.model)).manifest;
      const bar = progressBar('predict');
      let details: Awaited<ReturnType<typeof evaluateModelDetailed>>;
      try {
        details = await evaluateModelDetailed({
          dataDir: opts.data,
          cacheDir: opts.cacheDir,
          modelDir: opts.model,
          split: opts.split,
          subsets: opts.split === 'test' ? [...SUBSETS] : [],
          recipe: predictionRecipe({ flipTta: opts.tta === true }),
          workers: opts.workers,
          onProgress: (done, total) => bar.update(done, total),
        });
      } finally {
        bar.stop();
      }
      const network = manifest.network;
      const html = await renderReport(details, {
        title: `ranfer report: ${path.basename(path.resolve(opts.model))} on FERPlus ${opts.split}`,
        modelDir: opts.model,
        regions: network.kind === 'ran' ? network.regions : [{ name: 'face', box: [0, 0, 1, 1] }],
        examplesPerKind: opts.examples,
      });
      await writeFileAtomic(opts.out, html);
      for (const r of details.reports)
        console.log(`${r.set}: ${(100 * r.accuracy).toFixed(2)}% of ${r.count}`);
      console.log(`report written to ${opts.out} (${(html.length / 1024).toFixed(0)} KiB)`);
    });
}
