/**
 * Where models live: the ones shipped with the package, and a `--model` value naming several (no
 * TensorFlow.js: the command line reads it for its defaults).
 */
import { fileURLToPath } from 'node:url';
import { isShippedModel, SHIPPED_MODELS, type ShippedModel } from './shipped-models.js';

const modelsRoot = () => new URL('../../models/', import.meta.url);

/** The folders of a shipped model: `default`, models/ferplus-ran; `ensemble`, it and models/ferplus-ran-distilled. */
export function shippedModelDirs(name: ShippedModel): string[] {
  return SHIPPED_MODELS[name].map((folder) => fileURLToPath(new URL(folder, modelsRoot())));
}

/** The model shipped with the package: models/ferplus-ran. */
export function defaultModelDir(): string {
  return shippedModelDirs('default')[0];
}

/**
 * The model folders of a `--model` value: one folder, several joined by commas (an ensemble), or the name
 * of a shipped model (`default`, `ensemble`; a folder of that name is written `./ensemble`).
 */
export function modelDirs(value: string | readonly string[]): string[] {
  if (isShippedModel(value)) return shippedModelDirs(value);
  const dirs = (typeof value === 'string' ? value.split(',') : [...value]).map((d) => d.trim());
  if (dirs.length === 0 || dirs.some((d) => d === ''))
    throw new Error(`no model folder in "${String(value)}"`);
  return dirs;
}
