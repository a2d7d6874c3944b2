/**
 * Where models live: the one shipped with the package, and a `--model` value naming several (no
 * TensorFlow.js: the command line reads it for its defaults).
 */
import { fileURLToPath } from 'node:url';

/** The model shipped with the package: models/ferplus-ran. */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../models/ferplus-ran', import.meta.url));
}

/** The model folders of a `--model` value: one folder, or several joined by commas (an ensemble). */
export function modelDirs(value: string | readonly string[]): string[] {
  const dirs = (typeof value === 'string' ? value.split(',') : [...value]).map((d) => d.trim());
  if (dirs.length === 0 || dirs.some((d) => d === ''))
    throw new Error(`no model folder in "${String(value)}"`);
  return dirs;
}
