/** Several emotion models read as one: the softmax of their mean logits, as `eval --model A,B` scores them. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecognizer, OptionError, shippedModelDirs } from '../../src/index.js';
import { EmotionEnsemble } from '../../src/infer/ensemble.js';
import { FaceEmotionModel } from '../../src/infer/face-model.js';
import type { EmotionPredictor, FacePrediction, PredictOptions } from '../../src/infer/predictor.js';
import { DEFAULT_REGIONS } from '../../src/model/regions.js';
import { argmaxRows, softmaxRows } from '../../src/util/probabilities.js';
import { writeTinyModel } from '../helpers.js';

/** A predictor that answers fixed logits and remembers the options it was asked with. */
function fake(logits: number[], o: { size?: number; classes?: string[]; attention?: number[] } = {}) {
  const classes = o.classes ?? ['a', 'b', 'c'];
  const seen: PredictOptions[] = [];
  let disposed = false;
  const predictor: EmotionPredictor = {
    manifest: { input: { size: o.size ?? 4 }, classes } as unknown as EmotionPredictor['manifest'],
    size: o.size ?? 4,
    classes,
    regions: [],
    regionNames: [],
    engine: 'tfjs',
    async predictAsync(_faces: Uint8Array, options: PredictOptions = {}): Promise<FacePrediction> {
      seen.push(options);
      const probs = softmaxRows(Float32Array.from(logits), classes.length);
      return {
        probs,
        top: argmaxRows(probs, classes.length),
        attention: o.attention ? Float32Array.from(o.attention) : undefined,
      };
    },
    dispose() {
      disposed = true;
    },
  };
  return { predictor, seen, disposed: () => disposed };
}

describe('EmotionEnsemble', () => {
  it("is the softmax of the members' mean logits, with their mean attention", async () => {
    // Two faces, three classes. Mean logits: face 1 (1, 1, 0) + (3, -1, 0) -> (2, 0, 0); face 2 -> (0, 0, 1).
    const a = fake([1, 1, 0, 0, 0, 2], { attention: [0.2, 0.4, 0.6, 0.8] });
    const b = fake([3, -1, 0, 0, 0, 0], { attention: [0.4, 0.4, 0.2, 0.0] });
    const ensemble = new EmotionEnsemble([a.predictor, b.predictor]);
    const out = await ensemble.predictAsync(new Uint8Array(32), { flipTta: true, priorWeight: 0.5 });
    const expected = softmaxRows(Float32Array.from([2, 0, 0, 0, 0, 1]), 3);
    for (let i = 0; i < 6; i++) expect(out.probs[i]).toBeCloseTo(expected[i], 6);
    expect(Array.from(out.top)).toEqual([0, 2]);
    expect(Array.from(out.attention ?? [])).toEqual([0.3, 0.4, 0.4, 0.4].map(Math.fround));
    // Every member is asked with the same options.
    expect(a.seen).toEqual([{ flipTta: true, priorWeight: 0.5 }]);
    expect(b.seen).toEqual([{ flipTta: true, priorWeight: 0.5 }]);
  });

  it('reports no attention unless every member does, and disposes every member', async () => {
    const a = fake([0, 1, 0], { attention: [1] });
    const b = fake([1, 0, 0]);
    const ensemble = new EmotionEnsemble([a.predictor, b.predictor]);
    expect((await ensemble.predictAsync(new Uint8Array(16))).attention).toBeUndefined();
    ensemble.dispose();
    expect([a.disposed(), b.disposed()]).toEqual([true, true]);
  });

  it('refuses no members and members that read other faces or classes', () => {
    expect(() => new EmotionEnsemble([])).toThrow('an ensemble needs at least one model');
    expect(() => new EmotionEnsemble([fake([0]).predictor, fake([0], { size: 8 }).predictor])).toThrow(
      'ensemble model 2 takes 8x8 faces, model 1 4x4',
    );
    const other = fake([0, 0, 0], { classes: ['a', 'c', 'b'] }).predictor;
    expect(() => new EmotionEnsemble([fake([0]).predictor, other])).toThrow(
      'ensemble model 2 has the classes a, c, b, model 1 a, b, c',
    );
  });
});

describe('createRecognizer({ modelDir: [A, B] })', () => {
  it("answers the ensemble of the two models' predictions, and one folder as before", async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'ranfer-ensemble-'));
    const dirA = await writeTinyModel(path.join(tmp, 'a'), DEFAULT_REGIONS, 1);
    const dirB = await writeTinyModel(path.join(tmp, 'b'), DEFAULT_REGIONS, 2);
    const faces = Uint8Array.from({ length: 2 * 48 * 48 }, (_, i) => (i * 37) % 256);
    const [a, b] = [await FaceEmotionModel.load(dirA), await FaceEmotionModel.load(dirB)];
    const [pa, pb] = [await a.predictAsync(faces), await b.predictAsync(faces)];
    a.dispose();
    b.dispose();
    const both = await createRecognizer({ backend: 'wasm', modelDir: [dirA, dirB] });
    const one = await createRecognizer({ backend: 'wasm', modelDir: [dirA] });
    try {
      expect(both.emotionModel).toBeInstanceOf(EmotionEnsemble);
      expect(one.emotionModel).not.toBeInstanceOf(EmotionEnsemble);
      const got = await both.classifyPixels(faces);
      const alone = await one.classifyPixels(faces);
      for (let f = 0; f < 2; f++) {
        const row = (p: Float32Array) => Array.from(p.subarray(f * 8, f * 8 + 8));
        const mean = row(pa.probs).map((x, k) => (Math.log(x) + Math.log(row(pb.probs)[k])) / 2);
        const expected = softmaxRows(Float32Array.from(mean), 8);
        const probs = Object.values(got[f].probabilities);
        for (let k = 0; k < 8; k++) expect(probs[k]).toBeCloseTo(expected[k], 5);
        // The two members differ, so the ensemble is neither of them.
        expect(row(pa.probs)).not.toEqual(row(pb.probs));
        expect(Object.values(alone[f].probabilities).map((x) => x.toFixed(5))).toEqual(
          row(pa.probs).map((x) => x.toFixed(5)),
        );
      }
    } finally {
      both.dispose();
      one.dispose();
    }
  });

  it('reads the shipped accuracy mode by name, as its two folders', async () => {
    const faces = Uint8Array.from({ length: 2 * 48 * 48 }, (_, i) => (i * 53) % 256);
    const named = await createRecognizer({ backend: 'wasm', model: 'ensemble' });
    const folders = await createRecognizer({ backend: 'wasm', modelDir: shippedModelDirs('ensemble') });
    const plain = await createRecognizer({ backend: 'wasm', model: 'default' });
    try {
      expect(named.emotionModel).toBeInstanceOf(EmotionEnsemble);
      expect((named.emotionModel as EmotionEnsemble).members).toHaveLength(2);
      expect(plain.emotionModel).not.toBeInstanceOf(EmotionEnsemble);
      const probs = async (r: typeof named) =>
        (await r.classifyPixels(faces)).map((f) => Object.values(f.probabilities));
      const [a, b, c] = [await probs(named), await probs(folders), await probs(plain)];
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
    } finally {
      named.dispose();
      folders.dispose();
      plain.dispose();
    }
    await expect(createRecognizer({ model: 'ensemble', modelDir: 'x' })).rejects.toThrow(
      'model: names a shipped model; modelDir names others: give one of them',
    );
  });

  it('refuses an empty list of folders with an OptionError', async () => {
    await expect(createRecognizer({ modelDir: [] })).rejects.toThrow(OptionError);
    await expect(createRecognizer({ modelDir: [] })).rejects.toThrow(
      'modelDir: expected a folder or a non-empty list of folders',
    );
  });
});
