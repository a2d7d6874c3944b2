/** Defaults shared by the commands. */
import path from 'node:path';
import type { Command } from 'commander';
import { defaultCacheDir } from '../data/cache-dir.js';

/** $RANFER_DATA, else ../shared/datasets/ferplus from the current folder. */
export function defaultDataDir(): string {
  return process.env.RANFER_DATA ?? path.resolve('..', 'shared', 'datasets', 'ferplus');
}

/** $RANFER_PHOTOS, else ../shared/datasets/photos from the current folder. */
export function defaultPhotosDir(): string {
  return process.env.RANFER_PHOTOS ?? path.resolve('..', 'shared', 'datasets', 'photos');
}

/** $RANFER_FACES, else ../shared/datasets/ckplus-dev: labelled faces of another dataset, for generalisation. */
export function defaultFacesDir(): string {
  return process.env.RANFER_FACES ?? path.resolve('..', 'shared', 'datasets', 'ckplus-dev');
}

/** The --data and --cache-dir options every command that reads FERPlus has. */
export function dataOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'FERPlus folder', defaultDataDir())
    .option('--cache-dir <dir>', 'decoded-image cache', defaultCacheDir());
}
