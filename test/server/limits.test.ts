/** The service's limits: refusals before the body is read, queue time-outs, stalled bodies. */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { PHOTOS } from '../helpers.js';

let happy: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  happy = new Uint8Array(await readFile(path.join(PHOTOS, 'happy.jpg')));
});

async function post(url: string, body: Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${url}/api/recognize`, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'image/jpeg' },
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: (await res.json()) as { error?: string },
  };
}

/** Sends the headers and the first bytes of a body, then waits; resolves with everything the server said. */
function stall(url: string, contentLength: number, first: Uint8Array): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        `POST /api/recognize HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: image/jpeg\r\nContent-Length: ${contentLength}\r\n\r\n`,
      );
      socket.write(first);
    });
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('ranfer serve limits', () => {
  let server: RunningServer;
  afterAll(() => server?.close());

  it('times out a stalled body with 408 { error } and closes the connection', async () => {
    server = await startServer({ port: 0, recognizer: { backend: 'wasm' }, bodyTimeoutMs: 400 });
    const t = performance.now();
    const answer = await stall(server.url, 100_000, happy.subarray(0, 4));
    const waited = performance.now() - t;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('{"error":"the request body did not arrive within 0.4 s"}');
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(10_000);
    // The server still answers.
    expect((await post(server.url, happy)).status).toBe(200);
    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { heldBytes: number };
    expect(health.heldBytes).toBe(0);
    await server.close();
  });

  it('answers 503 with Retry-After when the queue is full, before reading the body', async () => {
    server = await startServer({ port: 0, recognizer: { backend: 'wasm' }, maxQueue: 1 });
    const replies = await Promise.all(Array.from({ length: 8 }, () => post(server.url, happy)));
    const busy = replies.filter((r) => r.status === 503);
    expect(replies.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const r of busy) {
      expect(r.json.error).toMatch(/^busy: too many requests waiting/);
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    await server.close();
  });

  it('answers 503 to a request that waited past the queue time-out', async () => {
    server = await startServer({ port: 0, recognizer: { backend: 'wasm' }, queueTimeoutMs: 1 });
    const replies = await Promise.all(Array.from({ length: 6 }, () => post(server.url, happy)));
    expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    const late = replies.filter((r) => r.status === 503);
    expect(late.length).toBeGreaterThanOrEqual(1);
    for (const r of late) {
      expect(r.json.error).toBe('busy: no turn within 0.001 s, retry later');
      expect(r.retryAfter).toBe('1');
    }
    await server.close();
  });

  it('refuses uploads past the bytes it may hold, before reading them', async () => {
    // Room for one happy.jpg (~50 KB) at a time: a second upload held at once is refused.
    server = await startServer({
      port: 0,
      recognizer: { backend: 'wasm' },
      maxHeldBytes: happy.length + 1000,
    });
    const pending = stall(server.url, happy.length, happy.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    const second = await post(server.url, happy);
    expect(second.status).toBe(503);
    expect(second.json.error).toMatch(/^busy: too many uploads in flight/);
    await server.close();
    await pending;
  });
});
