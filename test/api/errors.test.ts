/** Every error ranfer throws on purpose is a RanferError with a stable code and its own name. */
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/api/options.js';
import { BrowserImageError } from '../../src/browser/pixels.js';
import { UsageError } from '../../src/cli/errors.js';
import { DataError } from '../../src/data/errors.js';
import { AlignmentError } from '../../src/face/align.js';
import { ImageError, RanferError } from '../../src/index.js';
import { MissingProgramError, VideoError } from '../../src/video/decode.js';

describe('RanferError', () => {
  it('is the base of each kind, with its code and name', () => {
    const cases: [RanferError, string, string][] = [
      [new ImageError('x'), 'RANFER_IMAGE', 'ImageError'],
      [new BrowserImageError('x'), 'RANFER_IMAGE', 'BrowserImageError'],
      [new OptionError('maxFaces', 'x'), 'RANFER_BAD_OPTION', 'OptionError'],
      [new DataError('x', 'a.csv', 3), 'RANFER_DATA', 'DataError'],
      [new VideoError('x'), 'RANFER_VIDEO', 'VideoError'],
      [new MissingProgramError('ffprobe'), 'RANFER_VIDEO', 'VideoError'],
      [new AlignmentError('x'), 'RANFER_ALIGNMENT', 'AlignmentError'],
      [new UsageError('x'), 'RANFER_USAGE', 'UsageError'],
    ];
    for (const [err, code, name] of cases) {
      expect(err).toBeInstanceOf(RanferError);
      expect(err).toBeInstanceOf(Error);
      expect([err.code, err.name]).toEqual([code, name]);
    }
    expect(new DataError('bad row', 'a.csv', 3).message).toBe('a.csv:3: bad row');
    expect(new ImageError('too big', 'too-large').reason).toBe('too-large');
  });
});
