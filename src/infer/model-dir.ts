/** The model shipped with the package (no TensorFlow.js: the command line reads it for its defaults). */
import { fileURLToPath } from 'node:url';

/** The model shipped with the package: models/ferplus-ran. */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../models/ferplus-ran', import.meta.url));
}
