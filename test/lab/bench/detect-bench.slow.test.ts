/** `ranfer bench detect` with the default setting: what it measures, on images of known face counts. */
import { describe, expect, it } from 'vitest';
import { DETECTOR_SETTINGS, GROUP_MOSAICS, runDetectBench } from '../../../src/lab/bench/detect-bench.js';
import { PHOTOS } from '../../helpers.js';

describe('bench detect (default setting)', () => {
  it('finds the faces of the group photos, crops and turned photos, and none where there is none', async () => {
    const rows = await runDetectBench({
      photosDir: PHOTOS,
      backend: 'wasm',
      settings: [DETECTOR_SETTINGS[0]],
      mosaics: GROUP_MOSAICS.slice(0, 2),
    });
    const row = (set: string) => rows.find((r) => r.set === set);
    expect(rows.map((r) => [r.set, r.images, r.faces])).toEqual([
      ['bbt1 (1366x768)', 1, 4],
      ['bbt1 3x3 (4098x2304)', 1, 36],
      ['tight crops', 7, 7],
      ['turned photos', 21, 21],
      ['no faces', 5, 0],
    ]);
    expect([row('bbt1 (1366x768)')?.found, row('bbt1 (1366x768)')?.falseFaces]).toEqual([4, 0]);
    expect(row('bbt1 3x3 (4098x2304)')?.found).toBeGreaterThanOrEqual(32);
    expect(row('bbt1 3x3 (4098x2304)')?.falseFaces).toBeLessThanOrEqual(1);
    expect([row('tight crops')?.found, row('tight crops')?.falseFaces]).toEqual([7, 0]);
    expect(row('turned photos')?.found).toBe(21);
    expect(row('no faces')?.falseFaces).toBe(0);
    expect(row('no faces')?.recall).toBeNull();
  });
});
