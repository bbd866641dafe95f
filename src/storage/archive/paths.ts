/**
 * Path safety for extraction. Entry names are cleaned lexically and must stay
 * inside the target; symlinks met on the way are resolved *inside* the target
 * root (an absolute link target means the root, `..` stops at the root), the
 * way a chroot would see them, so nothing is ever written outside.
 */
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';

export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

export interface CleanOptions {
  /** 'refuse' (default) rejects "/etc/x"; 'strip' treats it as "etc/x" like GNU tar. */
  absolute?: 'refuse' | 'strip';
}

/**
 * Clean a tar entry name to a relative path without "." or ".." parts.
 * Returns "" for the root itself. Throws UnsafePathError for escapes.
 */
export function cleanEntryName(name: string, opts: CleanOptions = {}): string {
  if (name.includes('\0')) throw new UnsafePathError(`invalid entry name ${JSON.stringify(name)}`);
  if (name.startsWith('/')) {
    if ((opts.absolute ?? 'refuse') === 'refuse') {
      throw new UnsafePathError(`refusing absolute entry name ${JSON.stringify(name)}`);
    }
    name = name.replace(/^\/+/, '');
  }
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw new UnsafePathError(`${JSON.stringify(name)} is outside of the target directory`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

/** Does a symlink stored at rel (relative, clean) point outside the root, lexically? (Docker's check.) */
export function symlinkEscapes(rel: string, target: string): boolean {
  if (target.startsWith('/')) return false; // resolved against the root, as in a chroot
  const joined = posix.normalize(posix.join(posix.dirname(rel), target));
  return joined === '..' || joined.startsWith('../');
}

const MAX_LINKS = 255;

/**
 * Resolve a clean relative path under root, following symlinks in the parent
 * components within the root. The last component is not followed. Components
 * that do not exist are kept as they are (the caller creates them).
 *
 * `knownDirs` caches absolute paths already proven to be real directories.
 */
export async function resolveInRoot(
  root: string,
  rel: string,
  knownDirs?: Set<string>,
): Promise<{ path: string; missingParent: boolean }> {
  const todo = rel === '' ? [] : rel.split('/');
  const last = todo.pop();
  const done: string[] = [];
  let links = 0;
  let missing = false;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = posix.join(root, ...done, part);
    if (missing || knownDirs?.has(candidate)) {
      done.push(part);
      continue;
    }
    let st;
    try {
      st = await lstat(candidate);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        missing = true;
        done.push(part);
        continue;
      }
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new UnsafePathError(`too many levels of symbolic links: ${rel}`);
      const target = await readlink(candidate);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/'));
      continue;
    }
    if (!st.isDirectory()) {
      const err = new Error(`not a directory: ${posix.join(...done, part)}`) as NodeJS.ErrnoException;
      err.code = 'ENOTDIR';
      throw err;
    }
    knownDirs?.add(candidate);
    done.push(part);
  }
  const base = posix.join(root, ...done);
  return { path: last === undefined ? base : posix.join(base, last), missingParent: missing };
}

/**
 * Resolve a clean relative path under root following symlinks everywhere,
 * the last component included, without ever leaving root. For reading files
 * out of an extracted archive (`docker load`).
 */
export async function resolveFollowInRoot(root: string, rel: string): Promise<string> {
  let current = rel;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const { path } = await resolveInRoot(root, current);
    let st;
    try {
      st = await lstat(path);
    } catch {
      return path;
    }
    if (!st.isSymbolicLink()) return path;
    const target = await readlink(path);
    const here = posix.relative(root, posix.dirname(path));
    const joined = target.startsWith('/') ? target : posix.join('/', here, target);
    current = posix.normalize(joined).replace(/^\/+/, '');
    if (current === '' || current === '.') return root;
  }
  throw new UnsafePathError(`too many levels of symbolic links: ${rel}`);
}
