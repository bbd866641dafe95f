/**
 * Mount points, made the way runc makes them, before the runtime runs.
 *
 * crun creates missing mount points with mode 01755 and words a file/directory
 * mismatch differently from runc; Docker users see runc's results (0755
 * directories, an empty file for a file bind, and the "Are you trying to mount
 * a directory onto a file" error). So the engine makes them first, where runc
 * would: in the rootfs, or inside the parent volume or bind when the mount is
 * nested (R-10: the `inner` directory then persists in the parent volume).
 * Where runc would fail (the parent is read-only, R-11) or cannot know (a
 * tmpfs parent), nothing is made and the runtime decides.
 */
import { closeSync, lstatSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { EngineError } from '../../domain/errors.js';
import { resolveInRoot } from '../../storage/archive/index.js';
import type { OciMount } from '../../runtime/oci-types.js';

/** The docker CLI appends "Are you trying to mount a directory onto a file …" itself. */
const MISMATCH = 'not a directory: unknown';

function mismatch(m: OciMount): EngineError {
  const flags = (m.options ?? []).includes('rbind') ? '0x5000' : '0x1000';
  return new EngineError(
    'invalidArgument',
    `failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "${m.source}" to rootfs at "${m.destination}": mount ${m.source}:${m.destination} (via /proc/self/fd/6), flags: ${flags}: ${MISMATCH}`,
  );
}

function tryStat(p: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(p) : lstatSync(p);
  } catch {
    return undefined;
  }
}

function isReadOnly(m: OciMount): boolean {
  return (m.options ?? []).includes('ro');
}

/** mkdir -p below `base`, each new component root-owned 0755 (umask-proof). */
function mkdirs(base: string, rel: string): void {
  let cur = base;
  for (const part of rel.split('/').filter(Boolean)) {
    cur = posix.join(cur, part);
    if (tryStat(cur, false)) continue;
    mkdirSync(cur, { mode: 0o755 });
  }
}

export async function prepareMountpoints(rootfs: string, mounts: readonly OciMount[]): Promise<void> {
  const done: OciMount[] = [];
  const depth = (d: string) => posix.normalize(d).split('/').filter(Boolean).length;
  const ordered = mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i);
  for (const { m } of ordered) {
    const dest = posix.normalize(m.destination);
    const parent = [...done]
      .filter((p) => dest !== p.destination && dest.startsWith(p.destination === '/' ? '/' : `${p.destination}/`))
      .sort((a, b) => b.destination.length - a.destination.length)[0];
    done.push({ ...m, destination: dest });
    let base: string;
    let rel: string;
    if (!parent) {
      base = rootfs;
      rel = dest.replace(/^\/+/, '');
    } else if (parent.type === 'bind' && !isReadOnly(parent)) {
      base = parent.source ?? '';
      rel = dest.slice(parent.destination.length).replace(/^\/+/, '');
    } else {
      continue; // a tmpfs or read-only parent: the runtime creates (or refuses) it, as runc would
    }
    const sourceStat = m.type === 'bind' && m.source ? tryStat(m.source, true) : undefined;
    const wantsDir = m.type !== 'bind' || sourceStat === undefined || sourceStat.isDirectory();
    const { path: target } = await resolveInRoot(base, rel).catch(() => ({ path: '' }));
    if (!target) continue;
    const existing = tryStat(target, true);
    if (existing) {
      if (m.type === 'bind' && existing.isDirectory() !== wantsDir) throw mismatch(m);
      continue;
    }
    if (wantsDir) {
      mkdirs(base, posix.relative(base, target));
    } else {
      mkdirs(base, posix.relative(base, posix.dirname(target)));
      closeSync(openSync(target, 'a', 0o755));
    }
  }
}
