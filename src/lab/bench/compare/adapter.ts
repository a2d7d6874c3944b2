/** An emotion model under comparison: aligned grey faces in, probabilities over the FERPlus classes out. */
import { stat } from 'node:fs/promises';

export interface EmotionAdapter {
  /** Display name. */
  name: string;
  /** Where its weights come from (package and files). */
  source: string;
  /** FERPlus classes it can predict (indices into EMOTIONS); the 7-class models lack contempt (7). */
  classes: number[];
  /** 8-class test accuracy measured independently of ranfer (a check on this harness), if known. */
  referenceAccuracy8?: number;
  /** Bytes of its model files on disk. */
  sizeBytes: number;
  /**
   * Probabilities for `count` 48x48 grey faces (uint8, back to back), returned in FERPlus class order
   * (count x 8; 0 for a class the model does not know).
   */
  predict(faces: Uint8Array, count: number): Promise<Float32Array>;
  dispose(): void;
}

export async function filesSize(files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await stat(f)).size;
  return total;
}
