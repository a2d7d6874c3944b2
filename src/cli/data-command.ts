/** `ranfer data`: checks a FERPlus folder, builds the decoded-image cache, and reports counts and load times. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { EMOTIONS } from '../data/emotions.js';
import { defaultCacheDir } from '../lab/data/cache-dir.js';
import { SUBSETS } from '../lab/data/challenge.js';
import { labelSet, resolveSubset } from '../lab/data/dataset.js';
import type { LoadResult, Split } from '../lab/data/ferplus.js';
import { defaultDataDir } from './defaults.js';
import { progressBar } from './progress.js';
import { SUMMARIES } from './summaries.js';

interface SplitReport {
  split: Split;
  images: number;
  majority: number;
  pld: number;
  perClassMajority: Record<string, number>;
  source: LoadResult['source'];
  rebuiltBecause?: string;
  firstLoadMs: number;
  cachedLoadMs: number;
}

export function registerDataCommand(program: Command): void {
  program
    .command('data')
    .description(SUMMARIES.data)
    .option('--data <dir>', 'FERPlus folder (FER2013Train/Valid/Test, challenge-subsets)', defaultDataDir())
    .option('--cache-dir <dir>', 'where decoded images are cached', defaultCacheDir())
    .option('--json', 'print one JSON object')
    .action(async (opts: { data: string; cacheDir: string; json?: boolean }) => {
      const reports: SplitReport[] = [];
      const loaded: Partial<Record<Split, LoadResult>> = {};
      const { loadSplit, SPLITS } = await import('../lab/data/ferplus.js');
      for (const split of SPLITS) {
        const bar = progressBar(`decoding ${split}`, !opts.json && process.stderr.isTTY === true);
        const first = await loadSplit(opts.data, split, {
          cacheDir: opts.cacheDir,
          onProgress: (d, t) => bar.update(d, t),
        });
        bar.stop();
        const again = await loadSplit(opts.data, split, { cacheDir: opts.cacheDir });
        loaded[split] = again;
        const majority = labelSet(again.data.votes, 'majority');
        const perClass: Record<string, number> = Object.fromEntries(EMOTIONS.map((e) => [e, 0]));
        for (const l of majority.labels) perClass[EMOTIONS[l]]++;
        reports.push({
          split,
          images: again.data.count,
          majority: majority.indices.length,
          pld: labelSet(again.data.votes, 'pld').indices.length,
          perClassMajority: perClass,
          source: first.source,
          rebuiltBecause: first.rebuiltBecause,
          firstLoadMs: Math.round(first.ms),
          cachedLoadMs: Math.round(again.ms),
        });
      }
      const test = loaded.test?.data;
      const subsets: Record<string, number> = {};
      // The challenge subsets are optional (Microsoft's FERPlus tooling does not make them).
      const hasSubsets = existsSync(path.join(opts.data, 'challenge-subsets'));
      if (test && hasSubsets)
        for (const s of SUBSETS) subsets[s] = (await resolveSubset(opts.data, s, test)).indices.length;
      const result = { data: opts.data, cacheDir: opts.cacheDir, splits: reports, subsets };
      if (opts.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`FERPlus at ${opts.data} (cache: ${opts.cacheDir})`);
      console.table(
        reports.map((r) => ({
          split: r.split,
          images: r.images,
          majority: r.majority,
          pld: r.pld,
          'first load': `${(r.firstLoadMs / 1000).toFixed(2)} s (${r.source === 'cache' ? 'cache' : `decoded: ${r.rebuiltBecause}`})`,
          'cached load': `${(r.cachedLoadMs / 1000).toFixed(2)} s`,
        })),
      );
      console.log('majority images per class:');
      console.table(Object.fromEntries(reports.map((r) => [r.split, r.perClassMajority])));
      console.log(
        hasSubsets
          ? `challenge subsets (resolved against the test split): ${Object.entries(subsets)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`
          : 'challenge subsets: none (no challenge-subsets/ folder; eval --subsets needs one)',
      );
    });
}
