/** The HTTP API on loopback: good and bad images, limits, and a burst of concurrent requests. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceJson } from '../../src/api/face-json.js';
import { EMOTIONS } from '../../src/data/emotions.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { PHOTOS } from '../helpers.js';

let server: RunningServer;
let happy: Buffer;
let bbt: Buffer;
beforeAll(async () => {
  server = await startServer({
    port: 0,
    recognizer: { backend: 'wasm' },
    maxBodyBytes: 200 * 1024,
    maxPixels: 1_000_000,
    maxQueue: 100,
  });
  happy = await readFile(path.join(PHOTOS, 'happy.jpg'));
  bbt = await readFile(path.join(PHOTOS, 'bbt1.jpg')); // 256 KB: over the 200 KiB limit set here
});
afterAll(() => server?.close());

async function post(
  body: BodyInit,
  type?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/recognize`, {
    method: 'POST',
    body,
    headers: type ? { 'Content-Type': type } : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('ranfer serve API', () => {
  it('answers GET /api/health', async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', model: 'ferplus-ran', detector: 'tiny' });
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('serves the accuracy mode when asked for it by name', async () => {
    const ensemble = await startServer({ port: 0, recognizer: { backend: 'wasm', model: 'ensemble' } });
    try {
      const res = await fetch(`${ensemble.url}/api/health`);
      expect(await res.json()).toMatchObject({ model: 'ferplus-ran,ferplus-ran-distilled' });
    } finally {
      await ensemble.close();
    }
  });

  it('recognises a raw image body and a multipart upload the same way', async () => {
    const raw = await post(new Uint8Array(happy), 'image/jpeg');
    expect(raw.status).toBe(200);
    const faces = raw.json.faces as FaceJson[];
    expect(faces).toHaveLength(1);
    expect(faces[0].emotion).toBe('happiness');
    expect(Object.keys(faces[0].probabilities)).toEqual([...EMOTIONS]);
    expect(faces[0].landmarks).toHaveLength(68);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(happy)], { type: 'image/jpeg' }), 'happy.jpg');
    const multi = await post(form);
    expect(multi.status).toBe(200);
    expect(multi.json).toEqual(raw.json);
  });

  it('gives 4xx with a JSON error for bad input', async () => {
    const bad = await post(new TextEncoder().encode('not an image'), 'image/png');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/not an image/);
    const empty = await post(new Uint8Array(0), 'image/png');
    expect(empty.status).toBe(400);
    const text = await post('hello', 'text/plain');
    expect(text.status).toBe(415);
    expect(text.json.error).toMatch(/Content-Type image\/\*, application\/octet-stream or none/);
    const json = await post(new Uint8Array(happy), 'application/json');
    expect(json.status).toBe(415);
    expect(json.json.error).toMatch(/unsupported content type "application\/json": send the image bytes/);
    const form = await post('a=1', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    const noFile = new FormData();
    noFile.append('note', 'no file here');
    const missing = await post(noFile);
    expect(missing.status).toBe(400);
  });

  it('reads the format from the bytes for octet-stream, no type, and image types with parameters', async () => {
    for (const type of ['application/octet-stream', 'image/jpeg; charset=binary', 'IMAGE/PNG', undefined]) {
      const res = await post(new Uint8Array(happy), type);
      expect(res.status, String(type)).toBe(200);
      expect((res.json.faces as FaceJson[])[0].emotion).toBe('happiness');
    }
  });

  it('answers malformed multipart with 400 and unknown paths with 404, both as { error }', async () => {
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=XYZ']) {
      const res = await post('--garbage\r\n\x00\x01 not a form', type);
      expect(res.status, type).toBe(400);
      expect(res.json.error, type).toMatch(/multipart/);
    }
    const missing = await fetch(`${server.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no such path: GET /api/nope' });
  });

  it('refuses oversized bodies and images with 413', async () => {
    const big = await post(new Uint8Array(bbt), 'image/jpeg');
    expect(big.status).toBe(413);
    expect(big.json.error).toMatch(/over the limit/);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(bbt)], { type: 'image/jpeg' }), 'bbt1.jpg');
    expect((await post(form)).status).toBe(413);
    // A small file of many pixels: 2000 x 1000 = 2 million, over the 1 million set here.
    const sharp = (await import('sharp')).default;
    const wide = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    expect(wide.length).toBeLessThan(200 * 1024);
    const pixels = await post(new Uint8Array(wide), 'image/png');
    expect(pixels.status).toBe(413);
    expect(pixels.json.error).toMatch(/2000x1000 is over the limit of 1,000,000 pixels/);
  });

  it('answers 50 concurrent requests, each correctly', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, () => post(new Uint8Array(happy), 'image/jpeg')),
    );
    expect(replies.map((r) => r.status)).toEqual(new Array(50).fill(200));
    for (const r of replies) {
      const faces = r.json.faces as FaceJson[];
      expect(faces).toHaveLength(1);
      expect(faces[0].emotion).toBe('happiness');
    }
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { queue: { waiting: number } };
    expect(health.queue.waiting).toBe(0);
  });

  it('serves the model files the web app loads', async () => {
    const res = await fetch(`${server.url}/models/ranfer/model.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { format: string }).format).toBe('ranfer-model');
    expect((await fetch(`${server.url}/models/face-api/tiny_face_detector_model.bin`)).status).toBe(200);
    expect((await fetch(`${server.url}/models/ranfer/../../package.json`)).status).toBe(404);
  });
});
