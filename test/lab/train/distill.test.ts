/** Distillation targets: the mix of FERPlus votes and a teacher's reading, and the teacher's cached probabilities. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrainSet } from '../../../src/lab/data/face-set.js';
import { TRAIN_PRESETS, validateTrainConfig } from '../../../src/lab/train/config.js';
import { distilledTargets, teacherProbabilities, twoTeacherTargets } from '../../../src/lab/train/distill.js';
import { ensembleTeacher } from '../../../src/lab/train/ensemble-teacher.js';
import type { ExpressionTeacher } from '../../../src/lab/train/expression-teacher.js';
import { meanLogitRows } from '../../../src/util/probabilities.js';
import { writeTinyModel } from '../../helpers.js';

/** Three 2x2 images; the set uses images 2 and 0 (in that order). */
function set(targets: number[][]): TrainSet {
  return {
    pixels: Uint8Array.from({ length: 12 }, (_, i) => i),
    size: 2,
    indices: Int32Array.from([2, 0]),
    targets: Float32Array.from(targets.flat()),
  };
}

const row = (...v: number[]) => [...v, ...new Array(8 - v.length).fill(0)];

describe('distillation targets', () => {
  // Teacher rows per image: image 0 reads happiness, image 1 surprise, image 2 half anger, half neutral.
  const teacher = Float32Array.from([row(0, 1), row(0, 0, 1), row(0.5, 0, 0, 0, 0.5)].flat());

  it('mixes each target with the teacher row of its own image', () => {
    const s = set([row(1), row(0, 0, 0, 0, 1)]);
    const out = distilledTargets(s, teacher, 0.3);
    // First target (image 2): 0.7 x neutral + 0.3 x (0.5 neutral, 0.5 anger).
    expect(Array.from(out.subarray(0, 8))).toEqual(row(0.7 + 0.15, 0, 0, 0, 0.15).map(Math.fround));
    // Second target (image 0): 0.7 x anger + 0.3 x happiness.
    expect(out[8 + 1]).toBeCloseTo(0.3, 6);
    expect(out[8 + 4]).toBeCloseTo(0.7, 6);
  });

  it('keeps the contempt share, spreads the teacher over the rest, rows sum to 1', () => {
    const s = set([row(0.5, 0, 0, 0, 0, 0, 0, 0.5), row(0, 0, 0, 0, 0, 0, 0, 1)]);
    const out = distilledTargets(s, teacher, 1);
    expect(out[7]).toBeCloseTo(0.5, 6);
    expect(out[0]).toBeCloseTo(0.25, 6);
    expect(out[4]).toBeCloseTo(0.25, 6);
    // All contempt: nothing left for the teacher.
    expect(Array.from(out.subarray(8))).toEqual(row(0, 0, 0, 0, 0, 0, 0, 1));
    for (const r of [0, 1])
      expect(out.subarray(r * 8, r * 8 + 8).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('is the targets themselves at alpha 0, and refuses bad input', () => {
    const s = set([row(0.2, 0.8), row(0, 0, 1)]);
    expect(distilledTargets(s, teacher, 0)).toEqual(s.targets);
    expect(() => distilledTargets(s, teacher, 1.5)).toThrow(/alpha/);
    expect(() => distilledTargets(s, teacher.subarray(8), 0.3)).toThrow(/2 images, the set has 3/);
    expect(() =>
      validateTrainConfig({
        ...TRAIN_PRESETS.distill,
        distill: { teacher: 'face-api-expression', alpha: -1 },
      }),
    ).toThrow(/alpha/);
  });
});

describe('teacher probabilities', () => {
  it('reads every face in batches and caches them by pixels', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-teacher-'));
    try {
      let loads = 0;
      const seen: number[] = [];
      const fake = async (): Promise<Pick<ExpressionTeacher, 'predict'>> => {
        loads++;
        return {
          async predict(faces, count, size) {
            seen.push(count);
            const out = new Float32Array(count * 8);
            // Class = first pixel mod 7, so the rows depend on the faces given.
            for (let i = 0; i < count; i++) out[i * 8 + (faces[i * size * size] % 7)] = 1;
            return out;
          },
        };
      };
      const pixels = Uint8Array.from({ length: 70 * 4 }, (_, i) => Math.floor(i / 4));
      const a = await teacherProbabilities(fake, 'fake', pixels, 2, dir);
      expect(seen).toEqual([64, 6]);
      expect(a.length).toBe(70 * 8);
      expect(a[69 * 8 + (69 % 7)]).toBe(1);
      const b = await teacherProbabilities(fake, 'fake', pixels, 2, dir);
      expect(loads).toBe(1);
      expect(b).toEqual(a);
      expect(await readdir(dir)).toHaveLength(1);
      // Other pixels: another cache entry.
      pixels[0] = 3;
      const c = await teacherProbabilities(fake, 'fake', pixels, 2, dir);
      expect(loads).toBe(2);
      expect(c[3]).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('an ensemble of trained models as the teacher', () => {
  it('mixes all 8 classes, contempt included, when the teacher knows contempt', () => {
    const s = set([row(0.5, 0, 0, 0, 0, 0, 0, 0.5), row(0, 0, 0, 0, 1)]);
    const teacher8 = Float32Array.from(
      [row(0, 0, 0, 0, 0, 0, 0, 1), row(0, 1), row(0.25, 0.25, 0, 0, 0.5)].flat(),
    );
    const out = distilledTargets(s, teacher8, 0.5, true);
    // First target (image 2): half the votes, half the teacher's row of image 2.
    expect(Array.from(out.subarray(0, 8))).toEqual(row(0.375, 0.125, 0, 0, 0.25, 0, 0, 0.25));
    // Second target (image 0): the teacher reads contempt, and it is kept.
    expect(Array.from(out.subarray(8))).toEqual(row(0, 0, 0, 0, 0.5, 0, 0, 0.5));
  });

  it('mixes the votes, the ensemble and FaceExpressionNet by their shares (two teachers)', () => {
    const s = set([row(0.5, 0, 0, 0, 0, 0, 0, 0.5), row(0, 0, 0, 0, 1)]);
    const ensemble = Float32Array.from(
      [row(0, 0, 0, 0, 0, 0, 0, 1), row(0, 1), row(0.25, 0.25, 0, 0, 0.5)].flat(),
    );
    // FaceExpressionNet (7 classes): image 0 happiness, image 1 surprise, image 2 half neutral, half anger.
    const faceApi = Float32Array.from([row(0, 1), row(0, 0, 1), row(0.5, 0, 0, 0, 0.5)].flat());
    const out = twoTeacherTargets(s, ensemble, faceApi, 0.3, 0.2);
    // Image 2: 0.5 x votes + 0.3 x the ensemble + 0.2 x FaceExpressionNet over the votes' non-contempt half.
    const first = [0.375, 0.075, 0, 0, 0.2, 0, 0, 0.35];
    // Image 0: 0.5 x anger + 0.3 x the ensemble's contempt + 0.2 x FaceExpressionNet's happiness.
    const second = [0, 0.2, 0, 0, 0.5, 0, 0, 0.3];
    for (const [i, v] of [...first, ...second].entries()) expect(out[i]).toBeCloseTo(v, 6);
    // No FaceExpressionNet share: the ensemble's mix alone, to the bit.
    expect(twoTeacherTargets(s, ensemble, faceApi, 0.3, 0)).toEqual(distilledTargets(s, ensemble, 0.3, true));
    expect(() => twoTeacherTargets(s, ensemble, faceApi, 0.7, 0.4)).toThrow(
      "the teachers' shares must be 0 or more and add up to at most 1, got 0.7 + 0.4",
    );
    const base = { ...TRAIN_PRESETS['wide-tail'], epochs: 1 };
    expect(() =>
      validateTrainConfig({
        ...base,
        distill: { teacher: 'ensemble', models: ['m'], alpha: 0.6, faceApiAlpha: 0.5 },
      }),
    ).toThrow("the teachers' shares must be 0 or more and add up to at most 1, got 0.6 + 0.5");
    expect(() =>
      validateTrainConfig({
        ...base,
        distill: { teacher: 'face-api-expression', alpha: 0.3, faceApiAlpha: 0.2 },
      }),
    ).toThrow("FaceExpressionNet's share beside a teacher needs an ensemble teacher");
    expect(() =>
      validateTrainConfig({
        ...base,
        distill: { teacher: 'ensemble', models: ['m'], alpha: 0.3, faceApiAlpha: 0.2 },
      }),
    ).not.toThrow();
  });

  it("reads the faces with the members' mean logits at their raw prior, named by their weights", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'ranfer-ens-teacher-'));
    try {
      const a = await writeTinyModel(path.join(root, 'a'), undefined, 1);
      const b = await writeTinyModel(path.join(root, 'b'), undefined, 2);
      const faces = Uint8Array.from({ length: 5 * 256 }, (_, i) => (i * 53) % 256);
      const t = await ensembleTeacher([a, b], { workers: 1, backend: 'wasm' });
      const probs = await t.predict(faces, 5, 16);
      const each = await Promise.all(
        [a, b].map(async (d) => {
          const one = await ensembleTeacher([d], { workers: 1, backend: 'wasm' });
          return one.predict(faces, 5, 16);
        }),
      );
      const expected = meanLogitRows(each, 8);
      for (let i = 0; i < expected.length; i++) expect(probs[i]).toBeCloseTo(expected[i], 5);
      expect(t.name).toMatch(/^ensemble-[0-9a-f]{12}$/);
      expect((await ensembleTeacher([b, a], { workers: 1 })).name).not.toBe(t.name);
      expect(() =>
        validateTrainConfig({ ...TRAIN_PRESETS['wide-tail'], distill: { teacher: 'ensemble', alpha: 0.5 } }),
      ).toThrow(/an ensemble teacher needs its model folders/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
