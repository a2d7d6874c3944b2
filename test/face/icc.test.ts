import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { iccDescription, isSrgbProfile } from '../../src/face/icc.js';
import { loadRgbImage } from '../../src/face/image.js';
import { PHOTOS } from '../helpers.js';

/** A 64x48 colour gradient as a JPEG tagged with one of libvips' built-in profiles. */
async function tagged(profile: 'srgb' | 'p3' | 'cmyk'): Promise<Buffer> {
  const rgb = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < 64 * 48; i++) rgb.set([(i * 7) % 256, (i * 3) % 256, 255 - (i % 256)], 3 * i);
  return sharp(rgb, { raw: { width: 64, height: 48, channels: 3 } })
    .jpeg()
    .withIccProfile(profile)
    .toBuffer();
}

async function icc(input: Buffer | string): Promise<Uint8Array> {
  const meta = await sharp(input).metadata();
  if (!meta.icc) throw new Error('no profile');
  return meta.icc;
}

describe('ICC profiles', () => {
  it('reads v2 and v4 descriptions and tells sRGB from other profiles', async () => {
    const bbt1 = await icc(path.join(PHOTOS, 'bbt1.jpg'));
    expect(iccDescription(bbt1)).toBe('sRGB IEC61966-2.1');
    expect(isSrgbProfile(bbt1)).toBe(true);
    const [srgb, p3, cmyk] = await Promise.all(
      [tagged('srgb'), tagged('p3'), tagged('cmyk')].map(async (b) => icc(await b)),
    );
    expect(iccDescription(srgb)).toBe('sRGB');
    expect(isSrgbProfile(srgb)).toBe(true);
    expect(iccDescription(p3)).toBe('sP3C');
    expect(isSrgbProfile(p3)).toBe(false);
    expect(isSrgbProfile(cmyk)).toBe(false);
  });

  it('never throws on damaged profiles: random bytes, real profiles cut short or with bytes overwritten', async () => {
    const real = await icc(path.join(PHOTOS, 'bbt1.jpg'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expect(() => iccDescription(bytes)).not.toThrow();
        expect(isSrgbProfile(bytes)).toBe(false);
      }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: real.length }),
        fc.array(fc.tuple(fc.nat({ max: 200 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (cut, writes) => {
          const bytes = real.slice(0, cut);
          for (const [at, value] of writes) if (at < bytes.length) bytes[at] = value;
          expect(() => isSrgbProfile(bytes)).not.toThrow();
          if (cut < 132) expect(iccDescription(bytes)).toBeUndefined();
        },
      ),
    );
  });
});

describe('loadRgbImage and colour profiles', () => {
  it('gives sRGB-tagged photos the pixels of the colour-managed decode, and still converts P3', async () => {
    for (const input of [path.join(PHOTOS, 'bbt1.jpg'), await tagged('srgb')]) {
      const managed = await sharp(input).raw().toBuffer();
      const img = await loadRgbImage(input);
      expect(Buffer.from(img.data).equals(managed)).toBe(true);
    }
    const p3 = await tagged('p3');
    const converted = await sharp(p3).raw().toBuffer();
    const asIs = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(converted.equals(asIs)).toBe(false);
    expect(Buffer.from((await loadRgbImage(p3)).data).equals(converted)).toBe(true);
  });
});
