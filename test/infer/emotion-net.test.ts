/** EmotionNet's two ways of reading results back: blocking (`predict`) and not (`predictAsync`). */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaceEmotionModel } from '../../src/infer/face-model.js';
import { DEFAULT_REGIONS } from '../../src/model/regions.js';
import { writeTinyModel } from '../helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('EmotionNet.predictAsync', () => {
  it('answers what predict answers, with and without flip TTA, without a synchronous read or a leaked tensor', async () => {
    const dir = await writeTinyModel(
      path.join(await mkdtemp(path.join(os.tmpdir(), 'ranfer-net-')), 'm'),
      DEFAULT_REGIONS,
      3,
    );
    const model = await FaceEmotionModel.load(dir, { backend: 'wasm' });
    try {
      const faces = Uint8Array.from({ length: 3 * model.size * model.size }, (_, i) => (i * 53) % 256);
      for (const flipTta of [false, true]) {
        const sync = model.predict(faces, { flipTta });
        const before = tf.memory().numTensors;
        const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
        const got = await model.predictAsync(faces, { flipTta });
        expect(dataSync).not.toHaveBeenCalled();
        dataSync.mockRestore();
        expect(tf.memory().numTensors).toBe(before);
        expect(Array.from(got.probs)).toEqual(Array.from(sync.probs));
        expect(Array.from(got.top)).toEqual(Array.from(sync.top));
        expect(Array.from(got.attention ?? [])).toEqual(Array.from(sync.attention ?? []));
        expect(got.attention?.length).toBe(3 * DEFAULT_REGIONS.length);
      }
      // predict frees its outputs too.
      const before = tf.memory().numTensors;
      model.predict(faces, { flipTta: true });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});
