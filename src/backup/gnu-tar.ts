/**
 * GNU tar invocations. Everything a volume holds is kept: numeric owners,
 * modes, nanosecond mtimes (pax), xattrs of every namespace and ACLs, hard
 * links, symlinks as links, holes (pax sparse 1.0), FIFOs and device nodes.
 * atime/ctime records are left out so an archive depends only on the data.
 */

const KEEP_ALL = ['--xattrs', '--xattrs-include=*', '--acls', '--numeric-owner'];

const CREATE = [
  '--create',
  '--file=-',
  '--format=posix',
  '--pax-option=delete=atime,delete=ctime',
  '--sparse',
  ...KEEP_ALL,
  '--sort=name',
];

/** tar's record size for backups: big writes keep the pipe to ballast full (fewer wake-ups). */
export const BACKUP_RECORD = 256 * 512;

/** A backup of a volume's data: its "." becomes "data" (symlink targets are left alone: S). */
export function backupCreateArgs(dataDir: string): string[] {
  return [...CREATE, `--blocking-factor=${BACKUP_RECORD / 512}`, '--transform=s,^\\.,data,S', '-C', dataDir, '.'];
}

/** A plain export: the volume's content as "./…" entries. */
export function exportCreateArgs(dataDir: string): string[] {
  return [...CREATE, '-C', dataDir, '.'];
}

/** Extraction into a fresh directory; the gate in front has checked every member. */
export function extractArgs(dir: string): string[] {
  return [
    '--extract',
    '--file=-',
    ...KEEP_ALL,
    '--same-owner',
    '--preserve-permissions',
    '--warning=no-unknown-keyword',
    '--warning=no-timestamp',
    '-C',
    dir,
  ];
}

/** tar's exit status 1 means "some files differ" (changed while read): a warning, not a failure. */
export const TAR_CREATE_OK = [0, 1] as const;
