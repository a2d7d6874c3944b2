/**
 * The package as users get it: `npm pack`, installed into a fresh folder; the Node entry recognises a photo
 * there, and a Vite app that imports `ranfer/browser` (the README's browser example, as written) recognises
 * it in headless Chromium. Also reports the tarball's size and the recognitions per second of a 640x480
 * frame on each backend Chromium offers here.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecognizer } from '../../src/index.js';
import { DEFAULT_REGIONS } from '../../src/model/regions.js';
import { PHOTOS, writeTinyModel } from '../helpers.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
let dir: string;
let app: string;
let installWarnings = '';

beforeAll(async () => {
  expect(existsSync(path.join(ROOT, 'dist/browser/index.js')), 'build first: npm run build').toBe(true);
  dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; size: number; unpackedSize: number }[];
  console.log(
    `npm pack: ${packed.filename}, ${(packed.size / 2 ** 20).toFixed(1)} MiB (${(packed.unpackedSize / 2 ** 20).toFixed(1)} MiB unpacked)`,
  );
  app = path.join(dir, 'app');
  await mkdir(app);
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      type: 'module',
      dependencies: { ranfer: `file:../${packed.filename}` },
    }),
  );
  const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
    timeout: 300_000,
  });
  installWarnings = install.stderr;
}, 360_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('installs without an engine warning on this Node (a cookie release for Node 22 came in through fastify)', () => {
    expect(installWarnings).not.toMatch(/EBADENGINE|Unsupported engine/);
  });

  it('recognises a photo through the Node entry', async () => {
    const script = `
      import { createRecognizer } from 'ranfer';
      const fer = await createRecognizer();
      const faces = await fer.recognize(${JSON.stringify(path.join(PHOTOS, 'happy.jpg'))});
      console.log(JSON.stringify(faces.map((f) => f.emotion)));
      fer.dispose();`;
    const { stdout } = await run('node', ['--input-type=module', '-e', script], {
      cwd: app,
      timeout: 120_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toEqual(['happiness']);
  });

  it("runs the README's browser example from a Vite app in Chromium, times each backend, and reads two model URLs as one", async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const example = readme.match(/<!-- example:browser -->\n```js\n([\s\S]*?)```\n<!-- \/example -->/)?.[1];
    expect(example).toBeDefined();
    await copyFile(path.join(PHOTOS, 'happy.jpg'), path.join(app, 'happy.jpg'));
    await writeFile(path.join(app, 'example.js'), example ?? '');
    await writeFile(
      path.join(app, 'index.html'),
      '<!doctype html><img src="./happy.jpg"><script type="module" src="./example.js"></script>',
    );
    // A second page: recognitions per second of a 640x480 frame on the backend named in the query.
    await writeFile(
      path.join(app, 'bench.js'),
      `import { createRecognizer } from 'ranfer/browser';
       const query = new URLSearchParams(location.search);
       const backend = query.get('backend');
       const faceApiWeight = query.has('faceApiWeight') ? Number(query.get('faceApiWeight')) : undefined;
       try {
         const image = document.querySelector('img');
         await image.decode();
         const canvas = document.createElement('canvas');
         canvas.width = 640; canvas.height = 480;
         canvas.getContext('2d').drawImage(image, 0, 0, 640, 480);
         const fer = await createRecognizer({ backend, faceApiWeight });
         const timings = {};
         const first = await fer.recognize(canvas, timings);
         if (first.length === 0) throw new Error('started, but the detector found no face');
         // The aligned faces again, without detection: the same emotions.
         const again = (await fer.classifyPixels(first[0].aligned.pixels)).map((f) => f.emotion);
         // The aligned face as an ImageData (grey in RGBA), through classifyAligned.
         const a = first[0].aligned;
         const rgba = new Uint8ClampedArray(a.size * a.size * 4);
         for (let i = 0; i < a.size * a.size; i++) rgba.set([a.pixels[i], a.pixels[i], a.pixels[i], 255], 4 * i);
         const aligned = (await fer.classifyAligned(new ImageData(rgba, a.size, a.size))).map((f) => f.emotion);
         const n = Number(new URLSearchParams(location.search).get('n'));
         const t = performance.now();
         for (let i = 0; i < n; i++) await fer.recognize(canvas);
         window.result = { backend: fer.backend, emotions: first.map((f) => f.emotion),
           contempt: first.map((f) => f.probabilities.contempt), fps: (1000 * n) / (performance.now() - t),
           again, aligned, stages: Object.keys(timings).sort(), size: fer.emotionModel.size };
       } catch (e) { window.result = { backend, error: String(e) }; }`,
    );
    await writeFile(
      path.join(app, 'bench.html'),
      '<!doctype html><img src="./happy.jpg"><script type="module" src="./bench.js"></script>',
    );
    // A third: two model folders given as a list of URLs read as one (their ensemble), on the backend named.
    await writeFile(
      path.join(app, 'ensemble.js'),
      `import { createRecognizer } from 'ranfer/browser';
       const backend = new URLSearchParams(location.search).get('backend');
       try {
         const both = await createRecognizer({ backend, modelUrl: ['./a/', new URL('./b/', location.href)] });
         const one = await createRecognizer({ backend, modelUrl: './a' });
         const size = both.emotionModel.size;
         const faces = Uint8Array.from({ length: 2 * size * size }, (_, i) => (i * 37) % 256);
         const probs = async (fer) => (await fer.classifyPixels(faces)).map((r) => Object.values(r.probabilities));
         let empty = 'accepted';
         await createRecognizer({ backend: 'wasm', modelUrl: [] }).catch((e) => { empty = e.name + ': ' + e.message; });
         // The package's own accuracy mode, by name: its two shipped folders.
         const shipped = await createRecognizer({ backend, model: 'ensemble' });
         let both2 = 'accepted';
         await createRecognizer({ model: 'ensemble', modelUrl: './a/' }).catch((e) => { both2 = e.name + ': ' + e.message; });
         window.result = { both: await probs(both), one: await probs(one), members: both.model.members.length, empty,
           shippedMembers: shipped.model.members.length, shippedTop: (await shipped.classifyPixels(new Uint8Array(2 * 48 * 48).fill(128))).length, both2 };
       } catch (e) { window.result = { error: String(e) }; }`,
    );
    await writeFile(
      path.join(app, 'ensemble.html'),
      '<!doctype html><script type="module" src="./ensemble.js"></script>',
    );
    await writeFile(
      path.join(app, 'vite.config.js'),
      `export default { base: './', build: { target: 'es2022', chunkSizeWarningLimit: 8192,
         rollupOptions: { input: { index: 'index.html', bench: 'bench.html', ensemble: 'ensemble.html' } } } };`,
    );
    await run('node', [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: app,
      timeout: 180_000,
    });
    await mkdir(path.join(app, 'dist'), { recursive: true });
    await copyFile(path.join(app, 'happy.jpg'), path.join(app, 'dist/happy.jpg'));
    const [dirA, dirB] = [
      await writeTinyModel(path.join(app, 'dist/a'), DEFAULT_REGIONS, 1),
      await writeTinyModel(path.join(app, 'dist/b'), DEFAULT_REGIONS, 2),
    ];

    const server = await serve(path.join(app, 'dist'));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    // WebGL runs on SwiftShader (software) in headless Chromium; WebGPU is off unless asked for.
    const args = ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader'];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args });
    const gpuBrowser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...args, '--enable-unsafe-webgpu'],
    });
    try {
      const page = await browser.newPage();
      const logs: string[] = [];
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'log') logs.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('response', (r) => {
        if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
      });
      await page.goto(`${url}/index.html`);
      await page.waitForFunction(() => document.readyState === 'complete');
      await expect
        .poll(() => logs.length + errors.length, { timeout: 120_000, interval: 500 })
        .toBeGreaterThan(0);
      expect(errors).toEqual([]);
      expect(logs[0]).toMatch(/^happiness [01]\.\d\d \{/);

      for (const backend of ['webgpu', 'webgl', 'wasm']) {
        const bench = await (backend === 'webgpu' ? gpuBrowser : browser).newPage();
        await bench.goto(`${url}/bench.html?backend=${backend}&n=${backend === 'wasm' ? 8 : 2}`);
        const done = await bench
          .waitForFunction(() => (window as unknown as { result?: unknown }).result, null, {
            timeout: 90_000,
          })
          .then(() => true)
          .catch(() => false);
        if (!done) {
          console.log(`ranfer/browser on ${backend}: no result within 90 s`);
          await bench.close();
          continue;
        }
        const r = (await bench.evaluate(() => (window as unknown as { result: unknown }).result)) as {
          backend: string;
          emotions?: string[];
          fps?: number;
          error?: string;
          again?: string[];
          aligned?: string[];
          stages?: string[];
          size?: number;
        };
        if (r.error) console.log(`ranfer/browser on ${backend}: no figure (${r.error.slice(0, 120)})`);
        else {
          console.log(
            `ranfer/browser on ${r.backend}: ${r.fps?.toFixed(1)} recognitions/s of a 640x480 frame`,
          );
          expect(r.backend).toBe(backend);
          expect(r.emotions).toEqual(['happiness']);
          expect(r.again).toEqual(['happiness']);
          expect(r.aligned).toEqual(['happiness']);
          expect(r.stages).toEqual(['alignMs', 'classifyMs', 'decodeMs', 'detectMs']);
          expect(r.size).toBe(48);
        }
        // Every backend that starts finds the face (WebGPU too, where synchronous reads return zeros).
        if (backend === 'wasm' || !r.error?.includes('could start')) expect(r.error).toBeUndefined();
        await bench.close();
      }

      // FaceExpressionNet alone (faceApiWeight 1), its weights from the package's own assets: no contempt.
      const alone = await browser.newPage();
      await alone.goto(`${url}/bench.html?backend=wasm&n=1&faceApiWeight=1`);
      await alone.waitForFunction(() => (window as unknown as { result?: unknown }).result, null, {
        timeout: 90_000,
      });
      const r = (await alone.evaluate(() => (window as unknown as { result: unknown }).result)) as {
        emotions?: string[];
        contempt?: number[];
        error?: string;
      };
      expect(r.error).toBeUndefined();
      expect(r.emotions).toEqual(['happiness']);
      expect(r.contempt).toEqual([0]);
      await alone.close();

      // The ensemble of two model URLs reads as Node's ensemble of the same two folders does, on WASM and on
      // WebGPU where it starts (its results read back without blocking: a synchronous read returns zeros
      // on Chromium's software WebGPU).
      type EnsembleResult = {
        both?: number[][];
        one?: number[][];
        members?: number;
        empty?: string;
        shippedMembers?: number;
        shippedTop?: number;
        both2?: string;
        error?: string;
      };
      const readEnsemble = async (backend: string): Promise<EnsembleResult> => {
        const page = await (backend === 'webgpu' ? gpuBrowser : browser).newPage();
        await page.goto(`${url}/ensemble.html?backend=${backend}`);
        await page.waitForFunction(() => (window as unknown as { result?: unknown }).result, null, {
          timeout: 90_000,
        });
        const r = (await page.evaluate(
          () => (window as unknown as { result: unknown }).result,
        )) as EnsembleResult;
        await page.close();
        return r;
      };
      const e = await readEnsemble('wasm');
      expect(e.error).toBeUndefined();
      expect(e.members).toBe(2);
      expect(e.empty).toBe('OptionError: modelUrl: expected a folder URL or a non-empty list of folder URLs');
      expect([e.shippedMembers, e.shippedTop]).toEqual([2, 2]);
      expect(e.both2).toBe(
        'OptionError: model: names a shipped model; modelUrl names others: give one of them',
      );
      const gpu = await readEnsemble('webgpu');
      if (gpu.error?.includes('could start')) console.log(`ranfer/browser ensemble on webgpu: ${gpu.error}`);
      const [both, one] = [
        await createRecognizer({ backend: 'wasm', modelDir: [dirA, dirB] }),
        await createRecognizer({ backend: 'wasm', modelDir: dirA }),
      ];
      const size = both.emotionModel.size;
      const faces = Uint8Array.from({ length: 2 * size * size }, (_, i) => (i * 37) % 256);
      const probs = async (fer: typeof both) =>
        (await fer.classifyPixels(faces)).map((f) => Object.values(f.probabilities));
      const [nodeBoth, nodeOne] = [await probs(both), await probs(one)];
      both.dispose();
      one.dispose();
      for (let f = 0; f < 2; f++) {
        for (let k = 0; k < 8; k++) {
          expect(e.both?.[f][k]).toBeCloseTo(nodeBoth[f][k], 4);
          expect(e.one?.[f][k]).toBeCloseTo(nodeOne[f][k], 4);
          if (!gpu.error?.includes('could start')) {
            expect(gpu.error).toBeUndefined();
            expect(gpu.both?.[f][k]).toBeCloseTo(nodeBoth[f][k], 4);
          }
        }
        expect(nodeBoth[f].map((x) => x.toFixed(4))).not.toEqual(nodeOne[f].map((x) => x.toFixed(4)));
      }
    } finally {
      await browser.close();
      await gpuBrowser.close();
      server.close();
    }
  }, 600_000);
});

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.jpg': 'image/jpeg',
};

/** A static file server for the built app. */
function serve(root: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
