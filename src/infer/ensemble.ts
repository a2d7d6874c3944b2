/**
 * Several emotion models read as one: each member predicts the faces by the same options (its own class
 * prior at the requested weight, flip TTA, region boxes), and the ensemble's probabilities are the softmax of
 * the members' mean logits, as `ranfer eval --model A,B` scores them. Browser-safe.
 */
import type { ModelManifest } from '../model/format.js';
import type { RegionBox } from '../model/regions.js';
import { argmaxRows, meanLogitRows } from '../util/probabilities.js';
import type { EmotionPredictor, FacePrediction, PredictOptions } from './predictor.js';

/** Throws unless every member reads the same faces into the same classes through the same regions. */
function checkMembers(members: readonly EmotionPredictor[]): void {
  if (members.length === 0) throw new Error('an ensemble needs at least one model');
  const [first] = members;
  const regions = (m: EmotionPredictor) => JSON.stringify(m.regions);
  for (const [i, m] of members.entries()) {
    const what =
      m.size !== first.size
        ? `takes ${m.size}x${m.size} faces, model 1 ${first.size}x${first.size}`
        : m.classes.join() !== first.classes.join()
          ? `has the classes ${m.classes.join(', ')}, model 1 ${first.classes.join(', ')}`
          : regions(m) !== regions(first)
            ? 'has other regions than model 1'
            : m.engine !== first.engine
              ? `runs on ${m.engine}, model 1 on ${first.engine}`
              : undefined;
    if (what) throw new Error(`ensemble model ${i + 1} ${what}`);
  }
}

export class EmotionEnsemble implements EmotionPredictor {
  readonly members: readonly EmotionPredictor[];

  /** Takes ownership of `members` (disposed with the ensemble); all must share input, classes and regions. */
  constructor(members: readonly EmotionPredictor[]) {
    checkMembers(members);
    this.members = [...members];
  }

  /** The first member's manifest (input, classes and regions are the same for all). */
  get manifest(): ModelManifest {
    return this.members[0].manifest;
  }

  get size(): number {
    return this.members[0].size;
  }

  get classes(): readonly string[] {
    return this.members[0].classes;
  }

  get regions(): readonly RegionBox[] {
    return this.members[0].regions;
  }

  get regionNames(): string[] {
    return this.members[0].regionNames;
  }

  get engine(): EmotionPredictor['engine'] {
    return this.members[0].engine;
  }

  async predictAsync(faces: Uint8Array, options: PredictOptions = {}): Promise<FacePrediction> {
    const parts: FacePrediction[] = [];
    for (const m of this.members) parts.push(await m.predictAsync(faces, options));
    if (parts.length === 1) return parts[0];
    const k = this.classes.length;
    const probs = meanLogitRows(
      parts.map((p) => p.probs),
      k,
    );
    return { probs, top: argmaxRows(probs, k), attention: meanAttention(parts) };
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/** The members' mean attention weights, when every member reports them. */
function meanAttention(parts: readonly FacePrediction[]): Float32Array | undefined {
  const all = parts.map((p) => p.attention);
  if (all.some((a) => a === undefined)) return undefined;
  const rows = all as Float32Array[];
  const out = new Float32Array(rows[0].length);
  for (const a of rows) for (let i = 0; i < out.length; i++) out[i] += a[i] / rows.length;
  return out;
}

/**
 * One model, or the ensemble of several, loaded from their folders or URLs one after the other (each disposed
 * again if another fails to load or match).
 */
export async function loadEmotionModels<S>(
  sources: readonly S[],
  load: (source: S) => Promise<EmotionPredictor>,
): Promise<EmotionPredictor> {
  const members: EmotionPredictor[] = [];
  try {
    for (const source of sources) members.push(await load(source));
    return members.length === 1 ? members[0] : new EmotionEnsemble(members);
  } catch (err) {
    for (const m of members) m.dispose();
    throw err;
  }
}
