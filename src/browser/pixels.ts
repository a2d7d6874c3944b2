/**
 * Browser image input, in one place: an `<img>`, a `<video>` frame, a canvas, an `ImageBitmap` or
 * `ImageData` becomes the RGB pixels the pipeline reads.
 */
import type { RgbPixels } from '../api/pipeline.js';
import { rgbToGrey } from '../face/grey.js';
import { RanferError } from '../util/errors.js';

/** What the browser recognizer accepts. */
export type BrowserImage =
  | HTMLImageElement
  | HTMLVideoElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | ImageData;

/** Raised for an input that has no pixels to read yet (an image still loading, a video before its first frame). */
export class BrowserImageError extends RanferError {
  override name = 'BrowserImageError';
  constructor(message: string) {
    super(message, 'RANFER_IMAGE');
  }
}

function sizeOf(input: Exclude<BrowserImage, ImageData>): { width: number; height: number } {
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) {
    if (!input.complete || input.naturalWidth === 0)
      throw new BrowserImageError(
        `the image ${input.currentSrc || input.src || ''} has not loaded (or failed to)`,
      );
    return { width: input.naturalWidth, height: input.naturalHeight };
  }
  if (typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement) {
    if (input.readyState < 2 || input.videoWidth === 0)
      throw new BrowserImageError('the video has no frame yet (wait for its "loadeddata" event)');
    return { width: input.videoWidth, height: input.videoHeight };
  }
  return { width: input.width, height: input.height };
}

function rgbOf(data: Uint8ClampedArray, width: number, height: number): RgbPixels {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgb[3 * i] = data[j];
    rgb[3 * i + 1] = data[j + 1];
    rgb[3 * i + 2] = data[j + 2];
  }
  return { data: rgb, width, height };
}

/** A 2D context on a fresh canvas of this size (an OffscreenCanvas where there is one). */
function context2d(
  width: number,
  height: number,
): CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D {
  let context: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (typeof OffscreenCanvas !== 'undefined') {
    context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    context = canvas.getContext('2d', { willReadFrequently: true });
  }
  if (!context) throw new BrowserImageError('no 2D canvas to read the image with');
  return context;
}

/** The RGB pixels of any browser image, at its natural size. */
export function toRgb(input: BrowserImage): RgbPixels {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData)
    return rgbOf(input.data, input.width, input.height);
  const { width, height } = sizeOf(input as Exclude<BrowserImage, ImageData>);
  if (!(width > 0 && height > 0)) throw new BrowserImageError(`the image is empty (${width}x${height})`);
  const context = context2d(width, height);
  context.drawImage(input as CanvasImageSource, 0, 0, width, height);
  return rgbOf(context.getImageData(0, 0, width, height).data, width, height);
}

/**
 * A browser image stretched to size x size and turned grey (BT.601, as in Node): an aligned face as
 * `classifyAligned()` takes it. The browser's own resampling stands in for sharp's, so values may differ
 * from Node's by a few levels.
 */
export function toGreySquare(input: BrowserImage, size: number): Uint8Array {
  let source: CanvasImageSource = input as CanvasImageSource;
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
    const holder = context2d(input.width, input.height);
    holder.putImageData(input, 0, 0);
    source = holder.canvas as CanvasImageSource;
  } else {
    const { width, height } = sizeOf(input as Exclude<BrowserImage, ImageData>);
    if (!(width > 0 && height > 0)) throw new BrowserImageError(`the image is empty (${width}x${height})`);
  }
  const ctx = context2d(size, size);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, size, size);
  const rgb = rgbOf(ctx.getImageData(0, 0, size, size).data, size, size).data as Uint8Array;
  return Uint8Array.from(rgbToGrey(rgb, size, size), (v) => Math.round(v));
}
