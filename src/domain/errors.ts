/**
 * One error type for the whole engine. The API maps `kind` to an HTTP status;
 * the message is what Docker users see after "Error response from daemon: ",
 * so it must match Docker's wording wherever Docker has one.
 */
export type ErrorKind =
  | 'invalidArgument' // 400
  | 'notFound' // 404
  | 'conflict' // 409
  | 'failedPrecondition' // 409 in Docker's terms ("is not running")
  | 'notModified' // 304
  | 'unavailable' // 503
  | 'forbidden' // 403
  | 'internal'; // 500: Docker's "untyped" errors land here too

export class EngineError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'EngineError';
  }

  /** Same kind, message prefixed the way Go's fmt.Errorf("%s: %w") chains do. */
  prefixed(prefix: string): EngineError {
    return new EngineError(this.kind, `${prefix}: ${this.message}`, { cause: this });
  }
}

export const invalidArgument = (message: string): EngineError => new EngineError('invalidArgument', message);
export const notFound = (message: string): EngineError => new EngineError('notFound', message);
export const conflict = (message: string): EngineError => new EngineError('conflict', message);
export const failedPrecondition = (message: string): EngineError => new EngineError('failedPrecondition', message);
export const internal = (message: string, cause?: unknown): EngineError =>
  new EngineError('internal', message, cause === undefined ? undefined : { cause });

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/** Message of any thrown value, for wrapping foreign errors. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
