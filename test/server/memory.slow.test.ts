/**
 * `ranfer serve` in its own process under bursts: every answer is a status with JSON, and the memory the
 * uploads take is bounded by the held-bytes limit and given back (measured from the server's health).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { burst, health, type ServeProcess, settled, startServeProcess } from '../../scripts/serve-load.js';
import { PHOTOS } from '../helpers.js';

let server: ServeProcess;
beforeAll(async () => {
  server = await startServeProcess(['--max-body', '20']);
});
afterAll(() => server?.stop());

const MiB = 2 ** 20;

describe('ranfer serve memory', () => {
  it('bounds the memory of 24 concurrent 19 MiB uploads and gives it back', async () => {
    const start = (await health(server.url)).memory.rssBytes;
    const body = new Uint8Array(19 * MiB).fill(7);
    const r = await burst(server.url, body, 24);
    expect(r.malformed).toBe(0);
    // Read (then refused as not an image) while the 8-body limit allows, refused before reading beyond it.
    expect(Object.keys(r.statuses).sort()).toEqual(['400', '503']);
    const first = await settled(server.url, 1000);
    expect(first.heldBytes).toBe(0);
    // Without the limit the 24 bodies alone would be 456 MiB.
    expect(first.memory.peakRssBytes - start).toBeLessThan(400 * MiB);
    // Given back: the same burst again reuses that memory, so the peak stays where it was, where keeping
    // the 8 bodies it read would add 152 MiB. (The resident set between bursts falls only when the
    // allocator and the collector choose, so it is no measure of what was given back.)
    await burst(server.url, body, 24);
    const second = await settled(server.url, 1000);
    expect(second.heldBytes).toBe(0);
    expect(second.memory.peakRssBytes - first.memory.peakRssBytes).toBeLessThan(64 * MiB);
  });

  it('answers a burst of 60 photos, each with 200 or 503 and JSON', async () => {
    const photo = new Uint8Array(await readFile(path.join(PHOTOS, 'happy.jpg')));
    const r = await burst(server.url, photo, 60);
    expect(r.malformed).toBe(0);
    expect(r.statuses['200']).toBeGreaterThan(0);
    for (const status of Object.keys(r.statuses)) expect(['200', '503']).toContain(status);
  });
});
