/**
 * The training loop: data-parallel steps over a worker pool, learning-rate schedule, EMA of the weights,
 * validation each epoch, best-model selection on the validation split, a JSONL log, and checkpoints
 * (atomic, every few minutes and every epoch) from which `resume` continues exactly: the shuffling and
 * the augmentation of every batch are derived from (seed, epoch, batch), so a resumed run sees the same
 * batches as an uninterrupted one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendChoice } from '../../engine/backend.js';
import { loadModel, saveModel } from '../../model/io.js';
import type { ClassPrior } from '../../model/prior.js';
import type { NetworkConfig } from '../../model/registry.js';
import { classificationMetrics } from '../../util/metrics.js';
import { argmaxRows } from '../../util/probabilities.js';
import { Rng } from '../../util/rng.js';
import type { EvalSet, TrainSet } from '../data/face-set.js';
import { predictSet } from '../parallel/pool-predict.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import { augmentImage } from './augment.js';
import { balancedNetwork, trainedPrior } from './balance.js';
import { type Checkpoint, type CheckpointMeta, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
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
  /** After every step (and its checkpoint, when one was due); an error thrown here ends training. */
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (log: EpochLog) => void;
  onInfo?: (message: string) => void;
  /** Also checkpoint every this many steps, besides every `checkpointMinutes` and every epoch. */
  checkpointEverySteps?: number;
  /** Polled after every step; when true, a checkpoint is written and training stops. */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  finished: boolean;
  epochsDone: number;
  elapsedSec: number;
  best: { epoch: number; accuracy: number } | null;
}

export const CHECKPOINT_FILE = 'checkpoint.ckpt';
export const CONFIG_FILE = 'train-config.json';

/** Where a run stands: what a checkpoint saves besides the arrays. */
type Position = Pick<
  CheckpointMeta,
  'epoch' | 'batch' | 'step' | 'epochLossSum' | 'epochSamples' | 'elapsedSec' | 'best'
>;

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

/**
 * Opens the run folder: the checkpoint to resume (checked against the configuration), or a fresh start
 * (refused over an existing checkpoint); writes the configuration and, for a fine-tuning, the parent's log.
 */
async function openRun(config: TrainConfig, options: TrainOptions): Promise<Checkpoint | null> {
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
  if (!ckpt && config.init)
    await fs.writeFile(path.join(options.outDir, LOG_FILE), await initialLog(config.init));
  return ckpt;
}

/** The weights, their EMA and the optimizer of a run, with the checkpoint that saves and restores them. */
class RunWeights {
  readonly emaParams: Float32Array;
  readonly emaState: Float32Array;

  constructor(
    readonly pool: WorkerPool,
    readonly runner: StepRunner,
    private readonly ema: number,
  ) {
    this.emaParams = pool.params.slice();
    this.emaState = pool.state.slice();
  }

  /** Starts from a trained model's weights (fine-tuning). */
  async loadModel(dir: string): Promise<void> {
    const model = await loadModel(dir);
    const { pool } = this;
    if (pool.params.length !== model.params.length || pool.state.length !== model.state.length)
      throw new Error(`${dir}: its weights do not fit the network of this run`);
    for (const a of [pool.params, this.emaParams]) a.set(model.params);
    for (const a of [pool.state, this.emaState]) a.set(model.state);
    pool.weightsChanged();
  }

  restore(ckpt: Checkpoint): void {
    const a = ckpt.arrays;
    this.pool.params.set(a.params);
    this.pool.state.set(a.state);
    this.pool.weightsChanged();
    this.emaParams.set(a.emaParams);
    this.emaState.set(a.emaState);
    const buffers = Object.keys(a)
      .filter((k) => k.startsWith('opt'))
      .sort()
      .map((k) => a[k].slice());
    this.runner.optimizer.setState({ step: ckpt.meta.optimizerStep, buffers });
  }

  save(file: string, config: TrainConfig, at: Position): Promise<void> {
    const opt = this.runner.optimizer.getState();
    const arrays: Record<string, Float32Array> = {
      params: this.pool.params,
      state: this.pool.state,
      emaParams: this.emaParams,
      emaState: this.emaState,
    };
    opt.buffers.forEach((b, i) => {
      arrays[`opt${i}`] = b;
    });
    return saveCheckpoint(file, { version: 1, config, ...at, optimizerStep: opt.step }, arrays);
  }

  /** Folds the weights after a step into their moving average. */
  updateEma(step: number): void {
    if (this.ema <= 0) return;
    const d = Math.min(this.ema, (1 + step) / (10 + step));
    const { params, state } = this.pool;
    for (let i = 0; i < params.length; i++) this.emaParams[i] = d * this.emaParams[i] + (1 - d) * params[i];
    for (let i = 0; i < state.length; i++) this.emaState[i] = d * this.emaState[i] + (1 - d) * state[i];
  }

  /** The weights a model is evaluated and saved with: the EMA when there is one. */
  get evaluated(): { params: Float32Array; state: Float32Array } {
    return this.ema > 0
      ? { params: this.emaParams, state: this.emaState }
      : { params: this.pool.params, state: this.pool.state };
  }

  /** Runs `fn` with the evaluated weights in the pool, then puts the training weights back. */
  async withEvaluated<T>(fn: () => Promise<T>): Promise<T> {
    if (this.ema <= 0) return fn();
    const { pool } = this;
    const saved = [pool.params.slice(), pool.state.slice()];
    pool.params.set(this.emaParams);
    pool.state.set(this.emaState);
    pool.weightsChanged();
    try {
      return await fn();
    } finally {
      pool.params.set(saved[0]);
      pool.state.set(saved[1]);
      pool.weightsChanged();
    }
  }
}

/** The weights and position a run starts from: a checkpoint's, a parent model's (fine-tuning), or step 0. */
async function startPosition(
  weights: RunWeights,
  ckpt: Checkpoint | null,
  init: TrainConfig['init'],
  batches: number,
  info: (message: string) => void,
): Promise<Position> {
  const at: Position = {
    epoch: 0,
    batch: 0,
    step: 0,
    epochLossSum: 0,
    epochSamples: 0,
    elapsedSec: init?.elapsedSec ?? 0,
    best: null,
  };
  if (init) {
    await weights.loadModel(init.dir);
    info(
      `starting from ${init.dir} (${init.epochs} epochs, ${(init.elapsedSec / 3600).toFixed(2)} h of training)`,
    );
  }
  if (ckpt) {
    weights.restore(ckpt);
    const { epoch, batch, step, epochLossSum, epochSamples, elapsedSec, best } = ckpt.meta;
    Object.assign(at, { epoch, batch, step, epochLossSum, epochSamples, elapsedSec, best });
    info(`resuming at epoch ${at.epoch + 1}, batch ${at.batch + 1} of ${batches} (step ${at.step})`);
  }
  return at;
}

/** What a run trains on, with what, and where: fixed for the whole run. */
interface RunSetup {
  config: TrainConfig;
  data: { train: TrainSet; valid?: EvalSet };
  options: TrainOptions;
  pool: WorkerPool;
  runner: StepRunner;
  weights: RunWeights;
  /** The network trained (its class prior folded in, for the balanced loss) and the prior its model records. */
  network: NetworkConfig;
  prior: ClassPrior;
  batches: number;
  /** Epochs already behind the run's starting weights (fine-tuning): the log numbers epochs after them. */
  epochBase: number;
}

/** The epochs of a run: the steps of each, a checkpoint when one is due, and the epoch's end. */
class EpochLoop {
  private lastCheckpoint = performance.now();

  constructor(
    private readonly s: RunSetup,
    readonly at: Position,
  ) {}

  private checkpoint(at: Position = this.at): Promise<void> {
    this.lastCheckpoint = performance.now();
    return this.s.weights.save(path.join(this.s.options.outDir, CHECKPOINT_FILE), this.s.config, at);
  }

  /**
   * Trains the rest of the current epoch and ends it (validation, model, log, checkpoint). Returns false
   * when told to stop: before the epoch's last batch a checkpoint is written there and the epoch is not
   * ended; after it, the epoch is ended first.
   */
  async epoch(): Promise<boolean> {
    const { options } = this.s;
    const epochStart = performance.now();
    const startBatch = this.at.batch;
    const { lr, stopped } = await this.steps(epochStart, startBatch);
    if (stopped && this.at.batch < this.s.batches) {
      await this.checkpoint();
      options.onInfo?.(
        `stopped: checkpoint written at epoch ${this.at.epoch + 1}, batch ${this.at.batch + 1}; continue with --resume`,
      );
      return false;
    }
    await this.endEpoch((performance.now() - epochStart) / 1000, lr, startBatch);
    this.at.epochLossSum = 0;
    this.at.epochSamples = 0;
    await this.checkpoint({ ...this.at, epoch: this.at.epoch + 1, batch: 0 });
    return !stopped && options.shouldStop?.() !== true;
  }

  /** The optimizer steps from the current batch to the epoch's last (or until told to stop). */
  private async steps(epochStart: number, startBatch: number): Promise<{ lr: number; stopped: boolean }> {
    const { config, data, options, runner, weights, batches } = this.s;
    const at = this.at;
    const perm = permutation(data.train.indices.length, config.seed, at.epoch);
    let next = batchInput(config, data.train, perm, at.epoch, at.batch);
    let lr = 0;
    while (at.batch < batches) {
      const t0 = performance.now();
      lr = learningRate(config.lr, at.step, batches, config.epochs);
      const pending = runner.step(next, lr);
      // Prepare the next batch while the workers compute this one.
      if (at.batch + 1 < batches) next = batchInput(config, data.train, perm, at.epoch, at.batch + 1);
      const loss = await pending;
      if (!Number.isFinite(loss))
        throw new Error(`training diverged (loss ${loss}) at epoch ${at.epoch + 1}, batch ${at.batch + 1}`);
      weights.updateEma(at.step);
      at.step++;
      at.batch++;
      at.epochLossSum += loss * config.batchSize;
      at.epochSamples += config.batchSize;
      at.elapsedSec += (performance.now() - t0) / 1000;
      const due =
        performance.now() - this.lastCheckpoint > config.checkpointMinutes * 60_000 ||
        (options.checkpointEverySteps !== undefined && at.step % options.checkpointEverySteps === 0);
      if (due && at.batch < batches) await this.checkpoint();
      options.onProgress?.({
        epoch: at.epoch,
        epochs: config.epochs,
        batch: at.batch,
        batches,
        loss: at.epochLossSum / at.epochSamples,
        imgPerSec: ((at.batch - startBatch) * config.batchSize) / ((performance.now() - epochStart) / 1000),
      });
      if (options.shouldStop?.()) return { lr, stopped: true };
    }
    return { lr, stopped: false };
  }

  /** The end of an epoch: validation, the best (or last) model, the log line. */
  private async endEpoch(epochSec: number, lr: number, startBatch: number): Promise<void> {
    const { config, data, options, pool, weights, network, prior, batches } = this.s;
    const at = this.at;
    const log: EpochLog = {
      epoch: this.s.epochBase + at.epoch + 1,
      step: at.step,
      lr,
      trainLoss: at.epochLossSum / Math.max(1, at.epochSamples),
      imgPerSec: ((batches - startBatch) * config.batchSize) / epochSec,
      epochSec,
      elapsedSec: at.elapsedSec,
      time: new Date().toISOString(),
    };
    const meta = {
      epoch: log.epoch,
      step: at.step,
      elapsedSec: at.elapsedSec,
      protocol: config.protocol,
      trainSplits: config.trainSplits,
    };
    const layout = { params: pool.layout, state: pool.stateLayout };
    const { params, state } = weights.evaluated;
    if (data.valid) {
      const valid = data.valid;
      const pred = await weights.withEvaluated(() => predictSet(pool, valid));
      const top = argmaxRows(pred.probs, pred.classes);
      log.valAccuracy = classificationMetrics(valid.labels, top, pred.classes).accuracy;
      if (!at.best || log.valAccuracy > at.best.accuracy) {
        at.best = { epoch: log.epoch, accuracy: log.valAccuracy };
        const withAccuracy = { ...meta, valAccuracy: log.valAccuracy };
        await saveModel(options.outDir, network, layout, params, state, withAccuracy, prior);
      }
    } else {
      await saveModel(options.outDir, network, layout, params, state, meta, prior);
    }
    await fs.appendFile(path.join(options.outDir, LOG_FILE), `${JSON.stringify(log)}\n`);
    options.onEpoch?.(log);
  }
}

/**
 * Trains `config` on `data.train` in `options.outDir`, selecting on `data.valid` when given (else saving
 * every epoch's weights, as a final fit does). Resumable exactly from its checkpoint.
 */
export async function train(
  config: TrainConfig,
  data: { train: TrainSet; valid?: EvalSet },
  options: TrainOptions,
): Promise<TrainResult> {
  validateTrainConfig(config);
  const info = options.onInfo ?? (() => {});
  const ckpt = await openRun(config, options);
  const init = ckpt ? undefined : config.init;
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
    const weights = new RunWeights(pool, runner, config.ema);
    const at = await startPosition(weights, ckpt, init, batches, info);
    const epochBase = config.init?.epochs ?? 0;
    const loop = new EpochLoop(
      { config, data, options, pool, runner, weights, network, prior, batches, epochBase },
      at,
    );
    for (; at.epoch < config.epochs; at.epoch++, at.batch = 0) {
      if (!(await loop.epoch())) {
        // Stopped after an epoch's end: that epoch is done.
        if (at.batch >= batches) at.epoch++;
        break;
      }
    }
    return {
      finished: at.epoch >= config.epochs,
      epochsDone: Math.min(at.epoch, config.epochs),
      elapsedSec: at.elapsedSec,
      best: at.best,
    };
  } finally {
    await pool.close();
  }
}
