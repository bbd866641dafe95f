/**
 * Mount points and mount checks, made the way runc makes them, before the
 * runtime runs.
 *
 * Docker users see runc's results; crun differs in places: it creates missing
 * mount points with mode 01755, creates them inside read-only parents, lets a
 * volume cover /proc, leaves a tmpfs root at its own mode over an existing
 * directory, and words its errors differently. So the engine does runc's part
 * itself, for both runtimes:
 * - makes missing mount points (0755 directories, an empty file for a file
 *   bind) where runc would: in the rootfs, or inside the parent volume or bind
 *   when the mount is nested (R-10: the `inner` directory persists there);
 * - refuses what runc refuses, with runc's words framed as dockerd frames
 *   them: a file/directory mismatch, a missing mount point under a read-only
 *   parent, a non-proc mount at /proc (V-50), a nodev tmpfs at /dev
 *   (T-22), a tmpfs option value the kernel rejects (T-17);
 * - gives a tmpfs over an existing directory that directory's mode (T-25): runc
 *   chmods the new tmpfs root after mounting, so the mount keeps its `mode=`
 *   option and the root shows the directory's bits; `applyTmpfsModes` does the
 *   same through the created container's /proc/<pid>/root, before it starts.
 * Under a tmpfs parent nothing can be made in advance; the runtime does it.
 */
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { EngineError } from '../../domain/errors.js';
import { resolveInRoot } from '../../storage/archive/index.js';
import type { OciMount } from '../../runtime/oci-types.js';

const PREFIX = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init';

function runcError(detail: string): EngineError {
  return new EngineError('invalidArgument', `${PREFIX}: ${detail}: unknown`);
}

/** Mount flags as runc prints them (flags: 0x…). */
const FLAG_BITS: Readonly<Record<string, number>> = {
  ro: 0x1, nosuid: 0x2, nodev: 0x4, noexec: 0x8, sync: 0x10, remount: 0x20, mand: 0x40, dirsync: 0x80,
  noatime: 0x400, nodiratime: 0x800, bind: 0x1000, rbind: 0x5000, relatime: 0x200000, strictatime: 0x1000000,
};
const CLEARING = new Set(['rw', 'suid', 'dev', 'exec', 'async', 'atime', 'diratime', 'nomand', 'norelatime', 'nostrictatime', 'defaults']);
const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'unbindable', 'runbindable']);

function flagsAndData(options: readonly string[]): { flags: number; data: string[] } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const bit = FLAG_BITS[o];
    if (bit !== undefined) flags |= bit;
    else if (!CLEARING.has(o) && !PROPAGATION.has(o)) data.push(o);
  }
  return { flags, data };
}

/** Values the kernel's tmpfs accepts (mm/shmem.c): sizes with k/m/g/t/p/e or %, numbers, octal modes. */
function tmpfsValueValid(key: string, value: string): boolean {
  switch (key) {
    case 'size':
      return /^\d+[kKmMgGtTpPeE%]?$/.test(value);
    case 'nr_blocks':
    case 'nr_inodes':
      return /^\d+[kKmMgGtTpPeE]?$/.test(value);
    case 'mode':
      return /^[0-7]+$/.test(value);
    case 'uid':
    case 'gid':
      return /^\d+$/.test(value);
    default:
      return true;
  }
}

function tryStat(p: string, follow: boolean): Stats | undefined {
  try {
    return follow ? statSync(p) : lstatSync(p);
  } catch {
    return undefined;
  }
}

const isReadOnly = (m: OciMount): boolean => (m.options ?? []).includes('ro');
/** A bind mount: type "bind", or type "none" with a bind option (a non-recursive bind). */
const isBind = (m: OciMount): boolean => m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
const depth = (d: string): number => d.split('/').filter(Boolean).length;

/** mkdir -p below `base`, each new component root-owned 0755. */
function mkdirs(base: string, rel: string): void {
  let cur = base;
  for (const part of rel.split('/').filter(Boolean)) {
    cur = posix.join(cur, part);
    if (!tryStat(cur, false)) mkdirSync(cur, { mode: 0o755 });
  }
}

function checkSpecialTargets(m: OciMount, dest: string, rootfs: string): void {
  if ((dest === '/proc' && m.type !== 'proc') || (dest === '/sys' && m.type !== 'sysfs')) {
    const kind = dest === '/proc' ? 'proc' : 'sysfs';
    throw runcError(`error mounting "${m.source ?? ''}" to rootfs at "${dest}": "${rootfs}${dest}" cannot be mounted because it is not of type ${kind}`);
  }
  if (m.type !== 'tmpfs') return;
  const options = m.options ?? [];
  if (dest === '/dev' && options.includes('nodev') && !options.includes('dev')) {
    throw runcError('error reopening /dev/null inside container: open /dev/null: permission denied');
  }
  const { flags, data } = flagsAndData(options);
  for (const d of data) {
    const eq = d.indexOf('=');
    if (eq > 0 && !tmpfsValueValid(d.slice(0, eq), d.slice(eq + 1))) {
      throw runcError(
        `error mounting "tmpfs" to rootfs at "${dest}": mount tmpfs:${dest} (via /proc/self/fd/6), flags: 0x${flags.toString(16)}, data: ${data.join(',')}: invalid argument`,
      );
    }
  }
}

export interface TmpfsMode {
  destination: string;
  mode: number;
}

/**
 * Makes the mount points and applies runc's rules; returns the modes to give
 * tmpfs roots once the container exists (see applyTmpfsModes).
 */
export async function prepareMountpoints(rootfs: string, mounts: readonly OciMount[]): Promise<TmpfsMode[]> {
  const ordered = mounts
    .map((m, i) => ({ m: { ...m, destination: posix.normalize(m.destination) }, i }))
    .sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i);
  const done: OciMount[] = [];
  const modes: TmpfsMode[] = [];
  for (const { m } of ordered) {
    const dest = m.destination;
    checkSpecialTargets(m, dest, rootfs);
    const parent = done
      .filter((p) => dest !== p.destination && dest.startsWith(p.destination === '/' ? '/' : `${p.destination}/`))
      .sort((a, b) => b.destination.length - a.destination.length)[0];
    done.push(m);
    if (parent && !isBind(parent)) continue; // under a tmpfs: only the runtime can make it
    const base = parent ? (parent.source ?? '') : rootfs;
    const rel = parent ? dest.slice(parent.destination.length).replace(/^\/+/, '') : dest.replace(/^\/+/, '');
    const { path: target } = await resolveInRoot(base, rel).catch(() => ({ path: '' }));
    if (!target) continue;
    const existing = tryStat(target, true);
    const sourceStat = isBind(m) && m.source ? tryStat(m.source, true) : undefined;
    const wantsDir = !isBind(m) || sourceStat === undefined || sourceStat.isDirectory();
    if (existing) {
      if (isBind(m) && existing.isDirectory() !== wantsDir) {
        throw runcError(
          `error mounting "${m.source ?? ''}" to rootfs at "${dest}": mount ${m.source ?? ''}:${dest} (via /proc/self/fd/6), flags: 0x${((m.options ?? []).includes('rbind') ? 0x5000 : 0x1000).toString(16)}: not a directory`,
        );
      }
      if (m.type === 'tmpfs' && existing.isDirectory()) modes.push({ destination: dest, mode: existing.mode & 0o7777 });
      continue;
    }
    if (parent && isReadOnly(parent)) {
      throw runcError(`error mounting "${m.source ?? ''}" to rootfs at "${dest}": mkdir ${rootfs}${dest}: read-only file system`);
    }
    // A tmpfs mount point the image lacks is left to the runtime: runc would give the
    // tmpfs root the new directory's 0755, and Docker shows 1777 (or mode=) there.
    if (m.type === 'tmpfs') continue;
    if (wantsDir) {
      mkdirs(base, posix.relative(base, target));
    } else {
      mkdirs(base, posix.relative(base, posix.dirname(target)));
      closeSync(openSync(target, 'a', 0o755));
    }
  }
  return modes;
}

/** runc's chmod of tmpfs roots over existing directories, done in the created container. */
export function applyTmpfsModes(pid: number, modes: readonly TmpfsMode[]): void {
  for (const { destination, mode } of modes) {
    try {
      chmodSync(`/proc/${pid}/root${destination}`, mode);
    } catch (e) {
      // A read-only tmpfs (runc chmods it before its read-only remount; we come too late).
      if ((e as NodeJS.ErrnoException).code !== 'EROFS') throw e;
    }
  }
}
