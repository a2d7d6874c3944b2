/** `ranfer train`: trains a network on FERPlus with checkpoints and exact resume. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { defaultCacheDir } from '../lab/data/cache-dir.js';
import type { Split } from '../lab/data/ferplus.js';
import type { TrainConfig } from '../lab/train/config.js';
import { TRAIN_PRESET_NAMES } from '../lab/train/preset-names.js';
import { LOG_FILE } from '../lab/train/run-log.js';
import { defaultDataDir, defaultWildDir } from './defaults.js';
import { UsageError } from './errors.js';
import { positiveInt, positiveNumber } from './parse.js';
import { SUMMARIES } from './summaries.js';

interface TrainOpts {
  data: string;
  out: string;
  cacheDir: string;
  preset: string;
  resume?: boolean;
  epochs?: number;
  protocol?: 'majority' | 'pld';
  trainOn?: string;
  lr?: number;
  rbWeight?: number;
  wholeFaceOnly?: boolean;
  workers?: number;
  seed?: number;
  initFrom?: string;
  distillAlpha?: number;
  faceApiAlpha?: number;
  wild?: boolean;
  wildData: string;
  teacher?: string;
}

async function configFrom(opts: TrainOpts): Promise<TrainConfig> {
  const { TRAIN_PRESETS } = await import('../lab/train/config.js');
  const { RAN_WHOLE_FACE } = await import('../lab/train/presets.js');
  const { describeInit } = await import('../lab/train/init.js');
  const { DEFAULT_WILD } = await import('../lab/train/wild.js');
  const { DEFAULT_ENSEMBLE_ALPHA } = await import('../lab/train/distill.js');
  const base = TRAIN_PRESETS[opts.preset];
  if (!base)
    throw new Error(`unknown preset "${opts.preset}" (known: ${Object.keys(TRAIN_PRESETS).join(', ')})`);
  const c: TrainConfig = structuredClone(base);
  if (opts.epochs !== undefined) c.epochs = opts.epochs;
  if (opts.protocol) c.protocol = opts.protocol;
  if (opts.trainOn) c.trainSplits = opts.trainOn.split(',').map((s) => s.trim()) as Split[];
  if (opts.lr !== undefined) c.lr.base = opts.lr;
  if (opts.workers !== undefined) c.workers = opts.workers;
  if (opts.seed !== undefined) c.seed = opts.seed;
  if (opts.wholeFaceOnly) c.network = structuredClone(RAN_WHOLE_FACE);
  if (opts.wild) c.wild = { ...DEFAULT_WILD };
  if (opts.initFrom) {
    if (opts.wholeFaceOnly) throw new Error("--init-from keeps the model's network; drop --whole-face-only");
    const { init, network } = await describeInit(opts.initFrom);
    c.init = init;
    c.network = network;
  }
  if (opts.rbWeight !== undefined && c.network.kind === 'ran') c.network.rbLoss.weight = opts.rbWeight;
  if (opts.teacher) {
    const { modelDirs } = await import('../infer/model-dir.js');
    let dirs: string[];
    try {
      dirs = modelDirs(opts.teacher);
    } catch (err) {
      throw new Error(`--teacher: ${(err as Error).message}`);
    }
    for (const d of dirs) {
      const found = await fs.stat(path.join(d, 'model.json')).catch(() => null);
      if (!found) throw new Error(`--teacher: no model.json in ${d}`);
    }
    c.distill = { teacher: 'ensemble', models: dirs, alpha: DEFAULT_ENSEMBLE_ALPHA };
  }
  if (opts.distillAlpha !== undefined) {
    if (!c.distill)
      throw new Error('--distill-alpha needs a teacher (--teacher, or --preset distill or distill-finetune)');
    c.distill.alpha = opts.distillAlpha;
  }
  if (opts.faceApiAlpha !== undefined) {
    if (c.distill?.teacher !== 'ensemble') throw new Error('--face-api-alpha goes with --teacher');
    c.distill.faceApiAlpha = opts.faceApiAlpha;
  }
  return c;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(SUMMARIES.train)
    .option('--data <dir>', 'FERPlus folder', defaultDataDir())
    .requiredOption('--out <dir>', 'output folder: model.json, weights.bin, train-log.jsonl, checkpoint')
    .option('--cache-dir <dir>', 'decoded-image cache', defaultCacheDir())
    .addOption(
      new Option('--preset <name>', 'training recipe').choices(TRAIN_PRESET_NAMES).default('default'),
    )
    .option(
      '--resume',
      'continue the run in --out from its checkpoint, with its saved configuration (--epochs may change its length)',
    )
    .option('--epochs <n>', 'number of epochs', positiveInt)
    .addOption(new Option('--protocol <p>', 'training targets').choices(['majority', 'pld']))
    .option(
      '--train-on <splits>',
      'comma-separated splits to train on (train, or train,valid for the final fit)',
    )
    .option('--lr <rate>', 'base learning rate', positiveNumber)
    .option('--rb-weight <w>', 'weight of the region biased loss (0 turns it off)', Number)
    .option('--whole-face-only', 'ablation: one region (the whole face), no region attention')
    .option(
      '--teacher <models>',
      "distil from trained models (folders joined by commas): each target becomes (1 - alpha) x the votes + alpha x their ensemble's probabilities (alpha 0.5 unless --distill-alpha)",
    )
    .option(
      '--distill-alpha <a>',
      "with a teacher (--teacher or a distill preset): the teacher's share of each target, 0..1",
      Number,
    )
    .option(
      '--face-api-alpha <b>',
      "with --teacher: also mix in face-api.js's FaceExpressionNet, whose share of each target is b (the votes keep 1 - alpha - b)",
      Number,
    )
    .option(
      '--wild',
      'also train on the training films of --wild-data (movie faces, split by film; each face 4 times an epoch)',
    )
    .option(
      '--wild-data <dir>',
      'movie faces named <film>_<frame>_<face>.png with labels.csv (SFEW layout)',
      defaultWildDir(),
    )
    .option('--workers <n>', 'worker threads', positiveInt)
    .option('--seed <n>', 'random seed', positiveInt)
    .option(
      '--init-from <model>',
      'fine-tune: start from this trained model folder (its network, weights, log and training time); see the occlusion-finetune preset',
    )
    .action(async (opts: TrainOpts) => {
      const { CHECKPOINT_FILE, CONFIG_FILE } = await import('../lab/train/trainer.js');
      const { validateTrainConfig } = await import('../lab/train/config.js');
      const { runTraining } = await import('./train-run.js');
      let config = await configFrom(opts);
      if (!opts.resume) {
        const files = [CONFIG_FILE, CHECKPOINT_FILE, LOG_FILE, 'model.json'];
        const found = await Promise.all(files.map((f) => fs.stat(path.join(opts.out, f)).catch(() => null)));
        if (found.some((f) => f !== null))
          throw new UsageError(
            `${opts.out} already holds a run: add --resume to continue it, or choose another --out`,
          );
      }
      if (opts.resume) {
        const saved = await fs.readFile(path.join(opts.out, CONFIG_FILE), 'utf8').catch(() => null);
        if (saved) {
          config = JSON.parse(saved) as TrainConfig;
          // The one setting a resumed run may change: the length of its schedule.
          if (opts.epochs !== undefined) config.epochs = opts.epochs;
        }
      }
      try {
        validateTrainConfig(config);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await runTraining(config, {
        data: opts.data,
        cacheDir: opts.cacheDir,
        out: opts.out,
        resume: opts.resume === true,
        wildData: opts.wildData,
      });
    });
}
