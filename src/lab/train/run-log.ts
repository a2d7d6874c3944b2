/** A run's training log, `train-log.jsonl`: one JSON line per epoch, and event lines (schedule change, fine-tune). */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** One epoch's line of train-log.jsonl. */
export interface EpochLog {
  epoch: number;
  step: number;
  lr: number;
  trainLoss: number;
  valAccuracy?: number;
  imgPerSec: number;
  epochSec: number;
  elapsedSec: number;
  time: string;
}

export const LOG_FILE = 'train-log.jsonl';

/** Every non-empty line of a run's log, as written ('' when the run has no log). */
export async function readLogLines(dir: string): Promise<string[]> {
  const text = await fs.readFile(path.join(dir, LOG_FILE), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** The epoch lines of a run's log (events such as a schedule change are skipped). */
export async function readEpochLog(dir: string): Promise<EpochLog[]> {
  return (await readLogLines(dir))
    .map((l) => JSON.parse(l) as EpochLog & { event?: string })
    .filter((l) => l.event === undefined && typeof l.epoch === 'number');
}
