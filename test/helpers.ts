import path from 'node:path';
import type { RanConfig } from '../src/model/ran.js';
import { DEFAULT_REGIONS } from '../src/model/regions.js';

/** The shared FERPlus data beside the checkout (../shared/datasets/ferplus). */
export const FERPLUS = path.resolve(__dirname, '../../shared/datasets/ferplus');
export const PHOTOS = path.resolve(__dirname, '../../shared/datasets/photos');

/** A RAN small enough for tests: 16x16 input, 6 regions of 4x4 on an 8x8 trunk map. */
export const TINY_RAN: RanConfig = {
  kind: 'ran',
  inputSize: 16,
  classes: 8,
  trunk: { inChannels: 1, stemChannels: 4, stemStride: 1, stages: [{ channels: 8, blocks: 1, stride: 2 }] },
  tail: [{ channels: 8, blocks: 1, stride: 2 }],
  regionSize: 4,
  regions: DEFAULT_REGIONS,
  rbLoss: { margin: 0.1, weight: 1 },
  labelSmoothing: 0,
};
