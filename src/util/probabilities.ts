/** Probability helpers on row-major n x cols arrays, shared by inference, evaluation and training. */

export function argmaxRows(values: Float32Array, cols: number): Uint8Array {
  const n = values.length / cols;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[i * cols + c] > values[i * cols + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Softmax of each row, in place. */
export function softmaxRows(values: Float32Array, cols: number): Float32Array {
  for (let i = 0; i < values.length; i += cols) {
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) m = Math.max(m, values[i + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) {
      values[i + c] = Math.exp(values[i + c] - m);
      s += values[i + c];
    }
    for (let c = 0; c < cols; c++) values[i + c] /= s;
  }
  return values;
}

/** (1 - weight) x `own` + weight x `other`, row by row (both n x cols probabilities): a new array. */
export function mixRows(own: Float32Array, other: Float32Array, weight: number): Float32Array {
  if (own.length !== other.length)
    throw new Error(`cannot mix ${own.length} probabilities with ${other.length}`);
  const out = new Float32Array(own.length);
  for (let i = 0; i < own.length; i++) out[i] = (1 - weight) * own[i] + weight * other[i];
  return out;
}

/**
 * The ensemble of several models' probabilities (each n x cols): the softmax of their mean log-probability,
 * which equals the softmax of their mean logits (each model's log-normaliser is a per-row constant).
 */
export function meanLogitRows(members: Float32Array[], cols: number): Float32Array {
  if (members.length === 0) throw new Error('an ensemble needs at least one member');
  const n = members[0].length;
  if (members.some((m) => m.length !== n)) throw new Error('ensemble members predicted different sets');
  const out = new Float32Array(n);
  for (const m of members)
    for (let i = 0; i < n; i++) out[i] += Math.log(Math.max(m[i], 1e-30)) / members.length;
  return softmaxRows(out, cols);
}
