/**
 * Fine-tuning: a run that starts from a trained model instead of random weights. The run's log begins
 * with the model's own log and its clock with the model's training time, so the result's training time
 * and history are those of the whole training, not only of the fine-tuning.
 */
import { loadModel } from '../../model/io.js';
import type { NetworkConfig } from '../../model/registry.js';
import { LOG_FILE, readEpochLog, readLogLines } from './run-log.js';

export interface InitFrom {
  /** Model folder (model.json, weights.bin, train-log.jsonl) whose weights start the run. */
  dir: string;
  /** Epochs and wall-clock training seconds behind that model; the run's log and clock continue from them. */
  epochs: number;
  elapsedSec: number;
}

/** Reads what a fine-tuning from `dir` needs: its network and its training history. */
export async function describeInit(dir: string): Promise<{ init: InitFrom; network: NetworkConfig }> {
  const model = await loadModel(dir);
  const last = (await readEpochLog(dir)).at(-1);
  if (!last)
    throw new Error(`${dir}: no epochs in its ${LOG_FILE} (a fine-tuning needs the model's training log)`);
  return {
    init: { dir, epochs: last.epoch, elapsedSec: last.elapsedSec },
    network: model.manifest.network,
  };
}

/** The log a fine-tuning starts with: the model's log, then an event naming the model. */
export async function initialLog(init: InitFrom): Promise<string> {
  const lines = await readLogLines(init.dir);
  const event = { event: 'fine-tune', from: init.dir, epochs: init.epochs, time: new Date().toISOString() };
  return `${[...lines, JSON.stringify(event)].join('\n')}\n`;
}
