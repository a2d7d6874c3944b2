/**
 * The training loop: data-parallel steps over a worker pool, learning-rate schedule, EMA of the weights,
 * validation each epoch, best-model selection on the validation split, a JSONL log, and checkpoints
 * (atomic, every few minutes and every epoch) from which `resume` continues exactly: the shuffling and
 * the augmentation of every batch are derived from (seed, epoch, batch), so a resumed run sees the same
 * batches as an uninterrupted one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EvalSet, TrainSet } from '../data/face-set.js';
import type { BackendChoice } from '../engine/backend.js';
import { loadModel, saveModel } from '../model/io.js';
import { predictSet } from '../parallel/pool-predict.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import { classificationMetrics } from '../util/metrics.js';
import { argmaxRows } from '../util/probabilities.js';
import { Rng } from '../util/rng.js';
import { augmentImage } from './augment.js';
import { balancedNetwork, trainedPrior } from './balance.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { type TrainConfig, validateTrainConfig } from './config.js';
import { cutMix } from './cutmix.js';
import { initialLog } from './init.js';
import { startFromPretrained } from './pretrained-start.js';
import { type EpochLog, LOG_FILE } from './run-log.js';
import { learningRate } from './schedule.js';
import { StepRunner } from './step.js';

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  imgPerSec: number;
}

export interface TrainOptions {
  outDir: string;
  resume: boolean;
  backend?: BackendChoice;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (log: EpochLog) => void;
  onInfo?: (message: string) => void;
  /** Also checkpoint every this many steps (tests). */
  checkpointEverySteps?: number;
  /** Stop abruptly after this many steps of this run, as a crash would (tests). */
  haltAfterSteps?: number;
  /** Polled after every step; when true, a checkpoint is written and training stops. */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  finished: boolean;
  epochsDone: number;
  elapsedSec: number;
  best: { epoch: number; accuracy: number } | null;
}

export class HaltedForTest extends Error {}

export const CHECKPOINT_FILE = 'checkpoint.ckpt';
export const CONFIG_FILE = 'train-config.json';

/** Deterministic 32-bit seed from several integers. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p & 0xffff), 0x01000193);
    h = Math.imul(h ^ (p >>> 16), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

function batchInput(config: TrainConfig, set: TrainSet, perm: Int32Array, epoch: number, batch: number) {
  const { batchSize } = config;
  const size = set.size;
  const px = size * size;
  const classes = set.targets.length / set.indices.length;
  const x = new Float32Array(batchSize * px);
  const y = new Float32Array(batchSize * classes);
  const rng = new Rng(mixSeed(config.seed, 2, epoch, batch));
  for (let i = 0; i < batchSize; i++) {
    const j = perm[batch * batchSize + i];
    const img = set.indices[j];
    augmentImage(
      set.pixels.subarray(img * px, (img + 1) * px),
      size,
      config.augment,
      rng,
      x.subarray(i * px, (i + 1) * px),
    );
    y.set(set.targets.subarray(j * classes, (j + 1) * classes), i * classes);
  }
  if (config.cutmix) cutMix(x, y, size, config.cutmix, new Rng(mixSeed(config.seed, 3, epoch, batch)));
  return {
    x,
    xShape: [batchSize, size, size, 1] as [number, number, number, number],
    y,
    yShape: [batchSize, classes] as [number, number],
  };
}

function permutation(n: number, seed: number, epoch: number): Int32Array {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  new Rng(mixSeed(seed, 1, epoch)).shuffle(perm);
  return perm;
}

export async function train(
  config: TrainConfig,
  data: { train: TrainSet; valid?: EvalSet },
  options: TrainOptions,
): Promise<TrainResult> {
  validateTrainConfig(config);
  const info = options.onInfo ?? (() => {});
  const ckptFile = path.join(options.outDir, CHECKPOINT_FILE);
  let ckpt: Checkpoint | null = null;
  if (options.resume) {
    ckpt = await loadCheckpoint(ckptFile);
    if (!ckpt) info(`no checkpoint in ${options.outDir}: starting from scratch`);
    else if (
      JSON.stringify({ ...ckpt.meta.config, epochs: 0 }) !== JSON.stringify({ ...config, epochs: 0 })
    ) {
      throw new Error(
        `${ckptFile} was written with a different configuration; resume with the same settings (see ${CONFIG_FILE})`,
      );
    } else if (ckpt.meta.config.epochs !== config.epochs) {
      // A new schedule length: the learning-rate schedule is recomputed for it from the current step on.
      if (config.epochs <= ckpt.meta.epoch)
        throw new Error(`--epochs ${config.epochs}: the run is already at epoch ${ckpt.meta.epoch + 1}`);
      info(
        `schedule length changed from ${ckpt.meta.config.epochs} to ${config.epochs} epochs at step ${ckpt.meta.step}`,
      );
      await fs.appendFile(
        path.join(options.outDir, LOG_FILE),
        `${JSON.stringify({ event: 'epochs-changed', from: ckpt.meta.config.epochs, to: config.epochs, step: ckpt.meta.step, time: new Date().toISOString() })}\n`,
      );
    }
  } else if (await loadCheckpoint(ckptFile).catch(() => null)) {
    throw new Error(
      `${options.outDir} already holds a training checkpoint: pass --resume to continue it, or choose another --out`,
    );
  }
  await fs.mkdir(options.outDir, { recursive: true });
  await fs.writeFile(path.join(options.outDir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  const init = ckpt ? undefined : config.init;
  if (init) await fs.writeFile(path.join(options.outDir, LOG_FILE), await initialLog(init));
  /** Epochs already behind the run's starting weights (fine-tuning): the log numbers epochs after them. */
  const epochBase = config.init?.epochs ?? 0;

  const n = data.train.indices.length;
  const batches = Math.floor(n / config.batchSize);
  if (batches < 1)
    throw new Error(`the training set (${n} images) is smaller than one batch (${config.batchSize})`);

  // The loss's class prior comes from the training targets (the same on every resume).
  const network = balancedNetwork(config.network, config.balance, data.train.targets);
  const prior = trainedPrior(data.train.targets, network.classes, config.balance);
  const pool = await WorkerPool.start({
    workers: config.workers,
    network,
    seed: config.seed,
    backend: options.backend,
  });
  try {
    const runner = new StepRunner(pool, config.optimizer, {
      bnGroup: config.bnGroup,
      bnMomentum: config.bnMomentum,
    });
    // A fresh run on a pretrained backbone starts from its weights (a resumed run has them).
    if (config.pretrained && !ckpt && !init)
      await startFromPretrained(pool, network, config.pretrained, data.train, options.backend, info);
    const emaParams = pool.params.slice();
    const emaState = pool.state.slice();
    let epoch = 0;
    let batch = 0;
    let step = 0;
    let epochLossSum = 0;
    let epochSamples = 0;
    let elapsedSec = init?.elapsedSec ?? 0;
    let best: TrainResult['best'] = null;
    if (init) {
      const model = await loadModel(init.dir);
      if (pool.params.length !== model.params.length || pool.state.length !== model.state.length)
        throw new Error(`${init.dir}: its weights do not fit the network of this run`);
      for (const a of [pool.params, emaParams]) a.set(model.params);
      for (const a of [pool.state, emaState]) a.set(model.state);
      pool.weightsChanged();
      info(
        `starting from ${init.dir} (${init.epochs} epochs, ${(init.elapsedSec / 3600).toFixed(2)} h of training)`,
      );
    }
    if (ckpt) {
      const a = ckpt.arrays;
      pool.params.set(a.params);
      pool.state.set(a.state);
      pool.weightsChanged();
      emaParams.set(a.emaParams);
      emaState.set(a.emaState);
      const buffers = Object.keys(a)
        .filter((k) => k.startsWith('opt'))
        .sort()
        .map((k) => a[k].slice());
      runner.optimizer.setState({ step: ckpt.meta.optimizerStep, buffers });
      ({ epoch, batch, step, epochLossSum, epochSamples, elapsedSec, best } = ckpt.meta);
      info(`resuming at epoch ${epoch + 1}, batch ${batch + 1} of ${batches} (step ${step})`);
    }

    /** Saves everything needed to continue at batch `atBatch` of epoch `atEpoch`. */
    const writeCheckpoint = async (atEpoch: number, atBatch: number) => {
      const opt = runner.optimizer.getState();
      const arrays: Record<string, Float32Array> = {
        params: pool.params,
        state: pool.state,
        emaParams,
        emaState,
      };
      opt.buffers.forEach((b, i) => {
        arrays[`opt${i}`] = b;
      });
      await saveCheckpoint(
        ckptFile,
        {
          version: 1,
          config,
          epoch: atEpoch,
          batch: atBatch,
          step,
          optimizerStep: opt.step,
          epochLossSum,
          epochSamples,
          elapsedSec,
          best,
        },
        arrays,
      );
    };

    const evalWeights = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (config.ema <= 0) return fn();
      const saved = [pool.params.slice(), pool.state.slice()];
      pool.params.set(emaParams);
      pool.state.set(emaState);
      pool.weightsChanged();
      try {
        return await fn();
      } finally {
        pool.params.set(saved[0]);
        pool.state.set(saved[1]);
        pool.weightsChanged();
      }
    };

    const layout = { params: pool.layout, state: pool.stateLayout };
    let stepsThisRun = 0;
    let lastCheckpoint = performance.now();
    let stopped = false;
    for (; epoch < config.epochs && !stopped; epoch++, batch = 0) {
      const perm = permutation(n, config.seed, epoch);
      const epochStart = performance.now();
      const startBatch = batch;
      let next = batchInput(config, data.train, perm, epoch, batch);
      let lr = 0;
      for (; batch < batches; ) {
        const t0 = performance.now();
        lr = learningRate(config.lr, step, batches, config.epochs);
        const pending = runner.step(next, lr);
        // Prepare the next batch while the workers compute this one.
        if (batch + 1 < batches) next = batchInput(config, data.train, perm, epoch, batch + 1);
        const loss = await pending;
        if (!Number.isFinite(loss))
          throw new Error(`training diverged (loss ${loss}) at epoch ${epoch + 1}, batch ${batch + 1}`);
        if (config.ema > 0) {
          const d = Math.min(config.ema, (1 + step) / (10 + step));
          for (let i = 0; i < emaParams.length; i++)
            emaParams[i] = d * emaParams[i] + (1 - d) * pool.params[i];
          for (let i = 0; i < emaState.length; i++) emaState[i] = d * emaState[i] + (1 - d) * pool.state[i];
        }
        step++;
        batch++;
        stepsThisRun++;
        epochLossSum += loss * config.batchSize;
        epochSamples += config.batchSize;
        elapsedSec += (performance.now() - t0) / 1000;
        const epochSec = (performance.now() - epochStart) / 1000;
        options.onProgress?.({
          epoch,
          epochs: config.epochs,
          batch,
          batches,
          loss: epochLossSum / epochSamples,
          imgPerSec: ((batch - startBatch) * config.batchSize) / epochSec,
        });
        const due =
          performance.now() - lastCheckpoint > config.checkpointMinutes * 60_000 ||
          (options.checkpointEverySteps !== undefined && step % options.checkpointEverySteps === 0);
        if (due && batch < batches) {
          await writeCheckpoint(epoch, batch);
          lastCheckpoint = performance.now();
        }
        if (options.haltAfterSteps !== undefined && stepsThisRun >= options.haltAfterSteps)
          throw new HaltedForTest('halted');
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
      if (stopped && batch < batches) {
        await writeCheckpoint(epoch, batch);
        info(`stopped: checkpoint written at epoch ${epoch + 1}, batch ${batch + 1}; continue with --resume`);
        break;
      }
      // End of epoch: validation, log, best model, checkpoint.
      const epochSec = (performance.now() - epochStart) / 1000;
      const log: EpochLog = {
        epoch: epochBase + epoch + 1,
        step,
        lr,
        trainLoss: epochLossSum / Math.max(1, epochSamples),
        imgPerSec: ((batches - startBatch) * config.batchSize) / epochSec,
        epochSec,
        elapsedSec,
        time: new Date().toISOString(),
      };
      const params = config.ema > 0 ? emaParams : pool.params;
      const state = config.ema > 0 ? emaState : pool.state;
      const meta = {
        epoch: epochBase + epoch + 1,
        step,
        elapsedSec,
        protocol: config.protocol,
        trainSplits: config.trainSplits,
      };
      if (data.valid) {
        const valid = data.valid;
        const pred = await evalWeights(() => predictSet(pool, valid));
        log.valAccuracy = classificationMetrics(
          valid.labels,
          argmaxRows(pred.probs, pred.classes),
          pred.classes,
        ).accuracy;
        if (!best || log.valAccuracy > best.accuracy) {
          best = { epoch: log.epoch, accuracy: log.valAccuracy };
          await saveModel(
            options.outDir,
            network,
            layout,
            params,
            state,
            { ...meta, valAccuracy: log.valAccuracy },
            prior,
          );
        }
      } else {
        await saveModel(options.outDir, network, layout, params, state, meta, prior);
      }
      await fs.appendFile(path.join(options.outDir, LOG_FILE), `${JSON.stringify(log)}\n`);
      options.onEpoch?.(log);
      epochLossSum = 0;
      epochSamples = 0;
      await writeCheckpoint(epoch + 1, 0);
      lastCheckpoint = performance.now();
      if (options.shouldStop?.()) stopped = true;
    }
    return { finished: epoch >= config.epochs, epochsDone: Math.min(epoch, config.epochs), elapsedSec, best };
  } finally {
    await pool.close();
  }
}
