/** The error of unreadable or oversized input images (no image library: the command line loads it first). */
import { RanferError } from '../util/errors.js';

/** A problem with an input image, worded for the user (what is wrong, not a stack trace). */
export class ImageError extends RanferError {
  override name = 'ImageError';
  /** `too-large`: over the pixel limit; `unreadable`: anything else. */
  constructor(
    message: string,
    readonly reason: 'unreadable' | 'too-large' = 'unreadable',
  ) {
    super(message, 'RANFER_IMAGE');
  }
}
