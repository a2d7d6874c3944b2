/**
 * A Y4M video (YUV 4:2:0) of a still image, for Chromium's fake camera
 * (`--use-file-for-fake-video-capture=FILE.y4m`): how the browser tests feed a photo to the webcam mode.
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';

/** BT.601 studio-range YUV 4:2:0 planes of an RGB image with even width and height. */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const ySize = width * height;
  const cw = width / 2;
  const out = new Uint8Array(ySize + 2 * cw * (height / 2));
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < ySize; i++) {
    const [r, g, b] = [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]];
    out[i] = clamp(16 + 0.257 * r + 0.504 * g + 0.098 * b);
  }
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        const p = 3 * ((2 * y + dy) * width + 2 * x + dx);
        r += rgb[p] / 4;
        g += rgb[p + 1] / 4;
        b += rgb[p + 2] / 4;
      }
      out[ySize + y * cw + x] = clamp(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[ySize + cw * (height / 2) + y * cw + x] = clamp(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}

/** Writes `frames` frames of `image` (fitted into width x height) as a Y4M file. */
export async function writeStillY4m(
  image: string | Buffer,
  file: string,
  width = 640,
  height = 480,
  frames = 10,
): Promise<void> {
  const rgb = await sharp(image)
    .resize(width, height, { fit: 'contain', background: '#000000' })
    .removeAlpha()
    .raw()
    .toBuffer();
  const frame = rgbToI420(new Uint8Array(rgb), width, height);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  const parts: Buffer[] = [header];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), Buffer.from(frame));
  await writeFile(file, Buffer.concat(parts));
}
