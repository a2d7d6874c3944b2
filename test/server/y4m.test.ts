import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rgbToI420, writeStillY4m } from '../../src/server/y4m.js';

describe('Y4M fake-camera video', () => {
  it('converts RGB to studio-range I420 (white, black, red)', () => {
    const px = (r: number, g: number, b: number) =>
      new Uint8Array(4 * 3).fill(0).map((_, i) => [r, g, b][i % 3]);
    expect(Array.from(rgbToI420(px(255, 255, 255), 2, 2))).toEqual([235, 235, 235, 235, 128, 128]);
    expect(Array.from(rgbToI420(px(0, 0, 0), 2, 2))).toEqual([16, 16, 16, 16, 128, 128]);
    // BT.601 red: Y 82, U 90, V 240.
    expect(Array.from(rgbToI420(px(255, 0, 0), 2, 2))).toEqual([82, 82, 82, 82, 90, 240]);
  });

  it('writes the header and every frame', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-y4m-'));
    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const file = path.join(dir, 'v.y4m');
    await writeStillY4m(png, file, 8, 6, 3);
    const bytes = await readFile(file);
    const header = 'YUV4MPEG2 W8 H6 F10:1 Ip A1:1 C420jpeg\n';
    expect(bytes.subarray(0, header.length).toString()).toBe(header);
    const frame = 'FRAME\n'.length + 8 * 6 * 1.5;
    expect(bytes.length).toBe(header.length + 3 * frame);
  });
});
