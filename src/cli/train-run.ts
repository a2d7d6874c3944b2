/** Runs one training from the command line: data loading, Ctrl-C handling, progress and log lines. */

import type { TrainSet } from '../lab/data/face-set.js';
import { defaultCacheDir, loadSplit } from '../lab/data/ferplus.js';
import { buildEvalSet, buildTrainSet } from '../lab/data/sets.js';
import type { TrainConfig } from '../lab/train/config.js';
import type { Teacher } from '../lab/train/distill.js';
import { type TrainResult, train } from '../lab/train/trainer.js';
import { progressBar } from './progress.js';

export interface TrainRunOptions {
  /** FERPlus folder. */
  data: string;
  cacheDir?: string;
  /** Output folder (model, log, checkpoint). */
  out: string;
  resume: boolean;
  /** Folder of movie faces, for a configuration with `wild`. */
  wildData?: string;
}

const FACE_API = 'face-api-expression';

/** A teacher's probabilities of every training face, read once and cached under `cacheName` (distill.ts). */
async function readTeacher(
  name: string,
  cacheName: string,
  load: () => Promise<Teacher>,
  set: TrainSet,
  cacheDir: string,
  tty: boolean,
  chunk: number,
): Promise<Float32Array> {
  const { teacherProbabilities } = await import('../lab/train/distill.js');
  console.error(`reading the training faces with the teacher, ${name} (cached after the first run)`);
  const bar = progressBar('teacher', tty);
  const probs = await teacherProbabilities(
    load,
    cacheName,
    set.pixels,
    set.size,
    cacheDir,
    (done, total) => bar.update(done, total, ''),
    chunk,
  );
  bar.stop();
  return probs;
}

export async function runTraining(config: TrainConfig, opts: TrainRunOptions): Promise<TrainResult> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const tty = process.stderr.isTTY === true;
  console.error(`loading FERPlus from ${opts.data}`);
  const splits = [];
  for (const s of config.trainSplits) splits.push((await loadSplit(opts.data, s, { cacheDir })).data);
  let trainSet = buildTrainSet(splits, config.protocol);
  if (config.wild) {
    const { loadWildFaces, withWildFaces } = await import('../lab/train/wild.js');
    if (!opts.wildData) throw new Error('this run trains on movie faces: give their folder (--wild-data)');
    console.error(`framing the training films' faces of ${opts.wildData}`);
    const bar = progressBar('framing', tty);
    const wild = await loadWildFaces(opts.wildData, config.wild, trainSet.size, (d, t) =>
      bar.update(d, t, ''),
    );
    bar.stop();
    trainSet = withWildFaces(trainSet, wild, config.wild.repeat);
    console.error(
      `${wild.labels.length} movie faces added, ${config.wild.repeat} times an epoch` +
        (wild.fallbacks ? ` (${wild.fallbacks} resized: landmarks unusable)` : ''),
    );
  }
  if (config.distill) {
    const { distilledTargets, twoTeacherTargets } = await import('../lab/train/distill.js');
    const d = config.distill;
    const ensemble =
      d.teacher === 'ensemble'
        ? await (await import('../lab/train/ensemble-teacher.js')).ensembleTeacher(d.models ?? [], {
            workers: config.workers,
          })
        : undefined;
    const name = ensemble ? `${ensemble.name} (${(d.models ?? []).join(', ')})` : d.teacher;
    const read = (label: string, cacheName: string, load: () => Promise<Teacher>, chunk: number) =>
      readTeacher(label, cacheName, load, trainSet, cacheDir, tty, chunk);
    const faceApi = () =>
      import('../lab/train/expression-teacher.js').then((m) => m.faceApiExpressionTeacher());
    const beta = d.faceApiAlpha ?? 0;
    if (ensemble) {
      const probs = await read(name, ensemble.name, async () => ensemble, Number.POSITIVE_INFINITY);
      trainSet = {
        ...trainSet,
        targets:
          beta > 0
            ? twoTeacherTargets(trainSet, probs, await read(FACE_API, FACE_API, faceApi, 64), d.alpha, beta)
            : distilledTargets(trainSet, probs, d.alpha, true),
      };
    } else
      trainSet = {
        ...trainSet,
        targets: distilledTargets(trainSet, await read(name, d.teacher, faceApi, 64), d.alpha),
      };
    console.error(
      `targets mixed with ${name} (alpha ${d.alpha})${beta > 0 ? ` and ${FACE_API} (alpha ${beta})` : ''}`,
    );
  }
  const valid = config.trainSplits.includes('valid')
    ? undefined
    : await buildEvalSet(opts.data, (await loadSplit(opts.data, 'valid', { cacheDir })).data);
  console.error(
    `training on ${config.trainSplits.join('+')}${config.wild ? '+wild' : ''} (${trainSet.indices.length} images, ${config.protocol} targets), ` +
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
      resume: opts.resume,
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
  return result;
}
