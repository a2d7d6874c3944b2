/**
 * Faces in the wild trained on beside FERPlus: the training films of a folder of movie faces (SFEW's
 * layout, split by film: data/film-split.ts), framed as the photo pipeline frames a face (landmarks, then
 * the FERPlus alignment) and appended to the training set with one-hot targets. The set is small beside
 * FERPlus's 28,000 faces, so each face appears `repeat` times an epoch (each time augmented anew).
 */
import { NUM_CLASSES } from '../../data/emotions.js';
import { frameFolder } from '../data/crop-folder.js';
import { type FaceFolder, readFaceFolder } from '../data/face-folder.js';
import type { TrainSet } from '../data/face-set.js';
import { selectFilms } from '../data/film-split.js';

export interface WildConfig {
  /** The validation films' share of the folder's faces: those films are never trained on. */
  validShare: number;
  /** Times each face appears in an epoch. */
  repeat: number;
}

export const DEFAULT_WILD: WildConfig = { validShare: 0.2, repeat: 4 };

/** Framed faces with their labels (class indices in FERPlus order). */
export interface WildFaces {
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Faces whose landmarks were unusable, resized as they are instead. */
  fallbacks: number;
}

/** The faces of `dir`'s training films: what a run with `config` trains on. */
export async function trainingFilms(
  dir: string,
  config: Pick<WildConfig, 'validShare'>,
): Promise<FaceFolder> {
  return selectFilms(await readFaceFolder(dir), 'train', config.validShare);
}

/** The training films' faces of `dir`, framed for a model of input side `size`. */
export async function loadWildFaces(
  dir: string,
  config: WildConfig,
  size: number,
  onProgress?: (done: number, total: number) => void,
): Promise<WildFaces> {
  const folder = await trainingFilms(dir, config);
  const framed = await frameFolder(folder.files, size, 'aligned', undefined, onProgress);
  return { pixels: framed.pixels, labels: folder.labels, fallbacks: framed.fallbacks };
}

/** `set` with the wild faces appended, each selected `repeat` times with its one-hot target. */
export function withWildFaces(
  set: TrainSet,
  wild: Pick<WildFaces, 'pixels' | 'labels'>,
  repeat: number,
): TrainSet {
  if (!(Number.isInteger(repeat) && repeat >= 1))
    throw new Error(`repeat must be a positive integer, got ${repeat}`);
  const px = set.size * set.size;
  const base = set.pixels.length / px;
  const count = wild.labels.length;
  if (wild.pixels.length !== count * px)
    throw new Error(
      `the wild faces are not ${set.size}x${set.size} (${wild.pixels.length} bytes for ${count})`,
    );
  const pixels = new Uint8Array(set.pixels.length + wild.pixels.length);
  pixels.set(set.pixels);
  pixels.set(wild.pixels, set.pixels.length);
  const n = set.indices.length;
  const indices = new Int32Array(n + repeat * count);
  indices.set(set.indices);
  const targets = new Float32Array((n + repeat * count) * NUM_CLASSES);
  targets.set(set.targets);
  for (let r = 0; r < repeat; r++) {
    for (let k = 0; k < count; k++) {
      const j = n + r * count + k;
      indices[j] = base + k;
      targets[j * NUM_CLASSES + wild.labels[k]] = 1;
    }
  }
  return { pixels, size: set.size, indices, targets };
}
