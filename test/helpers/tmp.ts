/** Temporary directories for daemons and fixtures, and where the repository lives. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unmountAllUnder } from './mounts.js';

/** The repository root: the first ancestor of this (compiled) file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found above the test helpers');
    dir = up;
  }
}

export function binPath(name: 'ballast' | 'ballastd'): string {
  return join(repoRoot(), 'bin', name);
}

/** A fresh directory under /tmp (short, so unix socket paths stay below 108 bytes). */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join('/tmp', `${prefix}-`));
}

/**
 * Remove a temporary tree, first unmounting anything a daemon left mounted inside it
 * (rm -rf across a live mount would delete the mounted filesystem's content).
 * Returns the mount points it had to unmount.
 */
export function removeTempDir(dir: string): string[] {
  if (!dir.startsWith('/tmp/')) throw new Error(`refusing to remove ${dir}: not under /tmp`);
  const leaked = unmountAllUnder(dir).map((m) => m.mountPoint);
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  return leaked;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
