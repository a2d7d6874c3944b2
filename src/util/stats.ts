/** Small statistics for benchmarks. */

/** The median (upper median for an even count) of a non-empty list. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
