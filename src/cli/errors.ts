import { RanferError } from '../util/errors.js';

/** A mistake in how a command was called (a wrong option or path): printed as one line, no stack. */
export class UsageError extends RanferError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, 'RANFER_USAGE');
  }
}
