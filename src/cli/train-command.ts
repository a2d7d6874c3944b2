/** `ranfer train`: trains a network on FERPlus with checkpoints and exact resume. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { defaultCacheDir, loadSplit, type Split } from '../data/ferplus.js';
import { buildEvalSet, buildTrainSet } from '../data/sets.js';
import { RAN_WHOLE_FACE } from '../model/presets.js';
import { TRAIN_PRESETS, type TrainConfig } from '../train/config.js';
import { CONFIG_FILE, train } from '../train/trainer.js';
import { defaultDataDir } from './defaults.js';
import { positiveInt, positiveNumber } from './parse.js';
import { progressBar } from './progress.js';

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
}

function configFrom(opts: TrainOpts): TrainConfig {
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
  if (opts.rbWeight !== undefined && c.network.kind === 'ran') c.network.rbLoss.weight = opts.rbWeight;
  return c;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train a RAN on FERPlus (checkpoints every few minutes and every epoch; --resume continues exactly)',
    )
    .option('--data <dir>', 'FERPlus folder', defaultDataDir())
    .requiredOption('--out <dir>', 'output folder: model.json, weights.bin, train-log.jsonl, checkpoint')
    .option('--cache-dir <dir>', 'decoded-image cache', defaultCacheDir())
    .option('--preset <name>', `training recipe (${Object.keys(TRAIN_PRESETS).join(', ')})`, 'default')
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
    .option('--workers <n>', 'worker threads', positiveInt)
    .option('--seed <n>', 'random seed', positiveInt)
    .action(async (opts: TrainOpts) => {
      let config = configFrom(opts);
      if (opts.resume) {
        const saved = await fs.readFile(path.join(opts.out, CONFIG_FILE), 'utf8').catch(() => null);
        if (saved) {
          config = JSON.parse(saved) as TrainConfig;
          // The one setting a resumed run may change: the length of its schedule.
          if (opts.epochs !== undefined) config.epochs = opts.epochs;
        }
      }
      const tty = process.stderr.isTTY === true;
      console.error(`loading FERPlus from ${opts.data}`);
      const splits = [];
      for (const s of config.trainSplits)
        splits.push((await loadSplit(opts.data, s, { cacheDir: opts.cacheDir })).data);
      const trainSet = buildTrainSet(splits, config.protocol);
      const valid = config.trainSplits.includes('valid')
        ? undefined
        : await buildEvalSet(
            opts.data,
            (await loadSplit(opts.data, 'valid', { cacheDir: opts.cacheDir })).data,
          );
      console.error(
        `training on ${config.trainSplits.join('+')} (${trainSet.indices.length} images, ${config.protocol} targets), ` +
          `${valid ? `selecting on valid (${valid.indices.length} images)` : 'no validation split'}; ${config.epochs} epochs, ` +
          `batch ${config.batchSize}, ${config.workers} workers`,
      );
      let stop = false;
      const onSignal = () => {
        if (stop) process.exit(130);
        stop = true;
        console.error('\nstopping after this step (checkpoint follows); press Ctrl-C again to abort at once');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let bar = progressBar('epoch', tty);
      let barEpoch = -1;
      const result = await train(
        config,
        { train: trainSet, valid },
        {
          outDir: opts.out,
          resume: opts.resume === true,
          onInfo: (m) => console.error(m),
          shouldStop: () => stop,
          onProgress: (p) => {
            if (p.epoch !== barEpoch) {
              bar.stop();
              bar = progressBar(`epoch ${p.epoch + 1}/${p.epochs}`, tty);
              barEpoch = p.epoch;
            }
            bar.update(p.batch, p.batches, `loss ${p.loss.toFixed(4)} | ${p.imgPerSec.toFixed(1)} img/s`);
            if (!tty && (p.batch % 50 === 0 || p.batch === p.batches)) {
              console.error(
                `epoch ${p.epoch + 1}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} ${p.imgPerSec.toFixed(1)} img/s`,
              );
            }
          },
          onEpoch: (log) => {
            bar.stop();
            barEpoch = -1;
            const val =
              log.valAccuracy !== undefined ? ` | valid accuracy ${(100 * log.valAccuracy).toFixed(2)}%` : '';
            console.error(
              `epoch ${log.epoch}: loss ${log.trainLoss.toFixed(4)}${val} | ${log.imgPerSec.toFixed(1)} img/s | ${(log.epochSec / 60).toFixed(1)} min`,
            );
          },
        },
      );
      bar.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const best = result.best
        ? `; best valid accuracy ${(100 * result.best.accuracy).toFixed(2)}% (epoch ${result.best.epoch})`
        : '';
      console.error(
        `${result.finished ? 'finished' : 'stopped'} after ${result.epochsDone} epochs, ${(result.elapsedSec / 3600).toFixed(2)} h of training${best}; model in ${opts.out}`,
      );
    });
}
