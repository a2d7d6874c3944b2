/**
 * The occlusion and head-pose subsets of the FERPlus test set published with the RAN paper:
 * `challenge-subsets/jianfei_occlusion_list.txt` (`1_fer0034656.png 8 0`: label_file),
 * `pose_30_ferplus_list.txt` and `pose_45_ferplus_list.txt` (`0/fer0032226.jpg`: label/file, the real
 * file being the .png of FER2013Test).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { NUM_CLASSES } from '../../data/emotions.js';
import { DataError } from '../../data/errors.js';

export type Subset = 'occlusion' | 'pose30' | 'pose45';
export const SUBSETS: readonly Subset[] = ['occlusion', 'pose30', 'pose45'];

export const SUBSET_FILES: Record<Subset, string> = {
  occlusion: 'jianfei_occlusion_list.txt',
  pose30: 'pose_30_ferplus_list.txt',
  pose45: 'pose_45_ferplus_list.txt',
};

export interface SubsetEntry {
  /** Test image file name (fer*.png). */
  file: string;
  /** The label the list gives (majority-protocol class 0-7). */
  label: number;
  line: number;
}

export function parseSubsetLine(text: string, subset: Subset, file: string, line: number): SubsetEntry {
  const m =
    subset === 'occlusion'
      ? /^(\d+)_(fer\d+\.png)(?:\s+.*)?$/i.exec(text)
      : /^(\d+)\/(fer\d+)\.(?:jpg|png)$/i.exec(text);
  if (!m) throw new DataError(`unrecognised ${subset} list entry "${text}"`, file, line);
  const label = Number(m[1]);
  if (label >= NUM_CLASSES) throw new DataError(`label ${label} is not one of the 8 emotions`, file, line);
  const name = subset === 'occlusion' ? m[2] : `${m[2]}.png`;
  return { file: name, label, line };
}

export async function readSubset(dataDir: string, subset: Subset): Promise<SubsetEntry[]> {
  const file = path.join(dataDir, 'challenge-subsets', SUBSET_FILES[subset]);
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new DataError(`missing ${subset} list`, file);
  });
  const out: SubsetEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.trim();
    if (t) out.push(parseSubsetLine(t, subset, file, i + 1));
  });
  return out;
}
