/** Fine-tuning (`train --init-from`): the run starts from the model's weights, continues its log and clock, and resumes exactly. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../../../src/lab/train/config.js';
import { describeInit } from '../../../src/lab/train/init.js';
import { LOG_FILE } from '../../../src/lab/train/run-log.js';
import { train } from '../../../src/lab/train/trainer.js';
import { loadModel } from '../../../src/model/io.js';
import { crashAfter, syntheticTrainSet, TINY_RAN, tinyTrainConfig } from '../../helpers.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-init-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const base: TrainConfig = tinyTrainConfig({ seed: 5 });

const readLog = async (dir: string) =>
  (await fs.readFile(path.join(dir, LOG_FILE), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('train --init-from', () => {
  const data = { train: syntheticTrainSet(40) }; // 5 batches of 8
  const parent = path.join(tmp, 'parent');

  it('starts from the model, continues its log and clock, and resumes exactly', async () => {
    await train(base, data, { outDir: parent, resume: false, backend: 'wasm' });
    const { init, network } = await describeInit(parent);
    const parentLog = await readLog(parent);
    expect(init).toEqual({ dir: parent, epochs: 1, elapsedSec: parentLog[0].elapsedSec });
    expect(network).toEqual(TINY_RAN);

    // A rate of ~0 keeps the weights where they started: the parent's, not a fresh initialisation.
    const still = path.join(tmp, 'still');
    const frozen: TrainConfig = { ...base, init, lr: { base: 1e-9, warmupEpochs: 0, final: 1 } };
    await train(frozen, data, { outDir: still, resume: false, backend: 'wasm' });
    const p = (await loadModel(parent)).params;
    const q = (await loadModel(still)).params;
    expect(q.length).toBe(p.length);
    let maxDiff = 0;
    for (let i = 0; i < p.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p[i] - q[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    const log = await readLog(still);
    expect(log.slice(0, 1)).toEqual(parentLog);
    expect(log[1]).toMatchObject({ event: 'fine-tune', from: parent, epochs: 1 });
    expect(log[2].epoch).toBe(2);
    expect(log[2].elapsedSec).toBeGreaterThan(init.elapsedSec);

    // A fine-tuning that crashes and resumes ends where an uninterrupted one does.
    const tune: TrainConfig = { ...base, init, epochs: 2, seed: 6 };
    const straight = path.join(tmp, 'straight');
    await train(tune, data, { outDir: straight, resume: false, backend: 'wasm' });
    const crashed = path.join(tmp, 'crashed');
    await crashAfter(tune, data, crashed, 7);
    await train(tune, data, { outDir: crashed, resume: true, backend: 'wasm' });
    const a = await loadModel(straight);
    const b = await loadModel(crashed);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    expect(Array.from(a.params.subarray(0, 50))).not.toEqual(Array.from(p.subarray(0, 50)));
    expect((await readLog(crashed)).map((l) => l.epoch ?? l.event)).toEqual([1, 'fine-tune', 2, 3]);
  });

  it('says what is missing when the folder holds no trained model', async () => {
    await expect(describeInit(path.join(tmp, 'nowhere'))).rejects.toThrow(/model.json missing/);
  });
});
