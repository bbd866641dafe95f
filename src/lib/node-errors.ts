/** Narrowing helpers for Node's system errors (errno-style `code`). */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

export function isSystemError(e: unknown): e is SystemError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

export function hasCode(e: unknown, ...codes: string[]): boolean {
  return isSystemError(e) && codes.includes(e.code);
}

/** The lower-case text Go prints for an errno, e.g. "no such file or directory". */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'file exists',
  ENAMETOOLONG: 'file name too long',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENODEV: 'no such device',
  ENXIO: 'no such device or address',
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ENOTEMPTY: 'directory not empty',
  ENOTBLK: 'block device required',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  ETIMEDOUT: 'connection timed out',
  ECONNREFUSED: 'connection refused',
};

export function errnoText(code: string): string {
  return ERRNO_TEXT[code] ?? code.toLowerCase();
}

/** Go's *PathError rendering: "mkdir /x: not a directory". */
export function goPathError(op: string, path: string, e: unknown): string {
  if (isSystemError(e)) return `${op} ${path}: ${errnoText(e.code)}`;
  return `${op} ${path}: ${e instanceof Error ? e.message : String(e)}`;
}
