/** A mistake in how a command was called (a wrong option or path): printed as one line, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}
