import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRgbImage, resizeGrey } from '../../src/face/image.js';
import { createRecognizer, EMOTIONS, ImageError, OptionError, type Recognizer } from '../../src/index.js';
import { insidePhoto } from '../../src/lab/bench/detect-bench.js';
import { DEFAULT_REGIONS } from '../../src/model/regions.js';
import { FERPLUS, PHOTOS, writeTinyModel } from '../helpers.js';

const SINGLE: [string, string][] = [
  ['angry.jpg', 'anger'],
  ['disgusted.jpg', 'disgust'],
  ['fearful.jpg', 'fear'],
  ['happy.jpg', 'happiness'],
  ['neutral.jpg', 'neutral'],
  ['sad.jpg', 'sadness'],
  ['surprised.jpg', 'surprise'],
];

let fer: Recognizer;

async function resizeGreyFile(file: string, size: number): Promise<Uint8Array> {
  return resizeGrey(await loadRgbImage(file), size);
}
beforeAll(async () => {
  fer = await createRecognizer({ backend: 'wasm' });
});
afterAll(() => fer?.dispose());

describe('createRecognizer().recognize', () => {
  it('finds the face of a tight crop, even without the bordered retry (crop mode takes it whole)', async () => {
    // happy.jpg cut tightly around the face: at an input of 512 the detector alone found nothing in it; at
    // the crop's own size (192) it does.
    const crop = await sharp(path.join(PHOTOS, 'happy.jpg'))
      .extract({ left: 262, top: 80, width: 150, height: 170 })
      .png()
      .toBuffer();
    const noRetry = await createRecognizer({ backend: 'wasm', retryBorder: 0 });
    const asCrop = await createRecognizer({ backend: 'wasm', faces: 'crop' });
    try {
      expect((await noRetry.recognize(crop)).map((f) => f.emotion)).toEqual(['happiness']);
      const [face] = await fer.recognize(crop);
      expect(face.emotion).toBe('happiness');
      // In the crop's own coordinates, inside it.
      expect(face.box.x).toBeGreaterThan(-50); // a canvas of the retry would put it near 170
      expect(face.box.x + face.box.width).toBeLessThan(170);
      const [whole] = await asCrop.recognize(crop);
      expect(whole.box).toEqual({ x: 0, y: 0, width: 150, height: 170 });
      expect(whole.emotion).toBe('happiness');
    } finally {
      noRetry.dispose();
      asCrop.dispose();
    }
  });

  it("finds one face in a crop of each photo cut to its detected box, with the photo's emotion", async () => {
    // Such a crop of disgusted.jpg gave the detector a second box inside the face (a part of it).
    for (const [file] of SINGLE) {
      const [face] = await fer.recognize(path.join(PHOTOS, file));
      const b = face.box;
      const crop = await sharp(path.join(PHOTOS, file))
        .extract(insidePhoto(b, await sharp(path.join(PHOTOS, file)).metadata()))
        .png()
        .toBuffer();
      const faces = await fer.recognize(crop);
      expect(
        faces.map((f) => f.emotion),
        file,
      ).toEqual([face.emotion]);
    }
  });

  it('refuses wrong options before loading anything, and use after dispose() or without an image', async () => {
    await expect(createRecognizer({ priorWeight: -1 })).rejects.toThrow(
      'priorWeight: expected a number of 0 or more, got -1',
    );
    await expect(createRecognizer({ detector: 'yolo' as 'tiny' })).rejects.toThrow(
      "detector: expected 'tiny' or 'ssd', got 'yolo'",
    );
    await expect(createRecognizer({ backend: 'cuda' as 'wasm' })).rejects.toBeInstanceOf(OptionError);
    await expect(fer.recognize(undefined as unknown as string)).rejects.toThrow(
      /^no image given \(undefined\): pass a file path/,
    );
    await expect(fer.recognize(undefined as unknown as string)).rejects.toBeInstanceOf(ImageError);
    const short = await createRecognizer({ backend: 'wasm' });
    short.dispose();
    short.dispose();
    await expect(short.recognize(path.join(PHOTOS, 'happy.jpg'))).rejects.toThrow(
      'this recognizer was disposed: create another with createRecognizer()',
    );
    await expect(short.classifyPixels(new Uint8Array(48 * 48))).rejects.toThrow(/was disposed/);
  });

  it('stands up a photo taken sideways or upside down, and says how it turned it', async () => {
    const turned = (angle: number) => sharp(path.join(PHOTOS, 'happy.jpg')).rotate(angle).png().toBuffer();
    const [upright] = await fer.recognize(path.join(PHOTOS, 'happy.jpg'));
    expect(upright.rotation).toBeUndefined();
    for (const [angle, rotation] of [
      [90, 270],
      [180, 180],
      [270, 90],
    ]) {
      const faces = await fer.recognize(await turned(angle));
      expect(
        faces.map((f) => [f.emotion, f.rotation]),
        `turned ${angle}`,
      ).toEqual([['happiness', rotation]]);
      expect(faces[0].probabilities.happiness).toBeCloseTo(upright.probabilities.happiness, 1);
    }
    // Without rotations, upside down the detector finds the face unsure and the RAN misreads it.
    const still = await createRecognizer({ backend: 'wasm', rotations: false });
    try {
      const faces = await still.recognize(await turned(180));
      expect(faces.map((f) => [f.emotion, f.rotation])).toEqual([['sadness', undefined]]);
    } finally {
      still.dispose();
    }
  });

  it('finds exactly one face in each single-face photo, with a full result', async () => {
    let right = 0;
    for (const [file, emotion] of SINGLE) {
      const faces = await fer.recognize(path.join(PHOTOS, file));
      expect(faces, file).toHaveLength(1);
      const [face] = faces;
      expect(face.landmarks).toHaveLength(68);
      expect(face.score).toBeGreaterThanOrEqual(0.25);
      const sum = EMOTIONS.reduce((s, e) => s + face.probabilities[e], 0);
      expect(sum).toBeCloseTo(1, 5);
      // One attention weight per region of the shipped network, the whole face first.
      expect(Object.keys(face.attention)).toEqual(fer.emotionModel.regionNames);
      expect(Object.keys(face.attention)[0]).toBe('face');
      expect(face.probabilities[face.emotion]).toBe(Math.max(...Object.values(face.probabilities)));
      // The landmarks lie inside (or at the edge of) the detection box.
      const inBox = face.landmarks.filter(
        ([x, y]) =>
          x >= face.box.x - 0.15 * face.box.width &&
          x <= face.box.x + 1.15 * face.box.width &&
          y >= face.box.y - 0.15 * face.box.height &&
          y <= face.box.y + 1.15 * face.box.height,
      );
      expect(inBox.length, file).toBe(68);
      if (face.emotion === emotion) right++;
    }
    console.log(`photos recognised as their emotion: ${right} of ${SINGLE.length}`);
    expect(right).toBeGreaterThanOrEqual(5);
  });

  it('recognises happy, surprised and neutral', async () => {
    for (const [file, emotion] of [
      ['happy.jpg', 'happiness'],
      ['surprised.jpg', 'surprise'],
      ['neutral.jpg', 'neutral'],
    ]) {
      const [face] = await fer.recognize(path.join(PHOTOS, file));
      expect(face.emotion, file).toBe(emotion);
    }
  });

  it('finds the 4 faces of bbt1.jpg, left to right across the sofa, with either detector', async () => {
    const ssd = await createRecognizer({ backend: 'wasm', detector: 'ssd' });
    try {
      for (const r of [fer, ssd]) {
        const faces = await r.recognize(path.join(PHOTOS, 'bbt1.jpg'));
        expect(faces).toHaveLength(4);
        const xs = faces.map((f) => f.box.x + f.box.width / 2).sort((a, b) => a - b);
        // One face per person: centres far apart, all in the upper half of the picture.
        for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeGreaterThan(150);
        for (const f of faces) expect(f.box.y + f.box.height).toBeLessThan(384);
      }
      // The SSD detector also finds exactly one face in each single-face photo.
      for (const [file] of SINGLE) expect(await ssd.recognize(path.join(PHOTOS, file)), file).toHaveLength(1);
    } finally {
      ssd.dispose();
    }
  });

  it('reports boxes in the input pixels of a huge, downsized photo', async () => {
    const huge = await sharp(path.join(PHOTOS, 'happy.jpg')).resize(5000).jpeg().toBuffer();
    const [small] = await fer.recognize(path.join(PHOTOS, 'happy.jpg'));
    const faces = await fer.recognize(huge);
    expect(faces).toHaveLength(1);
    const k = 5000 / 500;
    expect(faces[0].box.x / k).toBeCloseTo(small.box.x, -1);
    expect(faces[0].box.width / k).toBeCloseTo(small.box.width, -1);
  });

  it('returns no faces for a picture without one, and for a 1x1 image', async () => {
    const noise = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7090b0' } })
      .png()
      .toBuffer();
    expect(await fer.recognize(noise)).toEqual([]);
    expect(
      await fer.recognize({ data: new Uint8Array([1, 2, 3]), width: 1, height: 1, channels: 3 }),
    ).toEqual([]);
  });

  it('rejects unreadable input with an ImageError', async () => {
    await expect(fer.recognize(Buffer.from('not an image'))).rejects.toBeInstanceOf(ImageError);
  });
});

describe('landmark regions', () => {
  it('cuts the RAN regions from the landmarks: same faces, a different but valid distribution', async () => {
    const byLandmarks = await createRecognizer({ backend: 'wasm', regions: 'landmarks' });
    try {
      const file = path.join(PHOTOS, 'surprised.jpg');
      const [fixed] = await fer.recognize(file);
      const [lm] = await byLandmarks.recognize(file);
      expect(lm.box).toEqual(fixed.box);
      expect(EMOTIONS.reduce((s, e) => s + lm.probabilities[e], 0)).toBeCloseTo(1, 5);
      expect(EMOTIONS.some((e) => Math.abs(lm.probabilities[e] - fixed.probabilities[e]) > 1e-4)).toBe(true);
      expect(Object.keys(lm.attention)).toEqual(Object.keys(fixed.attention));
    } finally {
      byLandmarks.dispose();
    }
  });

  it('works for the shipped model and for a 6-region one (the default network)', async () => {
    const dir = await writeTinyModel(await mkdtemp(path.join(os.tmpdir(), 'ranfer-six-')));
    const six = await createRecognizer({ backend: 'wasm', regions: 'landmarks', modelDir: dir });
    const four = await createRecognizer({ backend: 'wasm', regions: 'landmarks' });
    try {
      const file = path.join(PHOTOS, 'surprised.jpg');
      const [face4] = await four.recognize(file);
      const [face6] = await six.recognize(file);
      expect(Object.keys(face4.attention)).toEqual(four.emotionModel.regionNames);
      expect(Object.keys(face6.attention)).toEqual(DEFAULT_REGIONS.map((r) => r.name));
      // The models' own boxes (the web demo outlines these), the default regions of those names.
      const names = four.emotionModel.regionNames;
      expect(four.emotionModel.regions).toEqual(DEFAULT_REGIONS.filter((r) => names.includes(r.name)));
      expect(six.emotionModel.regions).toEqual(DEFAULT_REGIONS);
      for (const face of [face4, face6]) {
        expect(EMOTIONS.reduce((s, e) => s + face.probabilities[e], 0)).toBeCloseTo(1, 5);
      }
    } finally {
      four.dispose();
      six.dispose();
    }
  });
});

describe('classifyAligned', () => {
  it('classifies FERPlus faces directly, the same as classifyPixels', async () => {
    const file = path.join(FERPLUS, 'FER2013Test', 'fer0032222.png');
    const [viaFile] = await fer.classifyAligned(file);
    const raw = await sharp(file).greyscale().raw().toBuffer();
    const [viaPixels] = await fer.classifyPixels(new Uint8Array(raw));
    expect(viaFile.emotion).toBe(viaPixels.emotion);
    for (const e of EMOTIONS) expect(viaFile.probabilities[e]).toBeCloseTo(viaPixels.probabilities[e], 2);
  });
});

describe('priorWeight', () => {
  it("shifts the probabilities as the emotion model's predictAsync does with the same weight (default: the model's)", async () => {
    const face = path.join(FERPLUS, 'FER2013Test', 'fer0032222.png');
    const flat = await createRecognizer({ backend: 'wasm', priorWeight: 0 });
    try {
      const [shipped] = await fer.classifyAligned(face);
      const [even] = await flat.classifyAligned(face);
      const weight = fer.emotionModel.manifest.prior?.weight;
      expect(weight).toBeDefined();
      if (weight !== 0) expect(even.probabilities.neutral).not.toBeCloseTo(shipped.probabilities.neutral, 4);
      const pixels = await resizeGreyFile(face, fer.emotionModel.size);
      const direct = await fer.emotionModel.predictAsync(pixels, { priorWeight: 0 });
      for (const [c, e] of EMOTIONS.entries()) expect(even.probabilities[e]).toBeCloseTo(direct.probs[c], 5);
    } finally {
      flat.dispose();
    }
  });
});

describe('faceApiWeight', () => {
  it("mixes in FaceExpressionNet's reading of the same aligned face, and refuses a weight outside 0..1", async () => {
    const photo = path.join(PHOTOS, 'angry.jpg');
    const other = await createRecognizer({ backend: 'wasm', faceApiWeight: 1 });
    const quarter = await createRecognizer({ backend: 'wasm', faceApiWeight: 0.25 });
    try {
      const [own] = await fer.recognize(photo);
      const [theirs] = await other.recognize(photo);
      const [mixed] = await quarter.recognize(photo);
      // Weight 1 is FaceExpressionNet alone: no contempt, and not the RAN's answer.
      expect(theirs.probabilities.contempt).toBe(0);
      expect(theirs.probabilities.anger).not.toBeCloseTo(own.probabilities.anger, 2);
      expect(theirs.box).toEqual(own.box);
      for (const e of EMOTIONS)
        expect(mixed.probabilities[e]).toBeCloseTo(
          0.75 * own.probabilities[e] + 0.25 * theirs.probabilities[e],
          5,
        );
      const sum = EMOTIONS.reduce((s, e) => s + mixed.probabilities[e], 0);
      expect(sum).toBeCloseTo(1, 5);
      const top = EMOTIONS.reduce((a, b) => (mixed.probabilities[b] > mixed.probabilities[a] ? b : a));
      expect(mixed.emotion).toBe(top);
      // Aligned faces given directly are mixed the same way.
      const [aligned] = await quarter.classifyPixels(own.aligned.pixels);
      for (const e of EMOTIONS) expect(aligned.probabilities[e]).toBeCloseTo(mixed.probabilities[e], 5);
    } finally {
      other.dispose();
      quarter.dispose();
    }
    await expect(createRecognizer({ backend: 'wasm', faceApiWeight: 1.5 })).rejects.toThrow(
      'faceApiWeight: expected a number from 0 to 1, got 1.5',
    );
  });
});

describe("backend 'onnx'", () => {
  it('runs the detector and emotion networks on ONNX Runtime: boxes within 1e-3 px, probabilities within 1e-4 of TensorFlow.js', async () => {
    const onnx = await createRecognizer({ backend: 'onnx' });
    const onnxTta = await createRecognizer({ backend: 'onnx', flipTta: true, priorWeight: 0 });
    const wasmTta = await createRecognizer({ backend: 'wasm', flipTta: true, priorWeight: 0 });
    try {
      expect(onnx.emotionModel.engine).toBe('onnxruntime');
      expect(fer.emotionModel.engine).toBe('tfjs');
      let changed = 0;
      for (const [file] of SINGLE) {
        const [a] = await fer.recognize(path.join(PHOTOS, file));
        const [b] = await onnx.recognize(path.join(PHOTOS, file));
        expect(b.emotion, file).toBe(a.emotion);
        // The Tiny Face Detector's network on ONNX Runtime too: the same box to within 1e-3 px.
        for (const k of ['x', 'y', 'width', 'height'] as const)
          expect(Math.abs(b.box[k] - a.box[k])).toBeLessThan(1e-3);
        expect(Math.abs(b.score - a.score)).toBeLessThan(1e-5);
        for (const e of EMOTIONS)
          expect(Math.abs(b.probabilities[e] - a.probabilities[e])).toBeLessThan(1e-4);
        for (const r of Object.keys(a.attention))
          expect(Math.abs(b.attention[r] - a.attention[r])).toBeLessThan(1e-4);
        // The recipe applies alike: flip TTA and prior weight 0, on the aligned face.
        const [c] = await onnxTta.classifyPixels(a.aligned.pixels);
        const [d] = await wasmTta.classifyPixels(a.aligned.pixels);
        for (const e of EMOTIONS)
          expect(Math.abs(c.probabilities[e] - d.probabilities[e])).toBeLessThan(1e-4);
        for (const e of EMOTIONS)
          changed = Math.max(changed, Math.abs(c.probabilities[e] - a.probabilities[e]));
      }
      expect(changed, 'the recipe changes some probability').toBeGreaterThan(1e-3);
    } finally {
      for (const r of [onnx, onnxTta, wasmTta]) r.dispose();
    }
  });

  it('runs the landmarks on ONNX Runtime beside the SSD detector, which stays on TensorFlow.js', async () => {
    const options = { detector: 'ssd' as const };
    const onnx = await createRecognizer({ ...options, backend: 'onnx' });
    const wasm = await createRecognizer({ ...options, backend: 'wasm' });
    try {
      const [a] = await wasm.recognize(path.join(PHOTOS, 'happy.jpg'));
      const [b] = await onnx.recognize(path.join(PHOTOS, 'happy.jpg'));
      expect(b.emotion).toBe(a.emotion);
      expect(Math.abs(b.score - a.score)).toBeLessThan(1e-5);
      for (const e of EMOTIONS) expect(Math.abs(b.probabilities[e] - a.probabilities[e])).toBeLessThan(1e-4);
    } finally {
      onnx.dispose();
      wasm.dispose();
    }
  });

  it('reads a face crop (no detection) with the landmarks on ONNX Runtime as TensorFlow.js does', async () => {
    const crop = path.join(FERPLUS, 'FER2013Test', 'fer0032222.png');
    const onnx = await createRecognizer({ backend: 'onnx', faces: 'crop' });
    const wasm = await createRecognizer({ backend: 'wasm', faces: 'crop' });
    try {
      const [a] = await wasm.recognize(crop);
      const [b] = await onnx.recognize(crop);
      expect(b.emotion).toBe(a.emotion);
      const gap = Math.max(
        ...a.landmarks.map(([x, y], i) => Math.hypot(x - b.landmarks[i][0], y - b.landmarks[i][1])),
      );
      expect(gap).toBeLessThan(1e-3);
      expect(gap, 'the landmarks came from ONNX Runtime (float differences)').toBeGreaterThan(0);
    } finally {
      onnx.dispose();
      wasm.dispose();
    }
  });

  it('refuses landmark regions, which need TensorFlow.js', async () => {
    await expect(createRecognizer({ backend: 'onnx', regions: 'landmarks' })).rejects.toThrow(
      "regions: 'landmarks' needs TensorFlow.js: use another backend than 'onnx'",
    );
  });
});
