/** Named network configurations. */
import type { RanConfig } from '../../model/ran.js';
import { DEFAULT_REGIONS } from '../../model/regions.js';

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
 * A batch norm follows every convolution of the backbone again, calibrated to the identity on FERPlus
 * faces when the run starts: the published network has its norms folded away, and fine-tuned as it is
 * its features grew ~3,000-fold within an epoch (inference then collapsed to one class), while with the
 * trunk frozen it learned expressions far too slowly (docs/experiments.md).
 */
export const RAN_MFN: RanConfig = {
  ...RAN_WIDE_TAIL,
  backbone: {
    kind: 'mobilefacenet',
    inChannels: 1,
    inputSize: 64,
    trunkStages: 3,
    tailStride: 1,
    norm: true,
  },
  regionSize: 6,
};
