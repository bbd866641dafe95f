/**
 * What a container can leave on the host outside the engine's rows, found from the host side
 * at start-up: its directory (containers/<id>), the runtimes' state (runtime/{crun,runc}/<id>),
 * conmon's exit file (runtime/exits/<id>), conmon processes (found in /proc: their command line
 * names this root), and the container's cgroups (<hierarchy>/ballast/<id>).
 *
 * The cgroup parent is shared by every engine on the host, so cgroups are only ever looked up
 * by the id of a container this root knows of; nothing here lists /ballast.
 */
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '../../lib/node-errors.js';
import { hostCgroups, listHierarchies } from '../../runtime/cgroups.js';
import { isConmonAlive } from '../../runtime/conmon.js';
import { mountsUnder, readMountInfo } from '../../storage/mounts/mountinfo.js';
import { unmountTree } from '../../storage/mounts/mount.js';

const ID_RE = /^[0-9a-f]{64}$/;
/** The cgroup parent every container's cgroupsPath starts with (container-service: cgroupsParent). */
export const CGROUP_PARENT = 'ballast';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Container ids named by the entries of `dir` (other names are not ours to judge). */
export function idsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => ID_RE.test(n));
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return [];
    throw e;
  }
}

export interface ConmonProcess {
  pid: number;
  /** The container id (conmon's -c). */
  id: string;
}

/** Live conmon processes (the container's and exec sessions') whose command line names `root`. */
export function conmonsOf(root: string): ConmonProcess[] {
  const out: ConmonProcess[] = [];
  const prefix = root.endsWith('/') ? root : `${root}/`;
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (!(argv[0] ?? '').endsWith('conmon') || !argv.some((a) => a.startsWith(prefix) || a.includes(`=${prefix}`))) continue;
    const i = argv.findIndex((a) => a === '-c' || a === '--cid');
    const id = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--cid='))?.slice('--cid='.length);
    if (id && ID_RE.test(id)) out.push({ pid: Number(ent), id });
  }
  return out;
}

/** SIGKILLs the conmons of `id` and waits (briefly) until they are gone. */
export async function killConmons(root: string, id: string, ms = 2000): Promise<void> {
  const pids = conmonsOf(root).filter((c) => c.id === id).map((c) => c.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      if (!hasCode(e, 'ESRCH')) throw e;
    }
  }
  const end = Date.now() + ms;
  while (pids.some((p) => isConmonAlive(p, id)) && Date.now() < end) await sleep(10);
}

/** The container's cgroup directories, in every hierarchy (v1 controllers and the v2 one). */
export function cgroupDirs(id: string): string[] {
  const info = hostCgroups();
  const hierarchies = info.mode === 'unified' ? [info.root] : listHierarchies(info.root);
  return hierarchies.map((h) => join(h, CGROUP_PARENT, id)).filter((p) => existsSync(p));
}

/**
 * Removes what the runtime left of the container's cgroups: processes still in them are killed
 * (a container nobody supervises any more), then the directories go (children first).
 */
export async function removeCgroups(id: string): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of cgroupDirs(id)) {
    for (let attempt = 0; attempt < 50; attempt++) {
      for (const pid of pidsIn(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (e) {
          if (!hasCode(e, 'ESRCH')) throw e;
        }
      }
      if (rmdirTree(dir)) {
        removed.push(dir);
        break;
      }
      await sleep(20); // killed processes leave the cgroup once they are reaped
    }
  }
  return removed;
}

function pidsIn(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l.trim()) out.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch (e) {
      if (!hasCode(e, 'ENOENT', 'ENODEV')) throw e;
    }
  };
  walk(dir);
  return out;
}

/** rmdir of a cgroup and its sub-cgroups (cgroupfs only removes empty directories); false while busy. */
function rmdirTree(dir: string): boolean {
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !rmdirTree(join(dir, e.name))) return false;
    }
    rmdirSync(dir);
    return true;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return true;
    if (hasCode(e, 'EBUSY', 'ENOTEMPTY')) return false;
    throw e;
  }
}

/** Unmounts everything at or below `dir` (lazily when busy). */
export async function unmountAllUnder(dir: string): Promise<void> {
  if (mountsUnder(dir, readMountInfo()).length === 0) return;
  try {
    await unmountTree(dir);
  } catch {
    await unmountTree(dir, { lazy: true });
  }
}

/** True when nothing is mounted at or below `dir`: only then may it be deleted recursively. */
export function nothingMountedUnder(dir: string): boolean {
  return mountsUnder(dir, readMountInfo()).length === 0;
}
