/** A worker thread of `recognizeMany`: one Recognizer, photos in, faces out, one photo at a time. */
import { parentPort } from 'node:worker_threads';
import { ImageError } from '../face/image.js';
import type { ManyRequest, ManyResponse } from './many-protocol.js';
import { createRecognizer, type Recognizer, type RecognizerConfig } from './recognizer.js';

if (!parentPort) throw new Error('many-worker runs as a worker thread');
const port = parentPort;
let fer: Promise<Recognizer> | undefined;
/** The photo being recognized: the next one waits for it (photos arrive ahead of time). */
let previous: Promise<void> = Promise.resolve();

port.on('message', (msg: ManyRequest) => {
  previous = previous.then(() => handle(msg));
});

async function handle(msg: ManyRequest): Promise<void> {
  const reply = (r: ManyResponse) => port.postMessage(r);
  if (msg.kind === 'start') {
    fer = createRecognizer(msg.config as RecognizerConfig);
    fer.then(
      () => reply({ kind: 'ready' }),
      (err: Error) => reply({ kind: 'fatal', message: err.message }),
    );
    return;
  }
  try {
    const faces = await (await (fer as Promise<Recognizer>)).recognize(msg.input);
    reply({ kind: 'result', index: msg.index, faces });
  } catch (err) {
    if (err instanceof ImageError) reply({ kind: 'result', index: msg.index, error: err.message });
    else reply({ kind: 'fatal', message: (err as Error).message });
  }
}
