/**
 * Many photos on all cores: `recognizeMany(inputs, { concurrency })` spreads decoding, detection and
 * recognition over worker threads (one Recognizer each) and yields each input's faces as an async
 * iterator, in input order (or as they finish, with `ordered: false`).
 *
 * ```ts
 * for await (const r of recognizeMany(files, { concurrency: 2 })) console.log(r.input, r.faces?.length ?? r.error);
 * ```
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ImageInput } from '../face/image.js';
import { spawnSibling } from '../util/worker.js';
import type { ManyRequest, ManyResponse } from './many-protocol.js';
import type { RecognizedFace } from './pipeline.js';
import type { RecognizerConfig } from './recognizer.js';

export interface RecognizeManyOptions extends RecognizerConfig {
  /** Worker threads (default: the machine's cores, at most the number of inputs). */
  concurrency?: number;
  /** Yield in input order (default) or as each input is done. */
  ordered?: boolean;
}

export interface ManyResult {
  /** Position of the input in the list. */
  index: number;
  input: ImageInput;
  /** The faces found (absent when the input could not be read). */
  faces?: RecognizedFace[];
  /** Why the input could not be read (an `ImageError`'s message). */
  error?: string;
}

const spawn = () => spawnSibling(import.meta.url, 'many-worker');

export async function* recognizeMany(
  inputs: readonly ImageInput[],
  options: RecognizeManyOptions = {},
): AsyncGenerator<ManyResult> {
  const { concurrency, ordered = true, ...config } = options;
  const n = Math.max(1, Math.min(concurrency ?? os.availableParallelism(), inputs.length));
  if (!Number.isInteger(n)) throw new RangeError(`concurrency must be a whole number, got ${concurrency}`);
  if (inputs.length === 0) return;
  const workers = Array.from({ length: n }, spawn);
  const done = new Map<number, ManyResult>();
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  let next = 0;
  const send = (w: Worker, msg: ManyRequest) => w.postMessage(msg);
  const feed = (w: Worker) => {
    if (next < inputs.length) {
      send(w, { kind: 'photo', index: next, input: inputs[next] });
      next++;
    }
  };
  for (const w of workers) {
    w.on('message', (msg: ManyResponse) => {
      if (msg.kind === 'ready') feed(w);
      else if (msg.kind === 'fatal') failure ??= new Error(msg.message);
      else {
        done.set(msg.index, {
          index: msg.index,
          input: inputs[msg.index],
          faces: msg.faces,
          error: msg.error,
        });
        feed(w);
      }
      wake?.();
    });
    w.on('error', (err) => {
      failure ??= err;
      wake?.();
    });
    send(w, { kind: 'start', config });
  }
  try {
    let yielded = 0;
    let order = 0;
    while (yielded < inputs.length) {
      if (failure) throw failure;
      const key = ordered ? order : done.keys().next().value;
      const result = key === undefined ? undefined : done.get(key);
      if (result && key !== undefined) {
        done.delete(key);
        order++;
        yielded++;
        yield result;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
