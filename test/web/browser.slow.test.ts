/**
 * The web demo in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven by
 * playwright-core, against `ranfer serve` on loopback. The webcam is Chromium's fake camera playing a
 * Y4M video made of a test photo.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { writeStillY4m } from '../../src/server/y4m.js';
import { PHOTOS } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const DOCS = path.resolve(__dirname, '../../docs');

let server: RunningServer;
let dir: string;
const browsers: Browser[] = [];

async function launch(extra: string[] = []): Promise<Browser> {
  const b = await chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...extra] });
  browsers.push(b);
  return b;
}

/** A new page of the demo in photo mode, with `photo` (of the shared photos) recognised. */
async function photoPage(photo: string): Promise<Page> {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/?mode=photo`);
  await page.waitForFunction(() => window.ranfer?.state === 'photo', null, { timeout: 90_000 });
  await page.setInputFiles('#file', path.isAbsolute(photo) ? photo : path.join(PHOTOS, photo));
  await page.waitForFunction(() => window.ranfer?.state === 'photo-done', null, { timeout: 60_000 });
  return page;
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`).toBe(
    true,
  );
  expect(
    existsSync(path.resolve(__dirname, '../../dist-web/index.html')),
    'build the web app: npm run build',
  ).toBe(true);
  dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-web-'));
  server = await startServer({ port: 0, recognizer: { backend: 'wasm' } });
});
afterAll(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

describe('web demo in Chromium', () => {
  it('shows a face box and the right emotion live from the (fake) webcam, with frames per second', async () => {
    const video = path.join(dir, 'happy.y4m');
    await writeStillY4m(path.join(PHOTOS, 'happy.jpg'), video);
    const browser = await launch([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`,
    ]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#overlay .box[data-emotion="happiness"]', { timeout: 90_000 });
    expect(await page.locator('#faces .face').first().getAttribute('data-emotion')).toBe('happiness');
    // Let the frame rate settle, then read it.
    await page.waitForTimeout(6000);
    const state = await page.evaluate(() => window.ranfer);
    expect(state.state).toBe('running');
    expect(state.faces).toHaveLength(1);
    expect(state.fps).toBeGreaterThan(0);
    // The page publishes the last frame's stage times (a detected or a followed frame).
    expect(state.timings.detectMs).toBeGreaterThan(0);
    expect(state.timings.classifyMs).toBeGreaterThan(0);
    const backend = await page.textContent('#backend');
    console.log(
      `web demo: ${state.fps.toFixed(1)} frames/s in headless Chromium (${backend}), webcam 640x480`,
    );
    await writeFile(path.join(dir, 'fps.json'), JSON.stringify({ fps: state.fps, backend }));
    // RANFER_UPDATE_DOCS=1 refreshes the README's screenshot; otherwise it stays in a temporary folder.
    const shot = process.env.RANFER_UPDATE_DOCS
      ? path.join(DOCS, 'web-demo.png')
      : path.join(dir, 'web-demo.png');
    await page.screenshot({ path: shot });
    expect(errors).toEqual([]);
  });

  it('recognises an uploaded photo in photo mode', async () => {
    const page = await photoPage('surprised.jpg');
    expect(await page.locator('#overlay .box').count()).toBe(1);
    expect(await page.locator('#faces .face').first().getAttribute('data-emotion')).toBe('surprise');
    await page.setInputFiles('#file', path.join(PHOTOS, 'bbt1.jpg'));
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent?.startsWith('bbt1.jpg'),
      null,
      {
        timeout: 60_000,
      },
    );
    expect(await page.locator('#overlay .box').count()).toBe(4);
  });

  it('stands up a photo taken sideways, and says so on the face', async () => {
    const turned = path.join(dir, 'happy-sideways.jpg');
    await sharp(path.join(PHOTOS, 'happy.jpg')).rotate(90).toFile(turned);
    const page = await photoPage(turned);
    const card = page.locator('#faces .face').first();
    expect(await card.getAttribute('data-emotion')).toBe('happiness');
    expect(await card.locator('h2').textContent()).toContain('(photo turned 270°)');
  });

  it("reads a photo again with the posed-faces setting: the disgusted photo's anger becomes disgust", async () => {
    const page = await photoPage('disgusted.jpg');
    expect(await page.evaluate(() => window.ranfer.faces.map((f) => f.emotion))).toEqual(['anger']);
    await page.check('#posed');
    await page.waitForFunction(() => window.ranfer.faces[0]?.emotion === 'disgust', null, {
      timeout: 60_000,
    });
    expect(await page.locator('#faces .face').first().getAttribute('data-emotion')).toBe('disgust');
    await page.uncheck('#posed');
    await page.waitForFunction(() => window.ranfer.faces[0]?.emotion === 'anger', null, { timeout: 60_000 });
  });

  it('plays a video file and shows its faces as it plays', async () => {
    const clip = path.join(dir, 'surprised.webm');
    await promisify(execFile)('ffmpeg', [
      ...['-v', 'error', '-y', '-loop', '1', '-i', path.join(PHOTOS, 'surprised.jpg'), '-t', '3', '-r', '10'],
      ...['-vf', 'scale=640:-2', '-c:v', 'libvpx', '-b:v', '1M', clip],
    ]);
    const browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/?mode=photo`);
    await page.waitForFunction(() => window.ranfer?.state === 'photo', null, { timeout: 90_000 });
    await page.setInputFiles('#video-file', clip);
    await page.waitForSelector('#overlay .box[data-emotion="surprise"]', { timeout: 60_000 });
    expect(await page.getAttribute('#mode-video', 'aria-pressed')).toBe('true');
    expect(await page.evaluate(() => window.ranfer.state)).toBe('running');
    expect(await page.locator('#video').isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('keeps photo boxes on resize, clears them after an undecodable file, shows no empty canvas', async () => {
    const browser = await launch();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/?mode=photo`);
    await page.waitForFunction(() => window.ranfer?.state === 'photo', null, { timeout: 90_000 });
    expect(await page.locator('#photo').isVisible()).toBe(false);
    await page.setInputFiles('#file', path.join(PHOTOS, 'surprised.jpg'));
    await page.waitForFunction(() => window.ranfer?.state === 'photo-done', null, { timeout: 60_000 });
    expect(await page.locator('#photo').isVisible()).toBe(true);
    const shown = async () => {
      const box = await page.locator('#overlay .box').boundingBox();
      const photo = await page.locator('#photo').boundingBox();
      return { box: box?.width ?? 0, photo: photo?.width ?? 1 };
    };
    const before = await shown();
    await page.setViewportSize({ width: 420, height: 900 });
    await page.waitForTimeout(300);
    expect(await page.locator('#overlay .box').count()).toBe(1);
    const after = await shown();
    // The photo shrank with the window and its box with it, in proportion.
    expect(after.photo).toBeLessThan(before.photo);
    expect(after.box / after.photo).toBeCloseTo(before.box / before.photo, 2);
    const broken = path.join(dir, 'broken.jpg');
    await writeFile(broken, Buffer.from('not really a jpeg'));
    await page.setInputFiles('#file', broken);
    await page.waitForFunction(() => window.ranfer?.state === 'photo-error', null, { timeout: 60_000 });
    expect(await page.locator('#overlay .box').count()).toBe(0);
    expect(await page.locator('#faces .face').count()).toBe(0);
    expect(await page.textContent('#status')).toBe('broken.jpg: not recognised');
    expect(await page.textContent('#message')).toContain('the browser cannot decode this image');
  });

  it('explains a missing camera and falls back to photo mode', async () => {
    const browser = await launch(); // no fake camera: getUserMedia fails
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => window.ranfer?.state === 'no-camera', null, { timeout: 90_000 });
    const message = await page.textContent('#message');
    expect(message).toContain('No camera available');
    expect(message).toContain('Photo mode still works');
    expect(await page.locator('#drop').isVisible()).toBe(true);
  });
});
