/** API version negotiation: the range we serve and the version we advertise. */
export const MIN_API_VERSION = '1.24';
/** The newest API whose volume semantics ballast implements (1.42 changed prune). */
export const MAX_API_VERSION = '1.43';
/**
 * What `_ping` and `/version` advertise, so clients negotiate it. 1.41 is the
 * version of the reference dockerd (20.10) whose behaviour the test tables pin;
 * BALLAST_API_VERSION may raise it up to MAX_API_VERSION.
 */
export const DEFAULT_API_VERSION = '1.41';

export function versionNumber(v: string): number {
  const [major, minor] = v.split('.').map(Number);
  return (major ?? 0) * 1000 + (minor ?? 0);
}

/** Compare two "1.NN" strings. */
export function compareVersions(a: string, b: string): number {
  return versionNumber(a) - versionNumber(b);
}
