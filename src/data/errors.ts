import { RanferError } from '../util/errors.js';

/** An input-data problem, naming the file (and line) at fault. */
export class DataError extends RanferError {
  override name = 'DataError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line !== undefined ? `:${line}` : ''}: ${message}` : message, 'RANFER_DATA');
  }
}
