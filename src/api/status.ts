/** One map from engine error kinds to HTTP statuses (Docker's choices). */
import type { ErrorKind } from '../domain/errors.js';

export const STATUS_OF_KIND: Readonly<Record<ErrorKind, number>> = {
  invalidArgument: 400,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  failedPrecondition: 409,
  notModified: 304,
  unavailable: 503,
  internal: 500,
};
