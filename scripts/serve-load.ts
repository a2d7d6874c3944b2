/**
 * Loads `ranfer serve` (the built dist/cli/main.js, in its own process) with bursts and reports its
 * answers and memory: the resident set before, at its peak and settled after each burst, from the
 * server's own /api/health.  Run: npx tsx scripts/serve-load.ts [--uploads 100] [--mib 19] [--burst 300]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../dist/cli/main.js');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `ranfer serve --port 0 ...args` and resolves with its URL once it listens. */
export function startServeProcess(args: string[] = []): Promise<ServeProcess> {
  const child = spawn('node', [MAIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /serving the demo at (http:\/\/[\d.:]+)\//.exec(out);
      if (m)
        resolve({
          url: m[1],
          child,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) => reject(new Error(`ranfer serve exited with ${code}: ${out}`)));
  });
}

export interface Health {
  heldBytes: number;
  queue: { running: number; waiting: number };
  memory: { rssBytes: number; peakRssBytes: number };
}

export async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/api/health`)).json()) as Health;
}

export interface BurstResult {
  statuses: Record<string, number>;
  /** Answers that were not JSON with an `error` (for non-200) or `faces` (for 200). */
  malformed: number;
  seconds: number;
  slowestSec: number;
}

/** Sends `count` POST /api/recognize requests of `body` at once and tallies the answers. */
export async function burst(
  url: string,
  body: Uint8Array<ArrayBuffer>,
  count: number,
  type = 'image/jpeg',
): Promise<BurstResult> {
  const t0 = performance.now();
  let slowest = 0;
  let malformed = 0;
  const statuses: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: count }, async () => {
      const t = performance.now();
      const res = await fetch(`${url}/api/recognize`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': type },
      });
      const json = (await res.json().catch(() => null)) as { error?: string; faces?: unknown[] } | null;
      slowest = Math.max(slowest, performance.now() - t);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const ok = res.status === 200 ? Array.isArray(json?.faces) : typeof json?.error === 'string';
      if (!ok) malformed++;
    }),
  );
  return { statuses, malformed, seconds: (performance.now() - t0) / 1000, slowestSec: slowest / 1000 };
}

/** Waits `ms`, then returns the server's health. */
export async function settled(url: string, ms: number): Promise<Health> {
  await new Promise((r) => setTimeout(r, ms));
  return health(url);
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const uploads = arg('uploads', 100);
  const mib = arg('mib', 19);
  const burstSize = arg('burst', 300);
  const server = await startServeProcess();
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  try {
    const start = await health(server.url);
    console.log(`started: RSS ${mb(start.memory.rssBytes)}`);
    const big = new Uint8Array(mib * 2 ** 20).fill(7);
    const a = await burst(server.url, big, uploads);
    const afterA = await settled(server.url, 10_000);
    console.log(
      `${uploads} concurrent ${mib} MiB uploads: ${JSON.stringify(a.statuses)}, ${a.malformed} malformed answers; ` +
        `peak RSS ${mb(afterA.memory.peakRssBytes)}, settled (10 s) ${mb(afterA.memory.rssBytes)}`,
    );
    const photo = await readFile(path.resolve(import.meta.dirname, '../../shared/datasets/photos/happy.jpg'));
    const b = await burst(server.url, new Uint8Array(photo), burstSize);
    const afterB = await settled(server.url, 10_000);
    console.log(
      `${burstSize}-request burst of happy.jpg: ${JSON.stringify(b.statuses)}, ${b.malformed} malformed; ` +
        `${b.seconds.toFixed(1)} s, slowest answer ${b.slowestSec.toFixed(1)} s; peak RSS ${mb(afterB.memory.peakRssBytes)}, settled (10 s) ${mb(afterB.memory.rssBytes)}`,
    );
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
