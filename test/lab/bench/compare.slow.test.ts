/** The comparison harness: label mappings, scoring, and each other model's accuracy against its reference. */
import { describe, expect, it } from 'vitest';
import { predictFaces, scoreSet } from '../../../src/lab/bench/compare/compare-bench.js';
import { faceApiAdapter } from '../../../src/lab/bench/compare/faceapi-adapter.js';
import { humanAdapter } from '../../../src/lab/bench/compare/human-adapter.js';
import { loadSplit } from '../../../src/lab/data/ferplus.js';
import { buildEvalSet } from '../../../src/lab/data/sets.js';
import { toFerOrder } from '../../../src/lab/train/expression-teacher.js';
import { FERPLUS } from '../../helpers.js';

describe('comparison harness', () => {
  it('reorders a 7-class model into FERPlus order with contempt at 0', () => {
    // Two faces of a model whose labels are (happy, neutral): FERPlus indices 1 and 0.
    const out = toFerOrder([0.9, 0.1, 0.3, 0.7], 2, [1, 0]);
    expect(Array.from(out)).toEqual(
      [0.1, 0.9, 0, 0, 0, 0, 0, 0, 0.7, 0.3, 0, 0, 0, 0, 0, 0].map(Math.fround),
    );
  });

  it('scores 8 classes on all images and 7 shared classes on the non-contempt ones', () => {
    const probs = new Float32Array(3 * 8);
    probs.set([0.1, 0.5, 0, 0, 0, 0, 0, 0.4], 0); // happiness
    probs.set([0.1, 0.2, 0, 0, 0, 0, 0, 0.7], 8); // contempt, else happiness
    probs.set([0.6, 0.1, 0, 0, 0, 0, 0, 0.3], 16); // neutral
    const all = [0, 1, 2, 3, 4, 5, 6, 7];
    const s = scoreSet('x', probs, [0, 1, 2], [1, 1, 7], all);
    expect(s).toEqual({ set: 'x', images: 3, accuracy8: 1 / 3, images7: 2, accuracy7: 1, balanced7: 1 });
    const seven = scoreSet('x', probs, [0, 1, 2], [1, 1, 7], [0, 1, 2, 3, 4, 5, 6]);
    expect(seven.accuracy8).toBeCloseTo(2 / 3, 10);
    // Three happy faces right and one neutral face wrong: accuracy 3/4, balanced (1 + 0) / 2.
    const happy = new Float32Array(4 * 8);
    for (let i = 0; i < 4; i++) happy[i * 8 + 1] = 1;
    const b = scoreSet('y', happy, [0, 1, 2, 3], [1, 1, 1, 0], all);
    expect(b.accuracy7).toBeCloseTo(0.75, 10);
    expect(b.balanced7).toBeCloseTo(0.5, 10);
  });

  it("reproduces face-api's 68.9% and Human's 66.6% on the 3,137 test faces, within half a point", async () => {
    const split = (await loadSplit(FERPLUS, 'test')).data;
    const test = await buildEvalSet(FERPLUS, split);
    const n = test.indices.length;
    expect(n).toBe(3137);
    for (const create of [faceApiAdapter, humanAdapter]) {
      const model = await create();
      const probs = await predictFaces(model, split.pixels, test.indices);
      const s = scoreSet(
        'test',
        probs,
        Array.from({ length: n }, (_, i) => i),
        test.labels,
        model.classes,
      );
      model.dispose();
      expect(Math.abs(s.accuracy8 - (model.referenceAccuracy8 ?? 0)), model.name).toBeLessThanOrEqual(0.005);
    }
  });
});
