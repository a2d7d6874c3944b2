import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecognizer, recognizeMany } from '../../src/index.js';
import { PHOTOS } from '../helpers.js';

describe('recognizeMany', () => {
  it('gives, on 2 worker threads and in input order, what recognize() gives one by one', async () => {
    const bad = path.join(os.tmpdir(), `ranfer-many-${process.pid}.jpg`);
    await writeFile(bad, 'not a photo');
    const inputs = ['happy.jpg', 'bbt1.jpg', 'sad.jpg', 'surprised.jpg'].map((f) => path.join(PHOTOS, f));
    inputs.splice(2, 0, bad);
    const results = [];
    for await (const r of recognizeMany(inputs, { concurrency: 2, backend: 'wasm' })) results.push(r);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(results[2].error).toMatch(/not an image/);
    expect(results[2].faces).toBeUndefined();
    const fer = await createRecognizer({ backend: 'wasm' });
    try {
      for (const r of results.filter((x) => !x.error)) {
        const one = await fer.recognize(r.input);
        expect(r.faces?.map((f) => f.emotion)).toEqual(one.map((f) => f.emotion));
        expect(r.faces?.map((f) => f.box)).toEqual(one.map((f) => f.box));
        expect(r.faces?.[0].probabilities.happiness).toBeCloseTo(one[0].probabilities.happiness, 5);
      }
    } finally {
      fer.dispose();
    }
  });

  it('yields as inputs finish when not ordered, each once', async () => {
    const inputs = ['happy.jpg', 'sad.jpg', 'angry.jpg'].map((f) => path.join(PHOTOS, f));
    const seen: number[] = [];
    for await (const r of recognizeMany(inputs, { concurrency: 2, ordered: false, backend: 'wasm' }))
      seen.push(r.index);
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
