/**
 * The saved-model format, readable in Node and in the browser:
 * - `model.json`: `{ format: "ranfer-model", version, network (config), classes, input, params, state,
 *   weights, byteLength, sha1, meta }` where `params` / `state` list each tensor's name, shape, offset and
 *   size (in floats) within its section;
 * - `weights.bin`: little-endian float32, all trainable parameters then all state (batch-norm statistics).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EMOTIONS } from '../data/emotions.js';
import type { ParamInfo } from '../nn/params.js';
import { concatFloat32, writeFileAtomic } from '../util/atomic.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelManifest, type ModelWeights, parseModel } from './format.js';
import { INPUT_MEAN, INPUT_STD } from './preprocess.js';
import type { ClassPrior } from './prior.js';
import type { NetworkConfig } from './registry.js';

export { MODEL_FORMAT, MODEL_VERSION, type ModelManifest, type ModelWeights, parseModel };

export async function saveModel(
  dir: string,
  network: NetworkConfig,
  layout: { params: ParamInfo[]; state: ParamInfo[] },
  params: Float32Array,
  state: Float32Array,
  meta: Record<string, unknown> = {},
  prior?: ClassPrior,
): Promise<void> {
  const bytes = concatFloat32([params, state]);
  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    network,
    classes: EMOTIONS,
    input: { size: network.inputSize, channels: 1, mean: INPUT_MEAN, std: INPUT_STD },
    params: layout.params,
    state: layout.state,
    weights: 'weights.bin',
    byteLength: bytes.length,
    sha1: createHash('sha1').update(bytes).digest('hex'),
    meta,
    ...(prior ? { prior } : {}),
  };
  await writeFileAtomic(path.join(dir, 'weights.bin'), bytes);
  await writeFileAtomic(path.join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function loadModel(dir: string): Promise<ModelWeights> {
  const text = await fs.readFile(path.join(dir, 'model.json'), 'utf8').catch(() => {
    throw new Error(`no model at ${dir} (model.json missing)`);
  });
  const manifest = JSON.parse(text) as ModelManifest;
  const bytes = await fs.readFile(path.join(dir, manifest.weights ?? 'weights.bin')).catch(() => {
    throw new Error(`${dir}: weights file ${manifest.weights} missing`);
  });
  const model = parseModel(text, bytes, dir);
  if (createHash('sha1').update(bytes).digest('hex') !== manifest.sha1)
    throw new Error(`${dir}: weights checksum mismatch`);
  return model;
}
