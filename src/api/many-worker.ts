/** A worker thread of `recognizeMany`: one Recognizer, photos in, faces out. */
import { parentPort } from 'node:worker_threads';
import { ImageError } from '../face/image.js';
import type { ManyRequest, ManyResponse } from './many-protocol.js';
import { createRecognizer, type Recognizer, type RecognizerConfig } from './recognizer.js';

const port = parentPort;
if (!port) throw new Error('many-worker runs as a worker thread');
let fer: Promise<Recognizer> | undefined;

port.on('message', async (msg: ManyRequest) => {
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
});
