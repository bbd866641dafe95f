/**
 * Metadata-preserving tree copies, for `volume clone` and for copy-up
 * (populating an empty volume from the image at container create).
 *
 * The copy itself is GNU cp (`-aT --sparse=auto`): one process, no per-file
 * work in JS, and it already does everything a volume needs: owners, modes,
 * nanosecond times, xattrs (unsupported ones silently skipped, as in Docker),
 * hard-link groups, symlinks as links, holes in sparse files (SEEK_HOLE in
 * coreutils 9), FIFOs, sockets and device nodes, and reflinks on CoW
 * filesystems. What cp cannot express is done around it: refusing or
 * skipping device nodes, and Docker's directory times at copy-up.
 */
import { lstat, readdir, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngineError } from '../../domain/errors.js';
import { run } from '../../lib/exec.js';
import { hasCode } from '../../lib/node-errors.js';

export interface TreeCopyOptions {
  /**
   * Block and character devices found in the source: 'copy' recreates them,
   * 'skip' leaves them out, 'refuse' (default) fails before copying anything.
   */
  readonly devices?: 'copy' | 'skip' | 'refuse';
  /**
   * 'preserve' (default) keeps every directory's times. 'copy-time' is
   * Docker's copy-up: a directory that received entries gets the time of the
   * copy as mtime, an empty one keeps its own (continuity sets a directory's
   * times before filling it).
   */
  readonly directoryTimes?: 'preserve' | 'copy-time';
}

/**
 * Copies the contents and metadata of `src` onto `dst`. `dst` may be missing
 * or an existing directory; its own owner, mode, times and xattrs become
 * those of `src`. Existing entries in `dst` with the same names are replaced.
 */
export async function copyTree(src: string, dst: string, opts: TreeCopyOptions = {}): Promise<void> {
  const devices = opts.devices ?? 'refuse';
  const st = await stat(src);
  if (!st.isDirectory()) throw new EngineError('invalidArgument', `source ${src} is not directory`);
  let found: string[] = [];
  if (devices !== 'copy') {
    found = await findDevices(src);
    if (found.length > 0 && devices === 'refuse') {
      throw new EngineError('invalidArgument', `${join(src, found[0] ?? '')}: device nodes are not copied unless asked`);
    }
  }
  const r = await run('cp', ['-aT', '--sparse=auto', '--', src, dst]);
  if (r.code !== 0) {
    throw new EngineError('internal', `copy ${src} to ${dst}: ${r.stderr.trim().replace(/^cp: /gm, '') || `exit ${r.code}`}`);
  }
  for (const rel of found) await removeKeepingParentTimes(join(dst, rel));
  if ((opts.directoryTimes ?? 'preserve') === 'copy-time') await stampFilledDirectories(dst, new Date());
}

export interface CopyUpResult {
  /** False when nothing was done: the source is missing or the volume is not empty. */
  readonly copied: boolean;
}

/**
 * Docker's copy-up (moby CopyImagePathContent → continuity fs.CopyDir), for a
 * volume mounted at container create:
 *  - a missing source is no error, nothing is copied;
 *  - a volume directory with any entry (dotfiles count) is never touched;
 *  - a source that is not a directory fails with "source <path> is not directory";
 *  - the volume root takes the source directory's owner, mode (and xattrs),
 *    even when the source is empty;
 *  - regular files keep contents, owner, mode, atime and mtime; symlinks are
 *    copied as links; hard links stay linked; xattrs are copied where the
 *    target supports them; FIFOs and device nodes are recreated;
 *  - a directory that received entries has the copy time as mtime; an
 *    empty one keeps its own.
 * `srcDir` must already be resolved inside the container's root (symlinks
 * followed in scope); it is followed if it is itself a link.
 */
export async function copyUp(srcDir: string, volumeDataDir: string): Promise<CopyUpResult> {
  try {
    await stat(srcDir);
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return { copied: false };
    throw e;
  }
  const present = await readdir(volumeDataDir);
  if (present.length > 0) return { copied: false };
  await copyTree(srcDir, volumeDataDir, { devices: 'copy', directoryTimes: 'copy-time' });
  return { copied: true };
}

/** A skipped device goes without changing its directory's times. */
async function removeKeepingParentTimes(path: string): Promise<void> {
  const parent = dirname(path);
  const st = await lstat(parent);
  await rm(path, { force: true });
  await utimes(parent, st.atime, st.mtime);
}

/** Relative paths of block/char devices under root (find(1): one process, no JS walk). */
async function findDevices(root: string): Promise<string[]> {
  const r = await run('find', [root, '(', '-type', 'b', '-o', '-type', 'c', ')', '-printf', '%P\\0']);
  if (r.code !== 0) throw new EngineError('internal', `find ${root}: ${r.stderr.trim()}`);
  return r.stdout.split('\0').filter((p) => p !== '');
}

/** Sets mtime = `when` on every non-empty directory under (and including) root; atime is kept. */
async function stampFilledDirectories(root: string, when: Date): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true });
  for (const e of entries) {
    if (e.isDirectory()) await stampFilledDirectories(join(root, e.name), when);
  }
  if (entries.length === 0) return;
  const st = await lstat(root);
  await utimes(root, st.atime, when);
}
