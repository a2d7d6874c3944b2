/** face-api.js's FaceExpressionNet read synchronously on grey faces, and the mixing of its probabilities. */
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { faceApiModelDir, loadFaceApi } from '../../src/face/face-api-node.js';
import {
  checkFaceApiWeight,
  type ExpressionTeacher,
  FACE_API_FER_INDEX,
  faceExpressionNet,
} from '../../src/face/face-expression-net.js';
import { mixRows } from '../../src/util/probabilities.js';
import { FERPLUS } from '../helpers.js';

const FACES = ['fer0032222.png', 'fer0032223.png', 'fer0032224.png'];
let faceapi: Awaited<ReturnType<typeof loadFaceApi>>;
let net: ExpressionTeacher;
let pixels: Uint8Array;

beforeAll(async () => {
  faceapi = await loadFaceApi('wasm');
  await faceapi.nets.faceExpressionNet.loadFromDisk(faceApiModelDir());
  net = faceExpressionNet(faceapi);
  pixels = new Uint8Array(FACES.length * 48 * 48);
  for (const [i, f] of FACES.entries()) {
    const raw = await sharp(path.join(FERPLUS, 'FER2013Test', f))
      .greyscale()
      .raw()
      .toBuffer();
    pixels.set(raw, i * 48 * 48);
  }
});

describe('faceExpressionNet', () => {
  it("reads a batch of grey faces as face-api's own predictExpressions does, in FERPlus order", async () => {
    const ours = net.predictSync(pixels, FACES.length, 48);
    expect(ours).toHaveLength(FACES.length * 8);
    const tf = faceapi.tf;
    for (let i = 0; i < FACES.length; i++) {
      const grey = pixels.subarray(i * 2304, (i + 1) * 2304);
      const rgb = tf.tensor3d(
        Float32Array.from({ length: 3 * 2304 }, (_, j) => grey[Math.floor(j / 3)]),
        [48, 48, 3],
      );
      const theirs = (await faceapi.nets.faceExpressionNet.predictExpressions(rgb)) as unknown as Record<
        string,
        number
      >;
      rgb.dispose();
      const labels = Array.from(faceapi.FACE_EXPRESSION_LABELS);
      for (const [j, label] of labels.entries())
        expect(ours[i * 8 + FACE_API_FER_INDEX[j]]).toBeCloseTo(theirs[label], 5);
      expect(ours[i * 8 + 7]).toBe(0); // contempt: not one of its classes
      expect(ours.subarray(i * 8, i * 8 + 8).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(await net.predict(pixels, FACES.length, 48)).toEqual(ours);
  });

  it('refuses pixels that are not count faces of the given side', () => {
    expect(() => net.predictSync(pixels, 2, 48)).toThrow('expected 2 faces of 48x48 pixels');
  });
});

describe('face-api weight', () => {
  it('accepts 0..1 (absent: 0) and refuses anything else', () => {
    expect(checkFaceApiWeight(undefined)).toBe(0);
    expect(checkFaceApiWeight(0.25)).toBe(0.25);
    expect(checkFaceApiWeight(1)).toBe(1);
    for (const bad of [-0.1, 1.5, Number.NaN])
      expect(() => checkFaceApiWeight(bad)).toThrow('faceApiWeight must be in 0..1');
  });

  it('mixes rows as (1 - w) x own + w x other', () => {
    const own = Float32Array.of(0.5, 0.5, 1, 0);
    const other = Float32Array.of(1, 0, 0, 1);
    expect(Array.from(mixRows(own, other, 0))).toEqual(Array.from(own));
    expect(Array.from(mixRows(own, other, 1))).toEqual(Array.from(other));
    const quarter = mixRows(own, other, 0.25);
    for (const [i, v] of [0.625, 0.375, 0.75, 0.25].entries()) expect(quarter[i]).toBeCloseTo(v, 6);
    expect(() => mixRows(own, other.subarray(0, 2), 0.5)).toThrow('cannot mix 4 probabilities with 2');
  });
});
