/** The names of the training recipes of train/config.ts (no networks: the command line lists them cheaply). */
export const TRAIN_PRESET_NAMES = [
  'default',
  'first-model',
  'long',
  'cutmix',
  'wide-tail',
  'balanced',
  'mfn',
  'domain',
  'distill',
  'distill-finetune',
  'occlusion-finetune',
] as const;
export type TrainPresetName = (typeof TRAIN_PRESET_NAMES)[number];
