/**
 * A gradient worker thread: holds one copy of the network on its own TensorFlow.js backend, reads the
 * weights the engine publishes in shared memory, and writes its sub-batch gradients back there.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../engine/backend.js';
import type { Network } from '../../model/network.js';
import { createNetwork } from '../../model/registry.js';
import { inferenceContext } from '../../nn/context.js';
import { computeGradients, statOffsets } from './gradients.js';
import type { FromWorker, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('grad-worker must run in a worker thread');
const port = parentPort;

let net: Network | undefined;
let shared:
  | { params: Float32Array; state: Float32Array; grads: Float32Array; stats: Float32Array }
  | undefined;
let loadedVersion = -1;
let offsets: ReturnType<typeof statOffsets> | undefined;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function syncWeights(version: number): { net: Network; shared: NonNullable<typeof shared> } {
  if (!net || !shared) throw new Error('worker used before init/attach');
  if (version !== loadedVersion) {
    net.params.write(shared.params);
    net.state.write(shared.state);
    loadedVersion = version;
  }
  return { net, shared };
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const backend = await initBackend(msg.backend);
      net = createNetwork(msg.network, msg.seed);
      offsets = statOffsets(net);
      send({
        type: 'ready',
        paramCount: net.params.size,
        stateCount: net.state.size,
        backend,
        flopsPerSample: net.flopsPerSample(),
        layout: net.params.layout(),
        stateLayout: net.state.layout(),
      });
      return;
    }
    case 'attach': {
      if (!net) throw new Error('attach before init');
      shared = {
        params: new Float32Array(msg.params),
        state: new Float32Array(msg.state),
        grads: new Float32Array(msg.grads),
        stats: new Float32Array(msg.stats),
      };
      if (msg.writeInitial) {
        net.params.read(shared.params);
        net.state.read(shared.state);
      }
      send({ type: 'attached' });
      return;
    }
    case 'step': {
      const w = syncWeights(msg.version);
      const out = computeGradients(w.net, msg, msg.bnGroup, w.shared.grads, w.shared.stats, offsets);
      send({ type: 'step-done', id: msg.id, lossSum: out.lossSum, count: out.count });
      return;
    }
    case 'predict': {
      const w = syncWeights(msg.version);
      const out = tf.tidy(() => {
        const p = w.net.predict(tf.tensor4d(msg.x, msg.xShape), inferenceContext());
        return {
          logits: p.logits.dataSync() as Float32Array,
          classes: p.logits.shape[1],
          attention: p.attention?.dataSync() as Float32Array | undefined,
          regions: p.attention?.shape[1] ?? 0,
        };
      });
      send({ type: 'predict-done', id: msg.id, ...out });
      return;
    }
    case 'close':
      net?.dispose();
      port.close();
      return;
  }
}

port.on('message', (msg: ToWorker) => {
  handle(msg).catch((err: unknown) => {
    const id = 'id' in msg ? msg.id : -1;
    send({ type: 'error', id, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
