/**
 * Mount-table checks for integration tests: snapshot /proc/self/mountinfo, assert that a test
 * left nothing mounted under a path, and tear down whatever a crashed daemon left behind.
 * Self-contained (does not import src/) so a half-finished src tree never breaks the harness.
 */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface MountEntry {
  /** mountinfo's mount id: unique while mounted, so it tells a remount from an old mount. */
  id: number;
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-mount options (rw, relatime, …). */
  options: string;
  /** Superblock options (size=1024k, uid=1000, …). */
  superOptions: string;
}

export interface MountSnapshot {
  readonly takenAt: number;
  readonly entries: readonly MountEntry[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({
      id: Number(left[0]),
      mountPoint: unescapeOctal(left[4] ?? ''),
      options: left[5] ?? '',
      fsType: right[0] ?? '',
      source: unescapeOctal(right[1] ?? ''),
      superOptions: right[2] ?? '',
    });
  }
  return out;
}

export function readMounts(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function snapshotMounts(): MountSnapshot {
  return { takenAt: Date.now(), entries: readMounts() };
}

function isUnder(mountPoint: string, path: string): boolean {
  const p = path.endsWith('/') ? path.slice(0, -1) : path;
  return mountPoint === p || mountPoint.startsWith(`${p}/`);
}

/** Mounts at or below `path`, deepest first (the order to unmount them in). */
export function mountsUnder(path: string, table: readonly MountEntry[] = readMounts()): MountEntry[] {
  return table
    .filter((m) => isUnder(m.mountPoint, path))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

/** The mount whose mount point is exactly `path` (the top one when stacked), if any. */
export function mountAt(path: string, table: readonly MountEntry[] = readMounts()): MountEntry | undefined {
  const hits = table.filter((m) => m.mountPoint === path);
  return hits[hits.length - 1];
}

function describe(m: MountEntry): string {
  return `${m.source} on ${m.mountPoint} type ${m.fsType} (${m.options}; ${m.superOptions})`;
}

/** Mounts under `path` that were not in `before` (compared by mount id). */
export function newMountsUnder(before: MountSnapshot, path: string): MountEntry[] {
  const old = new Set(before.entries.map((m) => m.id));
  return mountsUnder(path).filter((m) => !old.has(m.id));
}

/** Throws (listing them) if anything under `path` is mounted now that was not in `before`. */
export function assertNoNewMountsUnder(before: MountSnapshot, path: string): void {
  const extra = newMountsUnder(before, path);
  if (extra.length > 0) {
    throw new Error(`mounts left behind under ${path}:\n  ${extra.map(describe).join('\n  ')}`);
  }
}

/** Throws if anything at all is mounted at or under `path`. */
export function assertNothingMountedUnder(path: string): void {
  const left = mountsUnder(path);
  if (left.length > 0) {
    throw new Error(`mounts left under ${path}:\n  ${left.map(describe).join('\n  ')}`);
  }
}

/**
 * Unmount everything at or below `path`, deepest first; a busy mount is detached lazily.
 * Returns what it unmounted, so callers can report the leak.
 */
export function unmountAllUnder(path: string): MountEntry[] {
  const done: MountEntry[] = [];
  // Re-read after each pass: a lazy detach can drop whole subtrees at once.
  for (let pass = 0; pass < 5; pass++) {
    const left = mountsUnder(path);
    if (left.length === 0) break;
    for (const m of left) {
      const r = spawnSync('umount', [m.mountPoint], { encoding: 'utf8' });
      if (r.status !== 0) spawnSync('umount', ['-l', m.mountPoint], { encoding: 'utf8' });
      done.push(m);
    }
  }
  return done;
}
