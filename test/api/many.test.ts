import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManyRequest, ManyResponse } from '../../src/api/many-protocol.js';
import { createRecognizer, recognizeMany } from '../../src/index.js';
import { spawnSibling } from '../../src/util/worker.js';
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

describe('the recognizeMany worker', () => {
  it('answers photos sent ahead one at a time, in the order sent', async () => {
    const worker = spawnSibling(new URL('../../src/api/many.ts', import.meta.url).href, 'many-worker');
    const replies: ManyResponse[] = [];
    const all = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: ManyResponse) => {
        replies.push(msg);
        if (replies.length === 3 || msg.kind === 'fatal') resolve();
      });
      worker.on('error', reject);
    });
    try {
      // A photo with four faces, then one with a single face: recognized side by side, the small one
      // would be done first.
      const send = (msg: ManyRequest) => worker.postMessage(msg);
      send({ kind: 'start', config: { backend: 'wasm' } });
      send({ kind: 'photo', index: 0, input: path.join(PHOTOS, 'bbt1.jpg') });
      send({ kind: 'photo', index: 1, input: path.join(PHOTOS, 'happy.jpg') });
      await all;
      expect(replies.map((r) => (r.kind === 'result' ? r.index : r.kind))).toEqual(['ready', 0, 1]);
      const faces = replies.map((r) => (r.kind === 'result' ? (r.faces?.length ?? -1) : 0));
      expect(faces[1]).toBe(4);
      expect(faces[2]).toBe(1);
    } finally {
      await worker.terminate();
    }
  });
});
