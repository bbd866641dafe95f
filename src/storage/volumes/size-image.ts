/**
 * ballast's size-limited local volumes (`-o size=10m` with no type/device):
 * Docker needs xfs project quotas for this; ballast keeps the data in an
 * ext4 filesystem image of that size beside `_data` and loop-mounts it.
 * Usable space is a little below the size (ext4 metadata; no reserved blocks).
 */
import { existsSync, rmSync, rmdirSync, renameSync, openSync, closeSync, ftruncateSync, fsyncSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../lib/exec.js';
import { MIN_SIZE_LIMIT_BYTES } from '../../domain/volume-options.js';

export const SIZE_IMAGE_NAME = 'size.img';

export function sizeImagePath(dataPath: string): string {
  return join(dirname(dataPath), SIZE_IMAGE_NAME);
}

/**
 * Creates the image if it does not exist yet (sparse, then mkfs.ext4; the
 * rename makes it appear only complete). Returns true when it was created.
 */
export async function ensureSizeImage(path: string, bytes: number): Promise<boolean> {
  if (existsSync(path)) return false;
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      ftruncateSync(fd, Math.max(bytes, MIN_SIZE_LIMIT_BYTES));
    } finally {
      closeSync(fd);
    }
    const r = await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'root_owner=0:0', tmp]);
    if (r.code !== 0) throw new Error(`mkfs.ext4: ${(r.stderr || r.stdout).trim()}`);
    const fd2 = openSync(tmp, 'r+');
    try {
      fsyncSync(fd2);
    } finally {
      closeSync(fd2);
    }
    renameSync(tmp, path);
    return true;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A fresh ext4 root holds lost+found; a new volume must look empty (copy-up checks for zero entries). */
export function dropLostFound(mountPoint: string): void {
  try {
    rmdirSync(join(mountPoint, 'lost+found'));
  } catch {
    // Not there or not empty: leave it.
  }
}

export function removeSizeImage(dataPath: string): void {
  rmSync(sizeImagePath(dataPath), { force: true });
  rmSync(`${sizeImagePath(dataPath)}.tmp`, { force: true });
}
