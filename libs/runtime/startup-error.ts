/**
 * A start-up failure the operator can act on: one sentence of what failed and one of what to do.
 * src/main.ts prints it as two lines and exits, without a stack trace.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** The text of an unknown error, for a one-line message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error ?? 'unknown error');
}
