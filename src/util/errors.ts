/**
 * The base of every error ranfer throws on purpose: `err instanceof RanferError` tells a problem with the
 * caller's input, options or files from a bug, and `code` says which kind without parsing the message.
 * Browser-safe.
 */
export class RanferError extends Error {
  constructor(
    message: string,
    /** A stable name of the kind of problem, such as `RANFER_BAD_OPTION` or `RANFER_IMAGE`. */
    readonly code: string,
  ) {
    super(message);
  }
  override name = 'RanferError';
}
