/**
 * The start of a fresh run on a pretrained backbone: the published weights replace the random ones, and
 * batch norms the backbone gets back (`norm`) are calibrated to the identity on training faces, so the
 * network starts out computing what the published one computes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../engine/backend.js';
import { initBackend } from '../../engine/backend.js';
import { normalizePixels } from '../../model/preprocess.js';
import { MFN_SCOPE } from '../../model/ran.js';
import { createNetwork, type NetworkConfig } from '../../model/registry.js';
import { type FaceSet, gatherFaces } from '../data/face-set.js';
import type { WorkerPool } from '../parallel/worker-pool.js';
import { calibrateNorms } from './calibrate.js';
import { applyPretrained, mobileFaceNetModelFile, readGraphWeights } from './pretrained.js';

/** Faces of the training set the norms are calibrated on. */
export const CALIBRATION_FACES = 256;
/** Faces per forward pass of the calibration (the main thread's WASM memory is small). */
const CALIBRATION_CHUNK = 32;

export async function startFromPretrained(
  pool: WorkerPool,
  network: NetworkConfig,
  name: string,
  train: FaceSet,
  backend: BackendChoice | undefined,
  info: (message: string) => void,
): Promise<void> {
  const file = mobileFaceNetModelFile();
  const set = applyPretrained(pool.params, pool.layout, await readGraphWeights(file), MFN_SCOPE);
  if (set === 0) throw new Error(`pretrained ${name}: the network has no MobileFaceNet backbone`);
  info(`backbone: ${set} tensors of ${name} from ${file}`);
  if (network.kind !== 'ran' || !network.backbone?.norm) {
    pool.weightsChanged();
    return;
  }
  await initBackend(backend);
  const net = createNetwork(network, 0);
  try {
    net.params.write(pool.params);
    net.state.write(pool.state);
    const n = Math.min(CALIBRATION_FACES, train.indices.length);
    const batches: tf.Tensor4D[] = [];
    for (let at = 0; at < n; at += CALIBRATION_CHUNK) {
      const m = Math.min(CALIBRATION_CHUNK, n - at);
      batches.push(tf.tensor4d(normalizePixels(gatherFaces(train, at, m)), [m, train.size, train.size, 1]));
    }
    let norms: number;
    try {
      norms = calibrateNorms(net, batches, `${MFN_SCOPE}.`);
    } finally {
      tf.dispose(batches);
    }
    net.params.read(pool.params);
    net.state.read(pool.state);
    info(`backbone: ${norms} batch norms calibrated on ${n} training faces`);
  } finally {
    net.dispose();
  }
  pool.weightsChanged();
}
