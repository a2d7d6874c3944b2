import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AblationResult,
  ablationConfig,
  ablationMarkdown,
  keptResult,
} from '../../../src/lab/eval/ablation.js';
import type { EvalReport } from '../../../src/lab/eval/evaluate.js';
import { TRAIN_PRESETS } from '../../../src/lab/train/config.js';
import { DEFAULT_DOMAIN_SHIFT } from '../../../src/lab/train/domain-shift.js';
import { LOG_FILE, readEpochLog } from '../../../src/lab/train/run-log.js';

describe('ablation rows', () => {
  it('differ only in the network: regions and the region biased loss', () => {
    const base = { ...TRAIN_PRESETS.default, epochs: 6 };
    const [whole, noRb, full, wide] = (['whole-face', 'no-rb', 'full', 'wide-tail'] as const).map((r) =>
      ablationConfig(base, r),
    );
    for (const c of [whole, noRb, full, wide]) {
      expect({ ...c, network: null }).toEqual({ ...base, network: null });
      expect(c.network.kind).toBe('ran');
    }
    if (whole.network.kind !== 'ran' || noRb.network.kind !== 'ran' || full.network.kind !== 'ran') return;
    expect(whole.network.regions.map((r) => r.name)).toEqual(['face']);
    expect(whole.network.rbLoss.weight).toBe(0);
    expect(noRb.network.regions).toHaveLength(6);
    expect(noRb.network.rbLoss.weight).toBe(0);
    expect(full.network.regions).toHaveLength(6);
    expect(full.network.rbLoss).toEqual({ margin: 0.1, weight: 1 });
    expect({ ...noRb.network, rbLoss: null }).toEqual({ ...full.network, rbLoss: null });
    if (wide.network.kind !== 'ran') return;
    expect(wide.network.regions.map((r) => r.name)).toEqual(['face', 'lower', 'center', 'tight']);
    expect(wide.network.rbLoss).toEqual(full.network.rbLoss);
    expect(wide).toEqual({ ...TRAIN_PRESETS['wide-tail'], epochs: 6 });
  });

  it('adds each lever to the wide-tail row alone: the balanced row is its recipe plus the logit adjustment', () => {
    const base = { ...TRAIN_PRESETS.default, epochs: 6 };
    const balanced = ablationConfig(base, 'balanced');
    expect(balanced).toEqual({ ...TRAIN_PRESETS.balanced, epochs: 6 });
    expect({ ...balanced, balance: undefined }).toEqual({
      ...ablationConfig(base, 'wide-tail'),
      balance: undefined,
    });
    expect(balanced.balance).toEqual({ tau: 1 });
    // Same JSON (key order too), so `ranfer train --preset balanced --epochs 6` trains the row.
    expect(JSON.stringify(balanced)).toBe(JSON.stringify({ ...TRAIN_PRESETS.balanced, epochs: 6 }));
    const domain = ablationConfig(base, 'domain');
    expect(JSON.stringify(domain)).toBe(JSON.stringify({ ...TRAIN_PRESETS.domain, epochs: 6 }));
    expect({ ...domain, augment: null }).toEqual({ ...ablationConfig(base, 'wide-tail'), augment: null });
    expect(domain.augment).toEqual({ ...base.augment, domain: DEFAULT_DOMAIN_SHIFT });
    const mfn = ablationConfig(base, 'mfn');
    expect(JSON.stringify(mfn)).toBe(JSON.stringify({ ...TRAIN_PRESETS.mfn, epochs: 6 }));
    expect({ ...mfn, network: null, pretrained: undefined }).toEqual({ ...base, network: null });
    expect(mfn.pretrained).toBe('mobilefacenet-ms1m');
  });

  it('reads epoch lines (not events) and renders the table', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ranfer-ablation-'));
    const lines = [
      {
        epoch: 1,
        step: 10,
        lr: 1,
        trainLoss: 2,
        valAccuracy: 0.5,
        imgPerSec: 40,
        epochSec: 60,
        elapsedSec: 60,
        time: '',
      },
      { event: 'epochs-changed', from: 3, to: 2, step: 10 },
      {
        epoch: 2,
        step: 20,
        lr: 1,
        trainLoss: 1,
        valAccuracy: 0.6,
        imgPerSec: 40,
        epochSec: 60,
        elapsedSec: 7200,
        time: '',
      },
    ];
    await fs.writeFile(path.join(dir, LOG_FILE), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const log = await readEpochLog(dir);
    expect(log.map((l) => l.epoch)).toEqual([1, 2]);
    const report = (set: string, accuracy: number) =>
      ({ set, accuracy, balancedAccuracy: accuracy - 0.2 }) as EvalReport;
    const ck = {
      ...report('ckplus-dev', 0.5),
      framing: 'aligned' as const,
      framingFallbacks: 0,
      withoutContempt: { count: 495, accuracy: 0.55, balancedAccuracy: 0.45, macroF1: 0.4 },
    };
    const md = ablationMarkdown(
      [
        {
          row: 'whole-face',
          epochs: 2,
          trainHours: 2,
          bestValid: 0.6,
          reports: [report('test', 0.7), report('occlusion', 0.6)],
          faces: [ck],
        },
        {
          row: 'full',
          epochs: 2,
          trainHours: 2.5,
          bestValid: 0.65,
          reports: [report('test', 0.75), report('occlusion', 0.7)],
          note: 'copied from an earlier run.',
        },
      ],
      'ranfer ablate --epochs 2',
      40,
    );
    expect(md).toContain('**Shorter budget than the shipped model**: each row is 2 epochs');
    expect(md).toContain('the shipped model trained 40');
    expect(ablationMarkdown([], 'ranfer ablate', 40)).not.toContain('Shorter budget');
    expect(md).toContain(
      '- full RAN (region biased loss, margin 0.1, weight 1): copied from an earlier run.',
    );
    expect(md).toContain(
      '| row | epochs | training | best valid | prior weight | test | occlusion | balanced test | ckplus-dev (7 classes) | ckplus-dev balanced |',
    );
    expect(md).toContain(
      '| backbone on the whole face only (1 region, no attention, no RB loss) | 2 | 2.00 h | 60.00% | 1 | 70.00% | 60.00% | 50.00% | 55.00% | 45.00% |',
    );
    // A row without face reports says so rather than borrowing another's.
    expect(md).toContain(
      '| full RAN (region biased loss, margin 0.1, weight 1) | 2 | 2.50 h | 65.00% | 1 | 75.00% | 70.00% | 55.00% | n/a | n/a |',
    );
  });
});

describe('ablate keeps figures measured before', () => {
  const result = (row: AblationResult['row'], sha: string, faces: string[]) =>
    ({ row, weightsSha1: sha, faces: faces.map((set) => ({ set })) }) as unknown as AblationResult;
  const before = [result('full', 'aaa', ['ckplus-dev']), result('wide-tail', 'bbb', [])];

  it('for the same row, weights and face folders only', () => {
    expect(keptResult(before, 'full', 'aaa', ['ckplus-dev'])).toBe(before[0]);
    expect(keptResult(before, 'full', 'changed', ['ckplus-dev'])).toBeUndefined();
    expect(keptResult(before, 'full', 'aaa', [])).toBeUndefined();
    expect(keptResult(before, 'wide-tail', 'bbb', [])).toBe(before[1]);
    expect(keptResult(before, 'domain', 'aaa', ['ckplus-dev'])).toBeUndefined();
  });
});
