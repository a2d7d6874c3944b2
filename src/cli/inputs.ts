/** Expands command-line inputs (files, folders, globs) into image files, in a stable order. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif', 'heic'];

export interface ExpandedInputs {
  files: string[];
  /** Whether a folder or glob was expanded (then a progress bar is worth showing). */
  expanded: boolean;
}

/**
 * A folder stands for the images inside it (recursively), a glob for its matches; anything else is
 * kept as given, so that a missing file is reported by the reader like any other bad input.
 */
export async function expandInputs(inputs: string[]): Promise<ExpandedInputs> {
  const files: string[] = [];
  let expanded = false;
  const pattern = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;
  for (const input of inputs) {
    const st = await stat(input).catch(() => null);
    if (st?.isDirectory()) {
      expanded = true;
      const found = await glob(pattern, { cwd: input, caseSensitiveMatch: false, absolute: false });
      files.push(...found.sort().map((f) => path.join(input, f)));
    } else if (!st && isDynamicPattern(input)) {
      expanded = true;
      // An absolute pattern gives absolute paths (tinyglobby's are relative to the working folder).
      const found = await glob(input, { caseSensitiveMatch: false, absolute: path.isAbsolute(input) });
      if (found.length === 0) files.push(input);
      else files.push(...found.sort());
    } else files.push(input);
  }
  return { files, expanded };
}
