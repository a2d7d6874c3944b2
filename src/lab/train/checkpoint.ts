/**
 * Training checkpoints: one file ("RANFERK1", u32 header length, header JSON, float32 payload) written
 * atomically, holding the weights, batch-norm state, optimizer buffers, EMA weights and the position
 * (epoch, batch) from which training continues exactly.
 */
import { promises as fs } from 'node:fs';
import { concatFloat32, writeFileAtomic } from '../../util/atomic.js';
import type { TrainConfig } from './config.js';

const MAGIC = Buffer.from('RANFERK1', 'ascii');

export interface CheckpointMeta {
  version: 1;
  config: TrainConfig;
  /** Next batch to run: epoch and batch index within it. */
  epoch: number;
  batch: number;
  step: number;
  optimizerStep: number;
  epochLossSum: number;
  epochSamples: number;
  elapsedSec: number;
  best: { epoch: number; accuracy: number } | null;
  sections: Array<{ name: string; length: number }>;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  arrays: Record<string, Float32Array>;
}

export async function saveCheckpoint(
  file: string,
  meta: Omit<CheckpointMeta, 'sections'>,
  arrays: Record<string, Float32Array>,
): Promise<void> {
  const names = Object.keys(arrays);
  const header = Buffer.from(
    JSON.stringify({ ...meta, sections: names.map((name) => ({ name, length: arrays[name].length })) }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length, 0);
  const payload = concatFloat32(names.map((n) => arrays[n]));
  await writeFileAtomic(file, Buffer.concat([MAGIC, len, header, payload]));
}

export async function loadCheckpoint(file: string): Promise<Checkpoint | null> {
  const buf = await fs.readFile(file).catch(() => null);
  if (!buf) return null;
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC))
    throw new Error(`${file} is not a ranfer checkpoint`);
  const headerLen = buf.readUInt32LE(8);
  const meta = JSON.parse(buf.subarray(12, 12 + headerLen).toString('utf8')) as CheckpointMeta;
  const payload = buf.subarray(12 + headerLen);
  const total = meta.sections.reduce((n, s) => n + s.length, 0);
  if (payload.length !== total * 4)
    throw new Error(`${file} is truncated (${payload.length} of ${total * 4} payload bytes)`);
  const floats = new Float32Array(
    payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length),
  );
  const arrays: Record<string, Float32Array> = {};
  let o = 0;
  for (const s of meta.sections) {
    arrays[s.name] = floats.subarray(o, o + s.length);
    o += s.length;
  }
  return { meta, arrays };
}
