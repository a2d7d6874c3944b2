/** Learning-rate schedule: linear warm-up, then cosine decay to `final` x base over the remaining steps. */
export interface LrSchedule {
  base: number;
  warmupEpochs: number;
  /** Fraction of the base rate reached at the end. */
  final: number;
}

export function learningRate(s: LrSchedule, step: number, stepsPerEpoch: number, epochs: number): number {
  const warm = s.warmupEpochs * stepsPerEpoch;
  const total = epochs * stepsPerEpoch;
  if (step < warm) return (s.base * (step + 1)) / warm;
  const t = Math.min(1, (step - warm) / Math.max(1, total - warm));
  return s.base * (s.final + (1 - s.final) * 0.5 * (1 + Math.cos(Math.PI * t)));
}
