/**
 * cgroup layout detection, mirroring crun's libcrun_get_cgroup_mode():
 *   /sys/fs/cgroup is cgroup2                      → unified
 *   /sys/fs/cgroup is tmpfs, …/unified is cgroup2  → hybrid
 *   otherwise                                      → legacy (v1 only)
 * crun 1.8.1 (and master) refuses create/run in hybrid mode when
 * unified/cgroup.controllers is non-empty ("cgroups in hybrid mode not
 * supported, drop all controllers from cgroupv2"), whatever cgroup manager is
 * chosen. Only then does crun need the private-mount-namespace wrapper
 * (runtime-cli.ts); runc copes with hybrid hosts on its own.
 */
import { readFileSync, rmdirSync, statfsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '../lib/node-errors.js';

export const TMPFS_MAGIC = 0x01021994;
export const CGROUP2_SUPER_MAGIC = 0x63677270;
export const CGROUP_SUPER_MAGIC = 0x27e0eb;

export type CgroupMode = 'unified' | 'hybrid' | 'legacy';

export interface CgroupInfo {
  root: string;
  mode: CgroupMode;
  /** Controllers enabled on the v2 hierarchy of a hybrid host (e.g. ["hugetlb"]). */
  hybridV2Controllers: string[];
  /** True when crun must run where unified/cgroup.controllers reads empty. */
  crunNeedsHybridWorkaround: boolean;
}

/** What detection reads, injectable so the decision can be tested without the host. */
export interface CgroupProbe {
  /** statfs(2) f_type, or null when the path does not exist. */
  fsType(path: string): number | null;
  /** File content, or null when it does not exist. */
  read(path: string): string | null;
}

export const hostProbe: CgroupProbe = {
  fsType(path) {
    try {
      return statfsSync(path).type;
    } catch (e) {
      if (hasCode(e, 'ENOENT', 'ENOTDIR')) return null;
      throw e;
    }
  },
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      if (hasCode(e, 'ENOENT', 'ENOTDIR')) return null;
      throw e;
    }
  },
};

export function detectCgroups(probe: CgroupProbe = hostProbe, root = '/sys/fs/cgroup'): CgroupInfo {
  const rootType = probe.fsType(root);
  if (rootType === CGROUP2_SUPER_MAGIC) {
    return { root, mode: 'unified', hybridV2Controllers: [], crunNeedsHybridWorkaround: false };
  }
  if (rootType === TMPFS_MAGIC && probe.fsType(join(root, 'unified')) === CGROUP2_SUPER_MAGIC) {
    const text = probe.read(join(root, 'unified', 'cgroup.controllers')) ?? '';
    const controllers = text.split(/\s+/).filter((c) => c.length > 0);
    // crun checks the byte length of the file, not the parsed list: any content trips it.
    return { root, mode: 'hybrid', hybridV2Controllers: controllers, crunNeedsHybridWorkaround: text.length > 0 };
  }
  return { root, mode: 'legacy', hybridV2Controllers: [], crunNeedsHybridWorkaround: false };
}

let cached: CgroupInfo | undefined;
/** Host detection, done once per process (the layout does not change while we run). */
export function hostCgroups(): CgroupInfo {
  cached ??= detectCgroups();
  return cached;
}

/**
 * The runtimes remove a container's leaf cgroup on delete but leave its
 * parents (e.g. /ballast). Removes `parent` (absolute, like cgroupsPath) in
 * every hierarchy where it is empty; returns how many directories went.
 */
export function removeCgroupParent(parent: string, info: CgroupInfo = hostCgroups()): number {
  const rel = parent.replace(/^\/+/, '');
  if (!rel) return 0;
  const hierarchies = info.mode === 'unified' ? [info.root] : listHierarchies(info.root);
  let removed = 0;
  for (const h of hierarchies) {
    try {
      rmdirSync(join(h, rel));
      removed++;
    } catch (e) {
      if (!hasCode(e, 'ENOENT', 'EBUSY', 'ENOTEMPTY', 'ENOTDIR')) throw e;
    }
  }
  return removed;
}

/** Directories in /sys/fs/cgroup that are hierarchies (skips the cpu,cpuacct style symlinks). */
export function listHierarchies(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, d.name));
}
