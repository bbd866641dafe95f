/**
 * Destination checks shared by every mount kind (moby linux_parser.go
 * `linuxValidateNotRoot` / `linuxValidateAbsolute`). They return Docker's
 * message, or undefined when the path is fine; callers add their prefix.
 * Both treat '\' as '/', as dockerd does.
 */
import { goPathClean, goPathIsAbs } from './go.js';

export const ERR_TARGET_IS_ROOT = "invalid specification: destination can't be '/'";

export function notRootError(p: string): string | undefined {
  return goPathClean(p.replaceAll('\\', '/')) === '/' ? ERR_TARGET_IS_ROOT : undefined;
}

export function absoluteError(p: string): string | undefined {
  const slashed = p.replaceAll('\\', '/');
  return goPathIsAbs(slashed) ? undefined : `invalid mount path: '${slashed}' mount path must be absolute`;
}

/** Number of path components of a destination, as dockerd sorts mounts (count of '/' after Clean). */
export function mountDepth(target: string): number {
  let n = 0;
  for (const c of goPathClean(target)) if (c === '/') n++;
  return n;
}
