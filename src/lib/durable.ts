/**
 * Crash-safe file and directory operations: write to a temporary name, fsync,
 * rename over the target, fsync the parent. A kill -9 at any instant leaves
 * either the old content or the new one, never a torn file.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, constants, rmSync, mkdirSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function fsyncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncParent(path: string): void {
  fsyncPath(dirname(path));
}

export function writeFileDurable(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncParent(path);
}

/** mkdir that is durable once it returns: the new entry is fsynced in its parent. */
export function mkdirDurable(path: string, mode: number): void {
  mkdirSync(path, { mode });
  fsyncParent(path);
}

/** Rename then fsync both parents so the move survives a crash. */
export function renameDurable(from: string, to: string): void {
  renameSync(from, to);
  fsyncParent(to);
  if (dirname(from) !== dirname(to)) fsyncParent(from);
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
