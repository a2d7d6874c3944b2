/** Where decoded FERPlus splits are cached: $RANFER_CACHE_DIR, else ~/.cache/ranfer. */
import os from 'node:os';
import path from 'node:path';

export function defaultCacheDir(): string {
  return process.env.RANFER_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'ranfer');
}
