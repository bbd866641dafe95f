/**
 * mount(8) reports failures in libmount's words; dockerd reports mount(2)'s
 * errno in Go's words. This recovers the errno text from what we can see:
 * the bind source, the libmount message, or the helper's own message.
 */
import { statSync } from 'node:fs';
import { errnoText, isSystemError } from '../../lib/node-errors.js';

/** Go's texts for errnos node-errors does not list. */
const EXTRA_ERRNO_TEXT: Readonly<Record<string, string>> = {
  EMFILE: 'too many open files',
  ENOMEDIUM: 'no medium found',
  EBADMSG: 'bad message',
  EUCLEAN: 'structure needs cleaning',
};

export function goErrnoText(code: string): string {
  return EXTRA_ERRNO_TEXT[code] ?? errnoText(code);
}

/** libmount's messages (context_mount.c, util-linux 2.38) → the errno behind them. */
const LIBMOUNT_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/unknown filesystem type/, 'ENODEV'],
  [/special device .* does not exist \(a path prefix is not a directory\)/, 'ENOTDIR'],
  [/special device .* does not exist/, 'ENOENT'],
  [/mount point does not exist/, 'ENOENT'],
  [/mount point is not a directory/, 'ENOTDIR'],
  [/is not a block device/, 'ENOTBLK'],
  [/is not a valid block device/, 'ENXIO'],
  [/wrong fs type, bad option, bad superblock/, 'EINVAL'],
  [/not mount point or bad option/, 'EINVAL'],
  [/can't read superblock/, 'EIO'],
  [/already mounted|mount point is busy|target is busy/, 'EBUSY'],
  [/must be superuser|operation not permitted/i, 'EPERM'],
  [/permission denied/i, 'EACCES'],
  [/write-protected|cannot mount .* read-only/, 'EROFS'],
  [/mount table full/, 'EMFILE'],
  [/no medium found/, 'ENOMEDIUM'],
  [/probably corrupted filesystem/, 'EUCLEAN'],
];

/** "mount(2) system call failed: No such device." → "no such device". */
function syscallFailedText(stderr: string): string | null {
  const m = /system call failed: ([^.\n]+)/.exec(stderr);
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** mount(8)'s message without its "mount: <target>: " frame and dmesg hint. */
export function cleanMountMessage(stderr: string, target: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('dmesg(1) may have more information'));
  const text = lines.join('; ');
  const framed = `mount: ${target}: `;
  const out = text.startsWith(framed) ? text.slice(framed.length) : text.replace(/^mount: /, '');
  return out.replace(/\.$/, '');
}

export interface FailedMount {
  readonly source: string;
  readonly target: string;
  readonly isBind: boolean;
  readonly stderr: string;
}

/** The errno text dockerd would print for this failure, or mount(8)'s own words. */
export function diagnoseMountFailure(f: FailedMount): string {
  if (f.isBind) {
    // The kernel resolves a bind source like stat(2) does.
    try {
      statSync(f.source);
    } catch (e) {
      if (isSystemError(e)) return goErrnoText(e.code);
    }
  }
  // A mount helper (sshfs, mount.fuse3 …) speaks for itself: keep its words.
  if (!/^\s*mount: /.test(f.stderr)) return cleanMountMessage(f.stderr, f.target) || 'mount failed';
  for (const [re, code] of LIBMOUNT_PATTERNS) {
    if (re.test(f.stderr)) return goErrnoText(code);
  }
  const sys = syscallFailedText(f.stderr);
  if (sys) return sys;
  return cleanMountMessage(f.stderr, f.target) || 'mount failed';
}
