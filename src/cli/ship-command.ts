/**
 * `ranfer ship`: makes a training run the shipped model: copies its best model, config and log into the
 * model folder, measures it with `ranfer eval` (plain and flip TTA, test and the subsets), renders the
 * confusion matrices, measures it on folders of faces from other datasets (`ranfer eval --faces`),
 * writes the model card and refreshes the README's results block.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { defaultModelDir, modelDirs } from '../infer/model-dir.js';
import { predictionRecipe } from '../infer/recipe.js';
import { SUBSETS } from '../lab/data/challenge.js';
import type { EvalReport } from '../lab/eval/evaluate.js';
import type { FaceFolderReport } from '../lab/eval/face-folder-eval.js';
import type { TrainConfig } from '../lab/train/config.js';
import { LOG_FILE, readEpochLog } from '../lab/train/run-log.js';
import type { ModelManifest } from '../model/format.js';
import { writeFileAtomic } from '../util/atomic.js';
import { dataOptions, defaultFacesDir, defaultWildDir } from './defaults.js';
import { nonNegativeNumber, positiveInt } from './parse.js';
import { SUMMARIES } from './summaries.js';

interface ShipOpts {
  run: string;
  to: string;
  data: string;
  cacheDir: string;
  docs: string;
  readme?: string;
  force?: boolean;
  workers: number;
  faces: string[];
  filmFaces: string[];
  priorWeight?: number;
  /** The other members of an ensemble the run ships into (its figures are the ensemble's). */
  ensembleWith?: string[];
}

/**
 * Replaces a generated block of the README: between `<!-- results:start -->` and `<!-- results:end -->`,
 * or those of another name (`ensemble-results` for an ensemble's).
 */
export function replaceResultsBlock(readme: string, block: string, name = 'results'): string {
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error(`the README has no ${start} ... ${end} block`);
  return `${readme.slice(0, a + start.length)}\n${block}\n${readme.slice(b)}`;
}

/** The model folders measured: the shipped one, after the other members of its ensemble if any. */
function measuredDirs(opts: ShipOpts): string | string[] {
  return opts.ensembleWith ? [...opts.ensembleWith, opts.to] : opts.to;
}

/** How the figures' model is named in the metrics files: its folder, or the ensemble's folders. */
function measuredName(opts: ShipOpts): string | string[] {
  const dirs = measuredDirs(opts);
  const rel = (d: string) => path.relative(process.cwd(), d);
  return typeof dirs === 'string' ? rel(dirs) : dirs.map(rel);
}

export function registerShipCommand(program: Command): void {
  dataOptions(
    program
      .command('ship')
      .description(SUMMARIES.ship)
      .requiredOption(
        '--run <dir>',
        'training folder (model.json, weights.bin, train-config.json, train-log.jsonl)',
      )
      .option('--to <dir>', 'model folder to write', defaultModelDir()),
  )
    .option('--docs <dir>', 'where the confusion images go', 'docs')
    .option('--readme <file>', 'README whose results block is refreshed')
    .option('--force', 'ship a run that has not finished its epochs')
    .option(
      '--faces <dirs...>',
      'folders of labelled faces from other datasets to report (ranfer eval --faces, aligned framing; none: --faces with no folder)',
      [defaultFacesDir()],
    )
    .option(
      '--film-faces <dirs...>',
      'folders of movie faces split by film (SFEW layout) whose validation films are reported (ranfer eval --faces --films valid; none: --film-faces with no folder)',
      [defaultWildDir()],
    )
    .option('--workers <n>', 'worker threads', positiveInt, 2)
    .option(
      '--prior-weight <w>',
      "the weight of the training data's class frequencies in the shipped model's predictions (model.json prior.weight): 1 as in FERPlus, 0 every emotion alike (default: the run's)",
      nonNegativeNumber,
    )
    .option(
      '--ensemble-with <dirs>',
      "ship the run as a member of an ensemble with these model folders (joined by commas): every figure, the card's and the README's ensemble-results block, is the ensemble's; confusion images docs/confusion-ensemble-SET.png",
      (value: string) => modelDirs(value),
    )
    .action(async (opts: ShipOpts) => {
      const { config, log, parentConfig, manifest } = await copyRun(opts);
      const reports = await evaluateShipped(opts);
      const faces = await evaluateFaceFolders(opts);
      await writeConfusions(reports.plain, opts.docs, confusionPrefix(opts));
      const block = await writeCardAndReadme(opts, { config, log, parentConfig, manifest, reports, faces });
      console.log(block);
    });
}

type Reports = Record<'plain' | 'tta', EvalReport[]>;

/** The run's model, config and log copied to the model folder (unless it is that folder), its prior weight set. */
async function copyRun(opts: ShipOpts) {
  const { totalEpochs } = await import('../lab/train/config.js');
  const { CONFIG_FILE } = await import('../lab/train/trainer.js');
  const readConfig = async (dir: string) =>
    JSON.parse(await fs.readFile(path.join(dir, CONFIG_FILE), 'utf8')) as TrainConfig;
  const config = await readConfig(opts.run);
  const log = await readEpochLog(opts.run);
  if (log.length < totalEpochs(config) && !opts.force)
    throw new Error(
      `${opts.run} has ${log.length} of ${totalEpochs(config)} epochs: finish it, or pass --force`,
    );
  // A fine-tuning's card also describes the recipe of the model it started from.
  const parentConfig = config.init ? await readConfig(config.init.dir) : undefined;
  await fs.mkdir(opts.to, { recursive: true });
  // Shipping the shipped model again (a new prior weight, fresh figures) copies nothing.
  if (path.resolve(opts.run) !== path.resolve(opts.to)) {
    for (const f of ['model.json', 'weights.bin', CONFIG_FILE, LOG_FILE])
      await fs.copyFile(path.join(opts.run, f), path.join(opts.to, f));
    console.error(`copied the model of ${opts.run} to ${opts.to}`);
  }
  const manifestFile = path.join(opts.to, 'model.json');
  const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8')) as ModelManifest;
  if (opts.priorWeight !== undefined) {
    if (!manifest.prior) throw new Error(`${opts.run} records no class prior to weigh (model.json "prior")`);
    manifest.prior.weight = opts.priorWeight;
    await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    console.error(`the shipped model's predictions weigh the class prior at ${opts.priorWeight}`);
  }
  return { config, log, parentConfig, manifest };
}

/** FERPlus test and its subsets, plain and with flip TTA, written to metrics.json and metrics-tta.json. */
async function evaluateShipped(opts: ShipOpts): Promise<Reports> {
  const { evaluateModel } = await import('../lab/eval/evaluate.js');
  const reports: Reports = { plain: [], tta: [] };
  for (const tta of [false, true]) {
    console.error(`evaluating${tta ? ' with flip TTA' : ''}...`);
    const r = await evaluateModel({
      dataDir: opts.data,
      cacheDir: opts.cacheDir,
      modelDir: measuredDirs(opts),
      split: 'test',
      subsets: [...SUBSETS],
      recipe: predictionRecipe({ flipTta: tta }),
      workers: opts.workers,
    });
    reports[tta ? 'tta' : 'plain'] = r;
    const doc = { model: measuredName(opts), tta, eval: r };
    await writeFileAtomic(
      path.join(opts.to, tta ? 'metrics-tta.json' : 'metrics.json'),
      `${JSON.stringify(doc, null, 2)}\n`,
    );
  }
  return reports;
}

/** The folders of faces from other datasets (and the validation films of movie faces), to metrics-faces.json. */
async function evaluateFaceFolders(opts: ShipOpts): Promise<FaceFolderReport[]> {
  const { evaluateFaceFolder } = await import('../lab/eval/face-folder-eval.js');
  const folders = [
    ...opts.faces.map((dir) => ({ dir, films: undefined })),
    ...opts.filmFaces.map((dir) => ({ dir, films: 'valid' as const })),
  ];
  const faces: FaceFolderReport[] = [];
  for (const { dir, films } of folders) {
    console.error(`evaluating the faces of ${dir}${films ? ' (validation films)' : ''}...`);
    faces.push(
      await evaluateFaceFolder({
        dir,
        films,
        modelDir: measuredDirs(opts),
        framing: 'aligned',
        recipe: predictionRecipe(),
        workers: opts.workers,
      }),
    );
  }
  if (faces.length) {
    const doc = { model: measuredName(opts), tta: false, faces };
    await writeFileAtomic(path.join(opts.to, 'metrics-faces.json'), `${JSON.stringify(doc, null, 2)}\n`);
  }
  return faces;
}

/** The faces of a film-split folder's training films (what `ranfer train --wild` trained on). */
async function countWildFaces(dir: string | undefined, validShare: number): Promise<number | undefined> {
  if (!dir) return undefined;
  const { trainingFilms } = await import('../lab/train/wild.js');
  return (await trainingFilms(dir, { validShare })).files.length;
}

/** The file name start of the confusion images: confusion-SET.png, an ensemble's confusion-ensemble-SET.png. */
function confusionPrefix(opts: ShipOpts): string {
  return opts.ensembleWith ? 'confusion-ensemble-' : 'confusion-';
}

/** The confusion matrix of each set as docs/PREFIX-SET.png. */
async function writeConfusions(plain: EvalReport[], docs: string, prefix: string): Promise<void> {
  const { confusionSpec, writeChart } = await import('../plot/charts.js');
  await fs.mkdir(docs, { recursive: true });
  for (const r of plain) {
    await writeChart(
      confusionSpec(
        r.confusion,
        r.classes,
        `FERPlus ${r.set}: ${(100 * r.accuracy).toFixed(2)}% (${r.count} images)`,
      ),
      path.join(docs, `${prefix}${r.set}.png`),
    );
  }
}

/** The model card and, with --readme, the README's results block; returns the block. */
async function writeCardAndReadme(
  opts: ShipOpts,
  c: Awaited<ReturnType<typeof copyRun>> & { reports: Reports; faces: FaceFolderReport[] },
): Promise<string> {
  const { loadSplit } = await import('../lab/data/ferplus.js');
  const { buildTrainSet } = await import('../lab/data/sets.js');
  const { initBackend } = await import('../engine/backend.js');
  const {
    ensembleLine,
    faceFolderLines,
    modelCard,
    otherFacesHeading,
    perClassLine,
    priorLine,
    resultsTable,
  } = await import('../lab/eval/model-card.js');
  const { createNetwork } = await import('../model/registry.js');
  const { config, log, reports, faces, manifest } = c;
  await initBackend('wasm');
  const net = createNetwork(config.network, 0);
  const params = net.params.size;
  const mflops = net.flopsPerSample() / 1e6;
  net.dispose();
  const splits = [];
  for (const s of config.trainSplits)
    splits.push((await loadSplit(opts.data, s, { cacheDir: opts.cacheDir })).data);
  const trainImages = buildTrainSet(splits, config.protocol).indices.length;
  const wildFaces = config.wild ? await countWildFaces(opts.filmFaces[0], config.wild.validShare) : undefined;
  const card = modelCard({
    name: path.basename(path.resolve(opts.to)),
    config,
    parentConfig: c.parentConfig,
    log,
    plain: reports.plain,
    tta: reports.tta,
    faces,
    params,
    mflops,
    trainImages,
    wildFaces,
    docsFromModel: path.relative(opts.to, opts.docs),
    confusionPrefix: confusionPrefix(opts),
    priorWeight: manifest.prior?.weight,
    ensembleWith: opts.ensembleWith?.map((d) => path.basename(path.resolve(d))),
  });
  await writeFileAtomic(path.join(opts.to, 'README.md'), card);
  const test = reports.plain.find((r) => r.set === 'test');
  const hours = (log.at(-1)?.elapsedSec ?? 0) / 3600;
  const cardFile = path.relative(process.cwd(), path.join(opts.to, 'README.md'));
  const block = opts.ensembleWith
    ? `${ensembleLine(reports.plain, reports.tta, faces)} ([model card](${cardFile.split(path.sep).join('/')}), with the table and the confusion matrices).`
    : [
        resultsTable(reports.plain, reports.tta),
        ...(faces.length ? ['', `${otherFacesHeading(config)}:`, '', faceFolderLines(faces), ''] : ['']),
        `Per-class test accuracy: ${test ? perClassLine(test) : 'n/a'}. ${manifest.prior ? `${priorLine(manifest.prior.weight)} ` : ''}Training: ${hours.toFixed(2)} h, ${log.length} epochs ` +
          `(\`${cardFile}\`, the model card, with the confusion matrices).`,
      ].join('\n');
  if (opts.readme) {
    const name = opts.ensembleWith ? 'ensemble-results' : 'results';
    await writeFileAtomic(
      opts.readme,
      replaceResultsBlock(await fs.readFile(opts.readme, 'utf8'), block, name),
    );
    console.error(`refreshed the results block of ${opts.readme}`);
  }
  return block;
}
