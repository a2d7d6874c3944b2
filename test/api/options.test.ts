/** The recognizer's options: every wrong value refused at once, by name, with a code; right ones pass. */
import { describe, expect, it } from 'vitest';
import { checkRecognizerOptions, OptionError } from '../../src/api/options.js';

const NODE = ['auto', 'wasm', 'cpu', 'tensorflow'];

describe('checkRecognizerOptions', () => {
  it('refuses each wrong value with the option and what it accepts', () => {
    const cases: [object, string][] = [
      [{ priorWeight: -1 }, 'priorWeight: expected a number of 0 or more, got -1'],
      [{ faces: 'bogus' }, "faces: expected 'detect' or 'crop', got 'bogus'"],
      [{ backend: 'cuda' }, "backend: expected 'auto' or 'wasm' or 'cpu' or 'tensorflow', got 'cuda'"],
      [{ maxFaces: 0 }, 'maxFaces: expected a whole number of 1 or more, got 0'],
      [{ detector: 'yolo' }, "detector: expected 'tiny' or 'ssd', got 'yolo'"],
      [{ minConfidence: 1.5 }, 'minConfidence: expected a number from 0 to 1, got 1.5'],
      [{ faceApiWeight: Number.NaN }, 'faceApiWeight: expected a number from 0 to 1, got NaN'],
      [{ tinyInputSize: 500 }, 'tinyInputSize: expected a multiple of 32, got 500'],
      [{ tileSize: 'big' }, "tileSize: expected a whole number of 0 or more, got 'big'"],
      [{ regions: 'eyes' }, "regions: expected 'fixed' or 'landmarks', got 'eyes'"],
      [{ flipTta: 'yes' }, "flipTta: expected true or false, got 'yes'"],
      [{ maxSide: 0.5 }, 'maxSide: expected a whole number of 1 or more, got 0.5'],
      [{ model: 'big' }, "model: expected 'default' or 'ensemble', got 'big'"],
      [
        { model: 'ensemble', modelDir: 'x' },
        'model: names a shipped model; modelDir names others: give one of them',
      ],
      [
        { model: 'default', modelUrl: './m/' },
        'model: names a shipped model; modelUrl names others: give one of them',
      ],
    ];
    for (const [config, message] of cases) {
      let caught: unknown;
      try {
        checkRecognizerOptions(config, NODE);
      } catch (err) {
        caught = err;
      }
      expect(caught, message).toBeInstanceOf(OptionError);
      expect((caught as OptionError).message).toBe(message);
      expect((caught as OptionError).code).toBe('RANFER_BAD_OPTION');
      expect((caught as OptionError).option).toBe(message.split(':')[0]);
    }
  });

  it('accepts the defaults, every right value, undefined values and options it does not know', () => {
    expect(() => checkRecognizerOptions({}, NODE)).not.toThrow();
    const right = {
      detector: 'ssd',
      minConfidence: 0,
      tinyInputSize: 1024,
      maxFaces: 3,
      faces: 'crop',
      retryBorder: 0,
      tileSize: 'auto',
      regions: 'landmarks',
      flipTta: true,
      priorWeight: 0,
      faceApiWeight: 1,
      maxSide: 4096,
      maxPixels: 1e8,
      backend: 'wasm',
      modelDir: 'x',
      every: 3,
      priorWeightLater: undefined,
    };
    expect(() => checkRecognizerOptions(right, NODE)).not.toThrow();
    expect(() => checkRecognizerOptions({ backend: 'webgpu' }, ['auto', 'webgpu'])).not.toThrow();
    expect(() => checkRecognizerOptions({ priorWeight: undefined }, NODE)).not.toThrow();
    expect(() => checkRecognizerOptions({ model: 'ensemble' }, NODE)).not.toThrow();
    expect(() => checkRecognizerOptions({ model: 'default', modelDir: undefined }, NODE)).not.toThrow();
  });
});
