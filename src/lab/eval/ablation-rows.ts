/** The rows of the ablation study (eval/ablation.ts), by name. */
export const ABLATION_ROWS = [
  'whole-face',
  'no-rb',
  'full',
  'wide-tail',
  'balanced',
  'domain',
  'mfn',
  'distill',
] as const;
export type AblationRow = (typeof ABLATION_ROWS)[number];
