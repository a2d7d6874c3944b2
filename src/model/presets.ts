/** Named network configurations. */
import type { RanConfig } from './ran.js';
import { DEFAULT_REGIONS } from './regions.js';

/**
 * The default RAN: trunk 48x48 -> 12x12x64 (stem 16, stages 32 and 64), 6 regions resized to 8x8 on
 * that map, tail stage of 128 channels (2 blocks, 8x8 -> 4x4), 128-d region features.
 */
export const RAN_DEFAULT: RanConfig = {
  kind: 'ran',
  inputSize: 48,
  classes: 8,
  trunk: {
    inChannels: 1,
    stemChannels: 16,
    stemStride: 1,
    stages: [
      { channels: 32, blocks: 1, stride: 2 },
      { channels: 64, blocks: 2, stride: 2 },
    ],
  },
  tail: [{ channels: 128, blocks: 2, stride: 2 }],
  regionSize: 8,
  regions: DEFAULT_REGIONS,
  rbLoss: { margin: 0.1, weight: 1 },
  labelSmoothing: 0,
};

/** The same network on the whole face only (the ablation baseline). */
export const RAN_WHOLE_FACE: RanConfig = {
  ...RAN_DEFAULT,
  regions: [DEFAULT_REGIONS[0]],
  rbLoss: { margin: 0.1, weight: 0 },
};

/**
 * The shipped model's network (`--preset wide-tail`): the default RAN without the two upper corner crops
 * (their mean attention is ~0.01 on test and every subset with the default network) and with their compute
 * spent on a wider tail (160 channels): 4 regions, 224 MFLOP per face against the default's 230.
 */
export const RAN_WIDE_TAIL: RanConfig = {
  ...RAN_DEFAULT,
  regions: DEFAULT_REGIONS.filter((r) => !r.name.startsWith('upper-')),
  tail: [{ channels: 160, blocks: 2, stride: 2 }],
};

/**
 * The RAN on a MobileFaceNet backbone (model/mobilefacenet.ts), the RAN paper's recipe of a backbone
 * pretrained for face recognition: the 48x48 face resized to 64x64 inside the network; stem and stages
 * Conv2d_2 to Conv2d_4 once per face (an 8x8x128 map); the wide-tail network's 4 regions cut from it and
 * resized to 6x6; stages Conv2d_5 (stride 1) and Conv2d_6 and the 512-channel Conv2d_7 once per region.
 * The pretrained trunk is frozen and the tail learns at 0.1x the rate: in short fine-tuning probes at the
 * full rate (trunk and tail, or both at 0.1x) the features grew to ~1e5 and validation collapsed to a
 * single class in inference mode; frozen, they stay at their pretrained scale, and a step is 2.6x faster.
 */
export const RAN_MFN: RanConfig = {
  ...RAN_WIDE_TAIL,
  backbone: {
    kind: 'mobilefacenet',
    inChannels: 1,
    inputSize: 64,
    trunkStages: 3,
    tailStride: 1,
    lrScale: { trunk: 0, tail: 0.1 },
  },
  regionSize: 6,
};
