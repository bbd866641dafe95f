/**
 * Archive names for scheduled (--all) runs and which archives a retention
 * policy keeps. Pure: the engine lists directories and verifies archives;
 * this decides. The newest *verified* archive is never selected, whatever
 * the policy says (and with no verified archive the engine deletes nothing).
 */

/** <volume>-<UTC yyyymmddThhmmss.mmmZ>.tar[.zst|.gz][.age] */
const ARCHIVE_RE = /^(.+)-(\d{8}T\d{6}\.\d{3}Z)(\.tar(?:\.zst|\.gz)?(?:\.age)?)$/;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '');
}

export function archiveFileName(volume: string, when: Date, extension: string): string {
  return `${volume}-${stamp(when)}${extension}`;
}

export interface ArchiveFile {
  readonly file: string;
  readonly volume: string;
  readonly time: Date;
}

export function parseArchiveFileName(file: string): ArchiveFile | undefined {
  const m = ARCHIVE_RE.exec(file);
  if (!m) return undefined;
  const s = m[2] as string;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13)}`;
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return undefined;
  return { file, volume: m[1] as string, time };
}

export interface RetentionPolicy {
  /** Keep the N newest. */
  readonly keepLast?: number | undefined;
  /** Keep everything younger than this many milliseconds. */
  readonly keepWithinMs?: number | undefined;
}

export function hasPolicy(p: RetentionPolicy): boolean {
  return p.keepLast !== undefined || p.keepWithinMs !== undefined;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** "30d", "12h", "1w2d", "90m", "1y" (restic-style; m = minutes). */
export function parseDuration(text: string): number {
  const re = /(\d+)([smhdwy])/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length || total <= 0) {
    throw new Error(`invalid duration "${text}": use e.g. 36h, 7d, 2w, 1y`);
  }
  return total;
}

/**
 * Files to delete among one volume's archives. `protect` (the newest verified
 * archive) is always kept.
 */
export function selectForDeletion(
  archives: readonly ArchiveFile[],
  policy: RetentionPolicy,
  now: Date,
  protect: string | undefined,
): string[] {
  if (!hasPolicy(policy)) return [];
  const newestFirst = [...archives].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.file < b.file ? 1 : -1));
  const out: string[] = [];
  newestFirst.forEach((a, i) => {
    if (a.file === protect) return;
    if (policy.keepLast !== undefined && i < policy.keepLast) return;
    if (policy.keepWithinMs !== undefined && now.getTime() - a.time.getTime() <= policy.keepWithinMs) return;
    out.push(a.file);
  });
  return out;
}
