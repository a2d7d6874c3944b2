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
import { INPUT_MEAN, INPUT_STD } from './preprocess.js';
import type { NetworkConfig } from './registry.js';

export const MODEL_FORMAT = 'ranfer-model';
export const MODEL_VERSION = 1;

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  version: number;
  network: NetworkConfig;
  classes: readonly string[];
  input: { size: number; channels: 1; mean: number; std: number };
  params: ParamInfo[];
  state: ParamInfo[];
  weights: string;
  byteLength: number;
  sha1: string;
  meta: Record<string, unknown>;
}

export interface ModelWeights {
  manifest: ModelManifest;
  params: Float32Array;
  state: Float32Array;
}

export async function saveModel(
  dir: string,
  network: NetworkConfig,
  layout: { params: ParamInfo[]; state: ParamInfo[] },
  params: Float32Array,
  state: Float32Array,
  meta: Record<string, unknown> = {},
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
  };
  await writeFileAtomic(path.join(dir, 'weights.bin'), bytes);
  await writeFileAtomic(path.join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Parses a manifest and its weights (already read), checking that they belong together. */
export function parseModel(manifestText: string, weights: Uint8Array, where = 'model'): ModelWeights {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(manifestText) as ModelManifest;
  } catch (e) {
    throw new Error(`${where}/model.json is not valid JSON (${(e as Error).message})`);
  }
  if (manifest.format !== MODEL_FORMAT) throw new Error(`${where}/model.json is not a ranfer model`);
  if (manifest.version !== MODEL_VERSION)
    throw new Error(`${where}: model format version ${manifest.version} is not supported`);
  if (weights.length !== manifest.byteLength) {
    throw new Error(
      `${where}/${manifest.weights} has ${weights.length} bytes, model.json expects ${manifest.byteLength}`,
    );
  }
  const count = (l: ParamInfo[]) => l.reduce((n, p) => n + p.size, 0);
  const nParams = count(manifest.params);
  const nState = count(manifest.state);
  if ((nParams + nState) * 4 !== weights.length)
    throw new Error(`${where}: weight layout does not match the file size`);
  const floats = new Float32Array(
    weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
  );
  return { manifest, params: floats.subarray(0, nParams), state: floats.subarray(nParams) };
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
