/** Output paths checked before a command does any work, so a typo fails at once and not after an hour. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './errors.js';

/** An output file: its folder must exist and be writable, and the path must not be a folder. */
export async function checkOutputFile(file: string, option: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) throw new UsageError(`${option} ${file}: a folder is there; give a file name`);
  const dir = path.dirname(path.resolve(file));
  const parent = await stat(dir).catch(() => null);
  if (!parent?.isDirectory()) throw new UsageError(`${option} ${file}: no folder ${dir}`);
  await access(dir, constants.W_OK).catch(() => {
    throw new UsageError(`${option} ${file}: cannot write in ${dir}`);
  });
}
