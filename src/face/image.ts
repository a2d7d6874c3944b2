/**
 * Input conversion in one place: a file path, an encoded image (Buffer / Uint8Array) or raw pixels become
 * 8-bit RGB pixels, EXIF-upright, downsized when huge. Every format sharp reads works (JPEG, PNG, WebP,
 * TIFF, GIF, AVIF; grey, RGB, RGBA, 16-bit).
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { rgbToGrey } from './grey.js';
import { isSrgbProfile } from './icc.js';
import { ImageError } from './image-error.js';

export { ImageError, rgbToGrey };

/** Raw pixels, row-major, `channels` interleaved values per pixel (1 grey, 3 RGB, 4 RGBA). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** What the recogniser accepts: a file path, the bytes of an encoded image, or raw pixels. */
export type ImageInput = string | Buffer | Uint8Array | RawImage;

/** An upright RGB image ready for detection, with the factor back to the input's own pixel grid. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** Input pixels per pixel of `data` (1 unless the image was downsized). */
  scale: number;
  /** The input's size after EXIF orientation. */
  originalWidth: number;
  originalHeight: number;
}

export interface LoadImageOptions {
  /** Images whose longer side exceeds this are downsized before detection (default 2048). */
  maxSide?: number;
  /** Images with more pixels than this are refused (default 100 million). */
  maxPixels?: number;
}

/** sharp's options for encoded images: fail on errors, its own pixel limit off (see `maxPixels`). */
const DECODE = { failOn: 'error', limitInputPixels: false } as const;

function isRawImage(input: ImageInput): input is RawImage {
  return typeof input === 'object' && !(input instanceof Uint8Array) && 'data' in input;
}

function describe(input: ImageInput): string {
  return typeof input === 'string' ? input : isRawImage(input) ? 'raw image' : 'image buffer';
}

function checkRaw(raw: RawImage): void {
  const { width, height, channels, data } = raw;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new ImageError(`raw image: width and height must be positive integers, got ${width}x${height}`);
  if (![1, 3, 4].includes(channels))
    throw new ImageError(`raw image: channels must be 1, 3 or 4, got ${channels}`);
  if (data.length !== width * height * channels)
    throw new ImageError(
      `raw image: expected ${width}x${height}x${channels} = ${width * height * channels} values, got ${data.length}`,
    );
}

/** Reads, orients, downsizes and converts an input to RGB. Throws `ImageError` for unusable inputs. */
export async function loadRgbImage(input: ImageInput, options: LoadImageOptions = {}): Promise<RgbImage> {
  if (input === undefined || input === null)
    throw new ImageError(`no image given (${input}): pass a file path, bytes or raw pixels`);
  const maxSide = options.maxSide ?? 2048;
  const name = describe(input);
  let pipeline: Sharp;
  let encoded: Uint8Array | undefined;
  if (isRawImage(input)) {
    checkRaw(input);
    pipeline = sharp(input.data, {
      raw: { width: input.width, height: input.height, channels: input.channels },
    });
  } else {
    let bytes: Uint8Array;
    if (typeof input === 'string') {
      try {
        bytes = await readFile(input);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ImageError(
          `${input}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`,
        );
      }
    } else bytes = input;
    if (bytes.length === 0) throw new ImageError(`${name}: empty file`);
    // sharp's own pixel limit is off: the size is checked against maxPixels below, before decoding.
    encoded = bytes;
    pipeline = sharp(bytes, DECODE);
  }
  try {
    const meta = await pipeline.metadata();
    // Pixels tagged sRGB are sRGB already: decoding skips the colour transform (other profiles convert).
    if (encoded && meta.icc && isSrgbProfile(meta.icc))
      pipeline = sharp(encoded, { ...DECODE, ignoreIcc: true });
    if (!meta.width || !meta.height) throw new ImageError(`${name}: the image has no size`);
    // EXIF orientations 5-8 swap width and height; rotate() with no angle applies and drops the tag.
    const maxPixels = options.maxPixels ?? 100_000_000;
    if (meta.width * meta.height > maxPixels)
      throw new ImageError(
        `${name}: ${meta.width}x${meta.height} is over the limit of ${maxPixels.toLocaleString('en')} pixels`,
        'too-large',
      );
    const swap = (meta.orientation ?? 1) >= 5;
    const originalWidth = swap ? meta.height : meta.width;
    const originalHeight = swap ? meta.width : meta.height;
    let img = pipeline.rotate();
    if (Math.max(originalWidth, originalHeight) > maxSide)
      img = img.resize(maxSide, maxSide, { fit: 'inside' });
    const out = await img
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (out.info.channels !== 3)
      throw new ImageError(`${name}: unexpected ${out.info.channels}-channel pixels`);
    return {
      data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length),
      width: out.info.width,
      height: out.info.height,
      scale: originalWidth / out.info.width,
      originalWidth,
      originalHeight,
    };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const msg = (err as Error).message;
    if (/unsupported image format|Input buffer contains unsupported/i.test(msg))
      throw new ImageError(`${name}: not an image (or a format sharp cannot read)`);
    if (/premature end|truncated|corrupt|VipsJpeg|pngload|Read error/i.test(msg))
      throw new ImageError(`${name}: the image data is truncated or corrupt (${msg.split('\n')[0]})`);
    throw new ImageError(`${name}: cannot decode (${msg.split('\n')[0]})`);
  }
}

/** An RGB image resized (stretched) to size x size and converted to BT.601 grey. */
export async function resizeGrey(rgb: RgbImage, size: number): Promise<Uint8Array> {
  const small = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize(size, size, { fit: 'fill' })
    .raw()
    .toBuffer();
  const grey = rgbToGrey(small, size, size);
  return Uint8Array.from(grey, (v) => Math.round(v));
}
