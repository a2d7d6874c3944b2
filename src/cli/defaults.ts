/** Defaults shared by the commands. */
import path from 'node:path';

/** $RANFER_DATA, else ../shared/datasets/ferplus from the current folder. */
export function defaultDataDir(): string {
  return process.env.RANFER_DATA ?? path.resolve('..', 'shared', 'datasets', 'ferplus');
}

/** $RANFER_PHOTOS, else ../shared/datasets/photos from the current folder. */
export function defaultPhotosDir(): string {
  return process.env.RANFER_PHOTOS ?? path.resolve('..', 'shared', 'datasets', 'photos');
}
