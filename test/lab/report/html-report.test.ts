import { describe, expect, it } from 'vitest';
import { EMOTIONS } from '../../../src/data/emotions.js';
import { IMAGE_SIZE } from '../../../src/lab/data/ferplus.js';
import type { EvalDetails, EvalReport } from '../../../src/lab/eval/evaluate.js';
import { renderReport } from '../../../src/lab/report/html-report.js';
import { DEFAULT_REGIONS } from '../../../src/model/regions.js';

/** 20 images: 0-9 predicted right, 10-19 wrong; the test set has all, "occlusion" the odd ones. */
function details(): EvalDetails {
  const n = 20;
  const k = EMOTIONS.length;
  const px = IMAGE_SIZE * IMAGE_SIZE;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % k);
  const probs = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const predicted = i < 10 ? labels[i] : (labels[i] + 1) % k;
    probs.fill(0.02, i * k, (i + 1) * k);
    probs[i * k + predicted] = 1 - 0.02 * (k - 1);
  }
  const attention = Float32Array.from({ length: n * 6 }, (_, i) => (i % 6) / 10);
  const report = (set: string, count: number): EvalReport => ({
    set,
    tta: false,
    count,
    accuracy: 0.5,
    balancedAccuracy: 0.5,
    perClassAccuracy: Object.fromEntries(EMOTIONS.map((e) => [e, e === 'contempt' ? null : 0.5])),
    macroF1: 0.45,
    classes: [...EMOTIONS],
    confusion: EMOTIONS.map((_, a) => EMOTIONS.map((__, p) => (a === p ? 2 : 1))),
    meanAttention: Object.fromEntries(DEFAULT_REGIONS.map((r, j) => [r.name, j / 10])),
  });
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const odd = Int32Array.from({ length: n / 2 }, (_, i) => 2 * i + 1);
  return {
    reports: [report('test', n), report('occlusion', n / 2)],
    split: {
      split: 'test',
      names: Array.from({ length: n }, (_, i) => `fer${String(i).padStart(7, '0')}.png`),
      pixels: Uint8Array.from({ length: n * px }, (_, i) => i % 251),
      votes: new Uint8Array(n * 10),
      count: n,
    },
    sets: [
      { name: 'test', set: { pixels: new Uint8Array(0), size: IMAGE_SIZE, indices: all, labels } },
      {
        name: 'occlusion',
        set: {
          pixels: new Uint8Array(0),
          size: IMAGE_SIZE,
          indices: odd,
          labels: Uint8Array.from(odd, (i) => labels[i]),
        },
      },
    ],
    row: new Map(Array.from(all, (i) => [i, i])),
    probs,
    attention,
    regionNames: DEFAULT_REGIONS.map((r) => r.name),
  };
}

describe('renderReport', () => {
  it('writes a self-contained page: table, charts, right and wrong gallery cards with region crops', async () => {
    const html = await renderReport(details(), {
      title: 'test <report>',
      modelDir: 'models/x',
      regions: DEFAULT_REGIONS,
      examplesPerKind: 3,
    });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>test &lt;report&gt;</title>');
    // Nothing loaded from elsewhere: every image is a data URI.
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/)/);
    // Accuracy table: one row per set, the null per-class accuracy shown as a dash.
    expect(html.match(/<tr><td>/g)).toHaveLength(2);
    expect(html).toContain('<td><b>50.00%</b></td>');
    expect(html).toContain('<td>–</td>');
    // Two confusion matrices and the attention chart, as inline SVG.
    expect(html.match(/<svg/g)).toHaveLength(3);
    // 3 right + 3 wrong per set, each with the face and 6 crops.
    expect(html.match(/class="card right"/g)).toHaveLength(6);
    expect(html.match(/class="card wrong"/g)).toHaveLength(6);
    expect(html.match(/class="crop"/g)).toHaveLength(12 * 6);
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(12 * 7);
    // Occlusion examples come from its own images (odd indices) only.
    const occlusion = html.slice(html.indexOf('<h3>Occlusion'));
    for (const m of occlusion.matchAll(/fer(\d{7})\.png/g)) expect(Number(m[1]) % 2).toBe(1);
  });
});
