/**
 * Containers' writable layers: containers/<id>/{upper,work,merged} with an
 * overlay mount of the image's layers (top first) under upper.
 *
 * The lowerdir option must fit in one page (about 4 KiB) with the others.
 * Absolute diff paths (≈100 bytes each) would cap images at ~40 layers, so
 * mount(8) runs with its working directory in layers/l and lowerdir names the
 * 10-character symlinks there (11 bytes a layer, several hundred layers;
 * overlayfs itself stops at 500). The kernel resolves relative lowerdirs
 * against the mounting process's cwd at mount time only, so nothing depends on
 * our cwd afterwards.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { EngineError } from '../../domain/errors.js';
import { writeFileDurable } from '../../lib/durable.js';
import { run } from '../../lib/exec.js';
import { isMountPoint, readMountInfo } from '../mounts/mountinfo.js';
import { unmount, unmountTree } from '../mounts/mount.js';
import type { Digest } from '../archive/digest.js';
import { containerChanges, type Change, type ChangesOptions } from './changes.js';
import type { LayerStore } from './layer-store.js';

export interface ContainerRootfs {
  merged: string;
  upper: string;
  work: string;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const PAGE = 4096;

export class ContainerLayers {
  constructor(private readonly layers: LayerStore) {}

  private dir(containerId: string): string {
    if (!ID_RE.test(containerId)) throw new EngineError('invalidArgument', `invalid container id ${JSON.stringify(containerId)}`);
    return this.layers.layout.containerDir(containerId);
  }

  paths(containerId: string): ContainerRootfs {
    const d = this.dir(containerId);
    return { merged: posix.join(d, 'merged'), upper: posix.join(d, 'upper'), work: posix.join(d, 'work') };
  }

  /** The chain recorded for a container (bottom first), or undefined. */
  async chainOf(containerId: string): Promise<Digest[] | undefined> {
    try {
      const text = await readFile(posix.join(this.dir(containerId), 'lower'), 'utf8');
      return text.split('\n').filter(Boolean) as Digest[];
    } catch {
      return undefined;
    }
  }

  /**
   * Create the writable layer (once) and mount the rootfs on merged/.
   * `layerChain` is the image's rootfs.diff_ids, bottom layer first. Idempotent.
   */
  async prepareContainerRootfs(containerId: string, layerChain: readonly string[]): Promise<ContainerRootfs> {
    const p = this.paths(containerId);
    const d = this.dir(containerId);
    for (const id of layerChain) {
      if (!this.layers.has(id)) throw new EngineError('notFound', `layer does not exist: ${id}`);
    }
    const recorded = await this.chainOf(containerId);
    if (recorded && recorded.join('\n') !== layerChain.join('\n')) {
      throw new EngineError('conflict', `container ${containerId} already has a writable layer on another layer chain`);
    }
    await mkdir(d, { recursive: true, mode: 0o710 });
    for (const sub of [p.upper, p.work, p.merged]) await mkdir(sub, { recursive: true, mode: 0o755 });
    // Recorded before mounting: the layer store will not delete layers a container names.
    if (!recorded) writeFileDurable(posix.join(d, 'lower'), layerChain.join('\n') + '\n', 0o644);
    if (isMountPoint(p.merged)) return p;
    // Top first. A layer repeated in the chain (common: the empty layer) is kept only at its topmost
    // place: overlayfs refuses a lowerdir twice (ELOOP), and the upper copy already shows everything it has.
    const topFirst = [...new Set([...layerChain].reverse())];
    const lower = topFirst.length === 0 ? [this.layers.layout.emptyDir] : topFirst.map((id) => this.layers.shortLink(id));
    for (const part of [p.upper, p.work, ...lower]) {
      if (/[,:\\]/.test(part)) throw new EngineError('invalidArgument', `path not usable in overlay options: ${part}`);
    }
    const base = `lowerdir=${lower.join(':')},upperdir=${p.upper},workdir=${p.work}`;
    if (base.length + ',index=off'.length >= PAGE) {
      throw new EngineError('invalidArgument', `too many layers to mount (${layerChain.length})`);
    }
    // index=off as Docker does: with index on, a lower dir shared by several overlays may fail to mount.
    let r = await run('mount', ['-t', 'overlay', 'overlay', '-o', `${base},index=off`, p.merged], { cwd: this.layers.layout.linksDir });
    if (r.code !== 0) r = await run('mount', ['-t', 'overlay', 'overlay', '-o', base, p.merged], { cwd: this.layers.layout.linksDir });
    if (r.code !== 0) {
      throw new EngineError('internal', `error mounting rootfs of ${containerId}: ${(r.stderr || r.stdout).trim()}`);
    }
    return p;
  }

  /** Unmount merged/ (and anything mounted below it). Idempotent. */
  async releaseContainerRootfs(containerId: string): Promise<void> {
    const merged = this.paths(containerId).merged;
    if (!readMountInfo().some((m) => m.mountPoint === merged || m.mountPoint.startsWith(`${merged}/`))) return;
    try {
      await unmountTree(merged);
    } catch {
      // Busy (a process still has it open): detach now, the kernel frees it when the last user goes.
      await unmountTree(merged, { lazy: true });
    }
  }

  /** Unmount and delete the writable layer (upper, work, merged, lower). */
  async removeContainerLayer(containerId: string): Promise<void> {
    await this.releaseContainerRootfs(containerId);
    const d = this.dir(containerId);
    const p = this.paths(containerId);
    if (isMountPoint(p.merged)) await unmount(p.merged, { lazy: true });
    for (const sub of [p.upper, p.work, p.merged]) await rm(sub, { recursive: true, force: true });
    await rm(posix.join(d, 'lower'), { force: true });
  }

  /** `docker diff`: changes of the writable layer against the image. */
  async diffContainerLayer(containerId: string, opts: ChangesOptions = {}): Promise<Change[]> {
    const p = this.paths(containerId);
    const chain = await this.chainOf(containerId);
    if (!chain || !existsSync(p.upper)) return [];
    const lowers = [...chain].reverse().map((id) => {
      const info = this.layers.get(id);
      return { path: info.diffPath, opaque: new Set(info.opaque) };
    });
    return containerChanges(p.upper, lowers, opts);
  }
}
