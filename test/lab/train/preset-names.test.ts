/** The command line lists the training recipes from a light module; it must name exactly the recipes. */
import { describe, expect, it } from 'vitest';
import { TRAIN_PRESETS } from '../../../src/lab/train/config.js';
import { TRAIN_PRESET_NAMES } from '../../../src/lab/train/preset-names.js';

describe('TRAIN_PRESET_NAMES', () => {
  it('names every recipe of TRAIN_PRESETS, in order', () => {
    expect([...TRAIN_PRESET_NAMES]).toEqual(Object.keys(TRAIN_PRESETS));
  });
});
