/**
 * The model file format (browser-safe): model.json (network, classes, input normalisation, parameter
 * layout, checksum) and weights.bin (float32 parameters then batch-norm state), parsed and checked.
 */
import type { ParamInfo } from '../nn/params.js';
import type { ClassPrior } from './prior.js';
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
  /** The class prior of the training data and how much the predictions weigh it (model/prior.ts). */
  prior?: ClassPrior;
}

export interface ModelWeights {
  manifest: ModelManifest;
  params: Float32Array;
  state: Float32Array;
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

/** Throws unless a network of `params` / `state` floats is the one `weights` were saved from. */
export function checkWeightsFit(params: number, state: number, weights: ModelWeights, where: string): void {
  if (params !== weights.params.length || state !== weights.state.length)
    throw new Error(`${where}: the weights do not fit the network described in model.json`);
}
