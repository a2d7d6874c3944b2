/** An ensemble of saved models: the mean of the members' logits, a single model unchanged. */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFaces } from '../../../src/api/pipeline.js';
import { EMOTIONS } from '../../../src/data/emotions.js';
import type { ExpressionTeacher } from '../../../src/face/face-expression-net.js';
import { EmotionNet } from '../../../src/infer/emotion-net.js';
import { modelDirs } from '../../../src/infer/model-dir.js';
import { predictionRecipe } from '../../../src/infer/recipe.js';
import { gatherFaces } from '../../../src/lab/data/face-set.js';
import { predictModels } from '../../../src/lab/parallel/predict-models.js';
import { loadModel } from '../../../src/model/io.js';
import { meanLogitRows } from '../../../src/util/probabilities.js';
import { writeTinyModel } from '../../helpers.js';

const SIZE = 16;
const N = 12;
const set = {
  pixels: Uint8Array.from({ length: N * SIZE * SIZE }, (_, i) => (i * 37 + (i >> 5) * 11) % 256),
  size: SIZE,
  indices: Int32Array.from({ length: N }, (_, i) => N - 1 - i),
};
const opts = { recipe: predictionRecipe(), workers: 1, backend: 'wasm' as const };

describe('predictModels', () => {
  it("averages the members' logits; one model alone keeps its probabilities and attention", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'ranfer-ensemble-'));
    const a = await writeTinyModel(path.join(root, 'a'), undefined, 1);
    const b = await writeTinyModel(path.join(root, 'b'), undefined, 2);
    const pa = await predictModels([a], set, opts);
    const pb = await predictModels([b], set, opts);
    expect(pa.attention?.length).toBe(N * pa.regions);
    expect(Array.from(pa.probs)).not.toEqual(Array.from(pb.probs));
    const both = await predictModels([a, b], set, opts);
    expect(both.models).toHaveLength(2);
    const expected = meanLogitRows([pa.probs, pb.probs], 8);
    for (let i = 0; i < expected.length; i++) expect(both.probs[i]).toBeCloseTo(expected[i], 5);
    const twice = await predictModels([a, a], set, opts);
    for (let i = 0; i < pa.probs.length; i++) expect(twice.probs[i]).toBeCloseTo(pa.probs[i], 5);
  });

  it('predicts what the recognizer gives: flip TTA, prior weight and FaceExpressionNet share by one recipe', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'ranfer-recipe-'));
    const prior = { train: [0.35, 0.25, 0.12, 0.1, 0.08, 0.04, 0.04, 0.02], raw: 1, weight: 0.6 };
    const dir = await writeTinyModel(path.join(root, 'm'), undefined, 3, prior);
    // A stand-in FaceExpressionNet: each face's brightness decides between happiness and sadness.
    const read = (faces: Uint8Array, count: number, size: number) => {
      const out = new Float32Array(count * 8);
      for (let i = 0; i < count; i++) {
        const face = faces.subarray(i * size * size, (i + 1) * size * size);
        const b = face.reduce((a, v) => a + v, 0) / face.length / 255;
        out[i * 8 + 1] = b;
        out[i * 8 + 3] = 1 - b;
      }
      return out;
    };
    const faceApi: ExpressionTeacher = { predictSync: read, predict: async (f, c, s) => read(f, c, s) };
    const recipe = predictionRecipe({ flipTta: true, priorWeight: 0.2, faceApiWeight: 0.3 });
    const pooled = await predictModels([dir], set, { ...opts, recipe, faceApi });
    const net = new EmotionNet(await loadModel(dir));
    const direct = await classifyFaces(net, gatherFaces(set, 0, N), { ...recipe, faceApi });
    net.dispose();
    for (let i = 0; i < N; i++)
      for (const [c, e] of EMOTIONS.entries())
        expect(pooled.probs[i * 8 + c]).toBeCloseTo(direct[i].probabilities[e], 5);
    // Each part of the recipe changes the result.
    const plain = await predictModels([dir], set, opts);
    for (const part of [{ flipTta: true }, { priorWeight: 0.2 }, { faceApiWeight: 0.3 }]) {
      const one = await predictModels([dir], set, { ...opts, recipe: predictionRecipe(part), faceApi });
      expect(Math.max(...one.probs.map((p, j) => Math.abs(p - plain.probs[j])))).toBeGreaterThan(1e-3);
    }
  });

  it('reads a --model value of folders joined by commas', () => {
    expect(modelDirs('runs/a, runs/b')).toEqual(['runs/a', 'runs/b']);
    expect(modelDirs(['m'])).toEqual(['m']);
    expect(() => modelDirs('runs/a,,runs/b')).toThrow(/no model folder in "runs\/a,,runs\/b"/);
  });
});
