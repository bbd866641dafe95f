/**
 * A formatting failure, shaped the way the docker CLI reports it: print `output` to
 * stdout (if any), then `message` on stderr, and exit with `exitCode`
 * (1 for list formats and inspect execution errors, 64 for an inspect template that does not parse).
 */
export class FormatError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly output = '',
  ) {
    super(message);
    this.name = 'FormatError';
  }
}
