import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageError, loadRgbImage, rgbToGrey } from '../../src/face/image.js';
import { PHOTOS } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ranfer-image-'));
});

describe('loadRgbImage', () => {
  it('reads a JPEG photo as RGB', async () => {
    const img = await loadRgbImage(path.join(PHOTOS, 'bbt1.jpg'));
    expect([img.width, img.height, img.scale]).toEqual([1366, 768, 1]);
    expect(img.data.length).toBe(1366 * 768 * 3);
  });

  it('converts grey, RGBA and 16-bit PNGs and WebP to 8-bit RGB', async () => {
    const grey = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#808080' } })
      .greyscale()
      .png()
      .toBuffer();
    const rgba = await sharp({
      create: { width: 5, height: 4, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 1 } },
    })
      .png()
      .toBuffer();
    const deep = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#00ff00' } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const webp = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#0000ff' } })
      .webp({ lossless: true })
      .toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const expected: [Buffer, number[]][] = [
      [grey, [128, 128, 128]],
      [rgba, [255, 0, 0]],
      [deep, [0, 255, 0]],
      [webp, [0, 0, 255]],
    ];
    for (const [bytes, rgb] of expected) {
      const img = await loadRgbImage(bytes);
      expect([img.width, img.height]).toEqual([5, 4]);
      expect(img.data.length).toBe(5 * 4 * 3);
      expect(Array.from(img.data.subarray(0, 3))).toEqual(rgb);
    }
  });

  it('honours EXIF orientation', async () => {
    const file = path.join(dir, 'rotated.jpg');
    await sharp({ create: { width: 40, height: 20, channels: 3, background: '#ffffff' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const img = await loadRgbImage(file);
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([20, 40, 20, 40]);
  });

  it('downsizes very large images and reports the scale', async () => {
    const big = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    const img = await loadRgbImage(big, { maxSide: 1500 });
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([1500, 1000, 6000, 4000]);
    expect(img.scale).toBe(4);
  });

  it('accepts raw pixels and checks their size', async () => {
    const img = await loadRgbImage({
      data: new Uint8Array([10, 20, 30, 40]),
      width: 2,
      height: 2,
      channels: 1,
    });
    expect(Array.from(img.data)).toEqual([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);
    await expect(loadRgbImage({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 })).rejects.toThrow(
      /expected 2x2x1 = 4 values, got 5/,
    );
  });

  it('gives clear messages for unusable files', async () => {
    const empty = path.join(dir, 'empty.jpg');
    const text = path.join(dir, 'notes.jpg');
    const truncated = path.join(dir, 'truncated.jpg');
    await writeFile(empty, '');
    await writeFile(text, 'this is not an image\n');
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    await writeFile(truncated, jpeg.subarray(0, jpeg.length >> 1));
    const cases: [string, RegExp][] = [
      [empty, /empty\.jpg: empty file/],
      [text, /notes\.jpg: not an image/],
      [truncated, /truncated\.jpg: the image data is truncated or corrupt/],
      [path.join(dir, 'missing.png'), /missing\.png: no such file/],
      [dir, /is a directory/],
    ];
    for (const [file, message] of cases) {
      const err = await loadRgbImage(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('refuses a pixel bomb as too large (its own limit, not the one sharp has) before decoding it', async () => {
    // A 30000 x 30000 PNG header over a few bytes of data: 900 million pixels, sharp's limit is 268 million.
    const bomb = pngHeaderOnly(30000, 30000);
    const err = await loadRgbImage(bomb).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).reason).toBe('too-large');
    expect((err as Error).message).toMatch(/30000x30000 is over the limit of 100,000,000 pixels/);
  });
});

/** A PNG whose header says width x height, with one compressed row of data (not a decodable image). */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const idat = zlib.deflateSync(Buffer.alloc(1 + width * 3));
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

describe('rgbToGrey', () => {
  it('uses BT.601 luma', () => {
    const g = rgbToGrey(new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 100, 100]), 4, 1);
    expect(Array.from(g).map((v) => Number(v.toFixed(3)))).toEqual([76.245, 149.685, 29.07, 100]);
  });
});
