/** A tiny training killed mid-epoch and resumed ends with the same weights as an uninterrupted run. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT } from '../../../src/lab/train/augment.js';
import { loadCheckpoint } from '../../../src/lab/train/checkpoint.js';
import type { TrainConfig } from '../../../src/lab/train/config.js';
import { LOG_FILE } from '../../../src/lab/train/run-log.js';
import { CHECKPOINT_FILE, train } from '../../../src/lab/train/trainer.js';
import { loadModel } from '../../../src/model/io.js';
import { crashAfter, syntheticTrainSet, TINY_RAN, tinyTrainConfig } from '../../helpers.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-train-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const config: TrainConfig = tinyTrainConfig({
  network: { ...TINY_RAN, labelSmoothing: 0.1 },
  epochs: 2,
  optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  lr: { base: 0.05, warmupEpochs: 0.5, final: 0.01 },
  ema: 0.9,
  augment: DEFAULT_AUGMENT,
  cutmix: { p: 0.5, minArea: 0.1, maxArea: 0.3 },
  seed: 3,
});

describe('train --resume', () => {
  it('continues exactly where a crash left it', async () => {
    const data = { train: syntheticTrainSet(52) }; // 6 batches of 8 per epoch (4 images left out)
    const straight = path.join(tmp, 'straight');
    const done = await train(config, data, { outDir: straight, resume: false, backend: 'wasm' });
    expect(done.finished).toBe(true);
    expect(done.epochsDone).toBe(2);

    const crashed = path.join(tmp, 'crashed');
    await crashAfter(config, data, crashed, 9, 2);
    // The last checkpoint before the crash is mid-way through the second epoch (step 8 = epoch 2, batch 2).
    const ckpt = await loadCheckpoint(path.join(crashed, CHECKPOINT_FILE));
    expect(ckpt?.meta.epoch).toBe(1);
    expect(ckpt?.meta.batch).toBe(2);
    expect(ckpt?.meta.step).toBe(8);
    await expect(train(config, data, { outDir: crashed, resume: false, backend: 'wasm' })).rejects.toThrow(
      /pass --resume/,
    );

    const resumed = await train(config, data, { outDir: crashed, resume: true, backend: 'wasm' });
    expect(resumed.finished).toBe(true);

    const a = await loadModel(straight);
    const b = await loadModel(crashed);
    expect(a.params.length).toBeGreaterThan(1000);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    expect(Buffer.from(b.state.buffer).equals(Buffer.from(a.state.buffer))).toBe(true);
    const finalA = await loadCheckpoint(path.join(straight, CHECKPOINT_FILE));
    const finalB = await loadCheckpoint(path.join(crashed, CHECKPOINT_FILE));
    expect(Array.from(finalB?.arrays.params ?? [])).toEqual(Array.from(finalA?.arrays.params ?? []));
    expect(Array.from(finalB?.arrays.opt0 ?? [])).toEqual(Array.from(finalA?.arrays.opt0 ?? []));

    const logA = (await fs.readFile(path.join(straight, LOG_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const logB = (await fs.readFile(path.join(crashed, LOG_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(logB.map((l) => [l.epoch, l.step, l.trainLoss])).toEqual(
      logA.map((l) => [l.epoch, l.step, l.trainLoss]),
    );
  });

  it('refuses to resume with a different configuration', async () => {
    const data = { train: syntheticTrainSet(52) };
    const dir = path.join(tmp, 'changed');
    await crashAfter(config, data, dir, 2);
    await expect(
      train({ ...config, ema: 0.5 }, data, { outDir: dir, resume: true, backend: 'wasm' }),
    ).rejects.toThrow(/different configuration/);
  });

  it('may change the number of epochs on resume, and logs the change', async () => {
    const data = { train: syntheticTrainSet(52) };
    const dir = path.join(tmp, 'longer');
    await crashAfter(config, data, dir, 3);
    const info: string[] = [];
    const done = await train({ ...config, epochs: 3 }, data, {
      outDir: dir,
      resume: true,
      backend: 'wasm',
      onInfo: (m) => info.push(m),
    });
    expect(done.epochsDone).toBe(3);
    expect(info.join('\n')).toContain('schedule length changed from 2 to 3 epochs at step 3');
    const log = (await fs.readFile(path.join(dir, LOG_FILE), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((l) => l.event === 'epochs-changed')).toMatchObject([{ from: 2, to: 3, step: 3 }]);
    expect(log.filter((l) => l.epoch !== undefined).map((l) => l.epoch)).toEqual([1, 2, 3]);
    // The checkpoint now carries the new length; a run cannot be cut below the epoch it is in.
    expect((await loadCheckpoint(path.join(dir, CHECKPOINT_FILE)))?.meta.config.epochs).toBe(3);
  });
});
