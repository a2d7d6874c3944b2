/** Small statistics for benchmarks. */

/** The median (upper median for an even count) of a non-empty list. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Runs `fn` `runs` times and returns the median milliseconds of one run; `onRun` is told after each
 * (for progress bars). Warm-up calls are the caller's.
 */
export async function medianMs(
  runs: number,
  fn: () => unknown,
  onRun?: (done: number, total: number) => void,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
    onRun?.(i + 1, runs);
  }
  return median(times);
}
