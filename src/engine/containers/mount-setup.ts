/**
 * A container's mounts, at create and at start.
 *
 * Create (dockerd's registerMountPoints + populateVolumes): parse and verify
 * every mount form into MountSpecs (domain/mounts), create the volumes that
 * don't exist yet (named, anonymous, image VOLUMEs), populate empty volumes
 * from the image (copy-up), and record which volumes the container uses.
 *
 * Start (setupMounts): verify again (a --mount bind source may have vanished),
 * create missing -v bind sources, take a hold on every volume (mounting
 * driver-backed ones), and produce the runtime's mount list, parents first.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError, invalidArgument } from '../../domain/errors.js';
import type { HostConfig, ContainerConfig } from '../../domain/container.js';
import {
  collectMounts,
  effectiveMounts,
  inheritMounts,
  mergeTmpfsOptions,
  parseVolumesFrom,
  verifyMountSettings,
  type MountSpec,
  type VolumeMountSpec,
} from '../../domain/mounts/index.js';
import type { OciMount } from '../../runtime/oci-types.js';
import { readMountInfo } from '../../storage/mounts/mountinfo.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { randomBytes } from 'node:crypto';

/** A mount point as stored with the container: the spec plus what it resolved to. */
export type StoredMountPoint = MountSpec & {
  /** Volumes: the driver of the volume actually used. */
  resolvedDriver?: string;
};

export interface CreateMountsInput {
  config: ContainerConfig;
  hostConfig: HostConfig;
  imageVolumes: Record<string, object> | null | undefined;
  daemonRoot: string;
  /** Mount points of a --volumes-from source container (by name or id); throws notFound-style 400. */
  lookupMountPoints: (container: string) => StoredMountPoint[];
}

/** Parse + verify + name anonymous volumes. No side effects. */
export function planMounts(input: CreateMountsInput): StoredMountPoint[] {
  const { hostConfig } = input;
  const collected = collectMounts({
    binds: hostConfig.Binds ?? null,
    mounts: hostConfig.Mounts ?? null,
    tmpfs: hostConfig.Tmpfs ?? null,
    configVolumes: input.config.Volumes ?? null,
    imageVolumes: input.imageVolumes ?? null,
    volumesFrom: () => {
      const inherited: MountSpec[] = [];
      for (const raw of hostConfig.VolumesFrom ?? []) {
        const { container, mode } = parseVolumesFrom(raw);
        inherited.push(...inheritMounts(input.lookupMountPoints(container), mode));
      }
      return inherited;
    },
    ...(hostConfig.VolumeDriver ? { volumeDriver: hostConfig.VolumeDriver } : {}),
    daemonRoot: input.daemonRoot,
    bindSourceExists: (p) => existsSync(p),
  });
  return collected.mountPoints.map((m) =>
    m.kind === 'volume' && m.name === undefined ? { ...m, name: randomBytes(32).toString('hex') } : m,
  );
}

/**
 * Creates missing volumes and records the container as their user. Returns
 * the mount points with their volumes' drivers. On failure, volumes created
 * here stay (as in Docker), but no user row is left.
 */
export function ensureVolumes(points: StoredMountPoint[], volumes: VolumeService): StoredMountPoint[] {
  return points.map((p) => {
    if (p.kind !== 'volume') return p;
    const name = p.name as string;
    // Always through create, as dockerd 20.10 does: an existing volume comes back unchanged
    // (and a "create" event is emitted for every reference, as 20.10 emits it).
    const v = volumes.create({
      name,
      ...(p.driver ? { driver: p.driver } : {}),
      ...(p.driverOptions ? { driverOpts: p.driverOptions } : {}),
      ...(p.labels ? { labels: p.labels } : {}),
      anonymous: p.anonymous,
    });
    return { ...p, resolvedDriver: v.driver };
  });
}

/** The image-side checks dockerd makes before copy-up (A-22, C-10). */
export function checkImagePaths(points: StoredMountPoint[], rootfs: string): void {
  for (const p of points) {
    if (p.kind !== 'volume') continue;
    const path = join(rootfs, p.target);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) continue;
    if (p.origin === 'image' || p.origin === 'config-volumes') {
      throw invalidArgument(`cannot mount volume over existing file, file exists ${path}`);
    }
  }
}

export interface CopyUpPort {
  copyUp(srcDir: string, dstDir: string): Promise<void>;
}

/**
 * Populates empty volumes from the image (dockerd populateVolumes): named or
 * anonymous volumes without nocopy, not inherited, whose path is a directory
 * in the image, whose data directory is empty at this moment.
 */
export async function copyUpVolumes(
  points: StoredMountPoint[],
  rootfs: string,
  containerId: string,
  volumes: VolumeService,
  copier: CopyUpPort,
): Promise<void> {
  for (const p of points) {
    if (p.kind !== 'volume' || p.noCopy || p.origin === 'volumes-from') continue;
    const src = join(rootfs, p.target);
    let st;
    try {
      st = statSync(src);
    } catch {
      continue;
    }
    const name = p.name as string;
    if (!st.isDirectory()) {
      throw new EngineError('internal', `source ${src} is not directory`);
    }
    const holder = `copy-up:${containerId}`;
    const data = await volumes.acquire(name, holder);
    try {
      if (readdirSync(data).length === 0) await copier.copyUp(src, data);
    } finally {
      await volumes.release(name, holder);
    }
  }
}

/** Start-time: re-verify, validate tmpfs options, make -v bind sources. */
export function verifyForStart(hostConfig: HostConfig, points: StoredMountPoint[]): void {
  verifyMountSettings(hostConfig.Mounts ?? null, hostConfig.Tmpfs ?? null, (p) => existsSync(p));
  for (const m of effectiveMounts(points, hostConfig.Tmpfs ?? null)) {
    if (m.kind === 'tmpfs') mergeTmpfsOptions(m.options);
  }
  for (const p of points) {
    if (p.kind === 'bind' && p.createSource && !existsSync(p.source)) {
      mkdirSync(p.source, { recursive: true, mode: 0o755 });
    }
  }
  for (const p of points) if (p.kind === 'bind') checkSourcePropagation(p.source, p.propagation);
}

/**
 * dockerd's start-time check: shared propagation needs a shared source mount,
 * slave propagation a shared or slave one (V-40, V-41).
 */
function checkSourcePropagation(source: string, propagation: string): void {
  const wantsShared = propagation === 'shared' || propagation === 'rshared';
  const wantsSlave = propagation === 'slave' || propagation === 'rslave';
  if (!wantsShared && !wantsSlave) return;
  const containing = readMountInfo()
    .filter((m) => source === m.mountPoint || source.startsWith(m.mountPoint === '/' ? '/' : `${m.mountPoint}/`))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
  if (!containing) return;
  const shared = containing.optionalFields.some((f) => f.startsWith('shared:'));
  const slave = containing.optionalFields.some((f) => f.startsWith('master:'));
  if (wantsShared && !shared) throw invalidArgument(`path ${source} is mounted on ${containing.mountPoint} but it is not a shared mount`);
  if (wantsSlave && !shared && !slave) {
    throw invalidArgument(`path ${source} is mounted on ${containing.mountPoint} but it is not a shared or slave mount`);
  }
}

/** Container-relative destinations (unvalidated Config.Volumes like "ab") mount under "/". */
function absoluteTarget(t: string): string {
  return t.startsWith('/') ? t : `/${t}`;
}

/**
 * Takes holds on the volumes and returns the runtime's mounts, parents first.
 * `release` undoes the holds (call it when start fails or the container stops).
 */
export async function acquireMounts(
  containerId: string,
  hostConfig: HostConfig,
  points: StoredMountPoint[],
  volumes: VolumeService,
): Promise<OciMount[]> {
  const out: OciMount[] = [];
  const acquired: string[] = [];
  try {
    for (const m of effectiveMounts(points, hostConfig.Tmpfs ?? null)) {
      const destination = absoluteTarget(m.target);
      if (m.kind === 'tmpfs') {
        out.push({ destination, type: 'tmpfs', source: 'tmpfs', options: mergeTmpfsOptions(m.options) });
      } else if (m.kind === 'bind') {
        // crun ORs the MS_REC of an "r…" propagation into the bind itself, so a
        // non-recursive bind gets the propagation without it (there are no submounts
        // for it to apply to anyway).
        const propagation = m.nonRecursive ? m.propagation.replace(/^r/, '') : m.propagation;
        const opts = [m.nonRecursive ? 'bind' : 'rbind', propagation, m.readOnly ? 'ro' : 'rw'];
        out.push({ destination, type: 'bind', source: m.source, options: opts });
      } else {
        const name = (m as VolumeMountSpec).name as string;
        let source: string;
        try {
          source = await volumes.acquire(name, containerId);
        } catch (e) {
          throw e instanceof EngineError ? e.prefixed(`error while mounting volume '${volumes.dataPath(name)}'`) : e;
        }
        acquired.push(name);
        out.push({ destination, type: 'bind', source, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] });
      }
    }
    return out;
  } catch (e) {
    for (const name of acquired) await volumes.release(name, containerId).catch(() => undefined);
    throw e;
  }
}

export async function releaseMounts(containerId: string, points: StoredMountPoint[], volumes: VolumeService): Promise<void> {
  for (const p of points) {
    if (p.kind === 'volume') await volumes.release(p.name as string, containerId).catch(() => undefined);
  }
}
