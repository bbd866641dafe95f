/**
 * docker cp: stat, read and write paths inside a container, through its
 * mounts (a path under a volume or bind reads the volume), never leaving the
 * container's root by way of symlinks. A stopped container's rootfs is
 * mounted for the duration of the operation.
 */
import { spawn } from 'node:child_process';
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, invalidArgument, notFound } from '../../domain/errors.js';
import { extractTar, readTar, resolveInRoot } from '../../storage/archive/index.js';
import type { ContainerLayers } from '../../storage/layers/index.js';
import type { ContainerRecord } from '../../state/container-repository.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { ImagePort } from './image-port.js';
import type { StoredMountPoint } from './mount-setup.js';

export interface PathStat {
  name: string;
  size: number;
  /** Go os.FileMode bits: permissions | ModeDir (1<<31) | ModeSymlink (1<<27) … */
  mode: number;
  mtime: string;
  linkTarget: string;
}

const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_DEVICE = 2 ** 26;
const MODE_CHAR = 2 ** 21;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_STICKY = 2 ** 20;

export class ContainerFiles {
  constructor(
    private readonly layers: ContainerLayers,
    private readonly images: ImagePort,
    private readonly volumes: VolumeService,
  ) {}

  /** Mounts a stopped container's rootfs; returns the undo. */
  private async hold(c: ContainerRecord): Promise<() => Promise<void>> {
    if (c.state.Running) return async () => undefined;
    await this.layers.prepareContainerRootfs(c.id, (await this.images.resolve(c.imageId)).diffIds);
    return () => this.layers.releaseContainerRootfs(c.id);
  }

  /** The host path for a container path (a trailing "/." kept: it means the directory's content). */
  private async resolve(c: ContainerRecord, containerPath: string): Promise<string> {
    const abs = containerPath.startsWith('/') ? containerPath : `/${containerPath}`;
    const { root, rel } = this.rootFor(c, posix.normalize(abs));
    try {
      const { path } = await resolveInRoot(root, rel);
      return abs.endsWith('/.') ? `${path}/.` : path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw this.missing(c, containerPath);
      throw e;
    }
  }

  private missing(c: ContainerRecord, containerPath: string): EngineError {
    return notFound(`Could not find the file ${containerPath} in container ${c.name.slice(1)}`);
  }

  private async withPath<T>(c: ContainerRecord, containerPath: string, fn: (hostPath: string) => Promise<T>): Promise<T> {
    const release = await this.hold(c);
    try {
      return await fn(await this.resolve(c, containerPath));
    } finally {
      await release();
    }
  }

  /** The deepest mount containing the path, or the rootfs. */
  private rootFor(c: ContainerRecord, path: string): { root: string; rel: string } {
    let best: { target: string; source: string } | undefined;
    for (const m of c.mounts as unknown as StoredMountPoint[]) {
      if (m.kind === 'tmpfs') continue;
      const target = m.target.startsWith('/') ? m.target : `/${m.target}`;
      if (path !== target && !path.startsWith(`${target}/`)) continue;
      if (best && best.target.length >= target.length) continue;
      best = { target, source: m.kind === 'bind' ? m.source : this.volumes.dataPath(m.name as string) };
    }
    if (best) return { root: best.source, rel: path.slice(best.target.length).replace(/^\/+/, '') };
    return { root: this.layers.paths(c.id).merged, rel: path.replace(/^\/+/, '') };
  }

  private async statHost(c: ContainerRecord, containerPath: string, host: string): Promise<PathStat> {
    const st = await lstat(host.replace(/\/\.$/, '')).catch(() => {
      throw this.missing(c, containerPath);
    });
    const name = posix.basename(containerPath.replace(/\/\.?$/, '')) || '/';
    return statOf(name, st, st.isSymbolicLink() ? await readlink(host) : '');
  }

  async stat(c: ContainerRecord, containerPath: string): Promise<PathStat> {
    return this.withPath(c, containerPath, (host) => this.statHost(c, containerPath, host));
  }

  /** A tar of the path (its basename as the top entry) made by GNU tar, and the path's stat. */
  async read(c: ContainerRecord, containerPath: string): Promise<{ stat: PathStat; tar: Readable }> {
    const release = await this.hold(c);
    try {
      const host = await this.resolve(c, containerPath);
      const stat = await this.statHost(c, containerPath, host);
      const contentOnly = host.endsWith('/.');
      const path = contentOnly ? host.slice(0, -2) : host;
      const args = contentOnly
        ? ['-C', path, '--numeric-owner', '--xattrs', '-cf', '-', '.']
        : ['-C', posix.dirname(path), '--numeric-owner', '--xattrs', '-cf', '-', ...renameTop(posix.basename(path), stat.name), posix.basename(path)];
      const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'ignore'] });
      child.once('close', () => void release());
      return { stat, tar: child.stdout };
    } catch (e) {
      await release();
      throw e;
    }
  }

  /** Extracts a tar into the directory at containerPath (docker cp SRC ctr:DST). */
  async write(c: ContainerRecord, containerPath: string, tar: AsyncIterable<Uint8Array>, noOverwriteDirNonDir: boolean): Promise<void> {
    if (c.hostConfig.ReadonlyRootfs && !this.underMount(c, containerPath)) {
      throw new EngineError('forbidden', 'container rootfs is marked read-only');
    }
    await this.withPath(c, containerPath, async (host) => {
      const dir = host.replace(/\/\.$/, '');
      const st = await lstat(dir).catch(() => {
        throw notFound(`Could not find the file ${containerPath} in container ${c.name.slice(1)}`);
      });
      if (!st.isDirectory()) throw invalidArgument('extraction point is not a directory');
      await extractTar(readTar(tar), dir, { ownership: true, xattrs: true, noOverwriteDirNonDir });
    });
  }

  private underMount(c: ContainerRecord, path: string): boolean {
    return (c.mounts as unknown as StoredMountPoint[]).some((m) => m.kind !== 'tmpfs' && (path === m.target || path.startsWith(`${m.target}/`)) && !m.readOnly);
  }
}

/** GNU tar --transform renaming the top entry when the host name differs from the container's. */
function renameTop(from: string, to: string): string[] {
  if (from === to) return [];
  const pattern = from.replace(/[|\\.*^$[\]]/g, (ch) => `\\${ch}`);
  const replacement = to.replace(/[|\\&]/g, (ch) => `\\${ch}`);
  return [`--transform=s|^${pattern}|${replacement}|`];
}

function statOf(name: string, st: import('node:fs').Stats, linkTarget: string): PathStat {
  let mode = st.mode & 0o777;
  if (st.mode & 0o4000) mode += MODE_SETUID;
  if (st.mode & 0o2000) mode += MODE_SETGID;
  if (st.mode & 0o1000) mode += MODE_STICKY;
  if (st.isDirectory()) mode += MODE_DIR;
  else if (st.isSymbolicLink()) mode += MODE_SYMLINK;
  else if (st.isFIFO()) mode += MODE_NAMED_PIPE;
  else if (st.isSocket()) mode += MODE_SOCKET;
  else if (st.isCharacterDevice()) mode += MODE_DEVICE + MODE_CHAR;
  else if (st.isBlockDevice()) mode += MODE_DEVICE;
  return { name, size: st.size, mode, mtime: st.mtime.toISOString(), linkTarget };
}
