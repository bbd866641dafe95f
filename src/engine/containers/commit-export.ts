/**
 * `docker commit` and `docker export` (moby daemon/commit.go, daemon/export.go).
 *
 * Commit packs the container's upper directory into a new image (see
 * images/commit.ts), pausing a running container meanwhile unless asked not
 * to. Volume content is never in the upper directory (volumes are mounted in
 * the container's mount namespace, over the mount point directories), so it
 * is not captured; the mount points themselves are.
 *
 * Export streams the container's whole file system, the graph driver's view
 * without any mounts: a private read-only overlay of the upper directory (as
 * the top lower layer) over the image's layers, mounted under
 * <root>/export/<random> for the duration of the stream. It never touches the
 * container's own merged/ mount, so it works the same for running and stopped
 * containers and cannot race their start or exit. Mounts a crash left behind
 * are removed before the next export.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { EngineError, messageOf } from '../../domain/errors.js';
import { run } from '../../lib/exec.js';
import type { Logger } from '../../lib/logger.js';
import { commitContainer } from '../../images/commit.js';
import type { ImageService } from '../../images/image-service.js';
import { packDirectory } from '../../storage/archive/pack.js';
import { tarStream, type TarWriteEntry } from '../../storage/archive/tar-writer.js';
import type { ContainerLayers, LayerStore } from '../../storage/layers/index.js';
import { isMountPoint, mountsUnder, readMountInfo } from '../../storage/mounts/mountinfo.js';
import { unmount } from '../../storage/mounts/mount.js';
import type { ContainerRecord } from '../../state/container-repository.js';
import type { EventSink } from '../events.js';
import type { ContainerService } from './container-service.js';

export interface CommitExportDeps {
  root: string;
  containers: ContainerService;
  layers: ContainerLayers;
  layerStore: LayerStore;
  images: ImageService;
  events: EventSink;
  log: Logger;
}

export interface CommitRequest {
  /** Container name or id. */
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Pause a running container during the commit (Docker's default: true). */
  pause: boolean;
  changes?: readonly string[];
  /** The request body's Config, when it carried one. */
  config?: unknown;
}

export class CommitExportService {
  private leftovers: Promise<void> | undefined;

  constructor(private readonly d: CommitExportDeps) {}

  private get exportDir(): string {
    return posix.join(this.d.root, 'export');
  }

  private attributes(c: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(c.config.Labels ?? {}), image: c.imageRef, name: c.name.slice(1), ...extra };
  }

  // ---- commit ------------------------------------------------------------------

  /** POST /commit → the new image id ("sha256:…"). */
  async commit(req: CommitRequest): Promise<string> {
    const c = this.d.containers.get(req.container);
    let paused = false;
    if (req.pause && c.state.Running && !c.state.Paused) {
      // moby ignores a failed pause (the container may have just stopped).
      try {
        await this.d.containers.pause(c.id);
        paused = true;
      } catch (e) {
        this.d.log.debug('pause for commit failed', { id: c.id, error: messageOf(e) });
      }
    }
    try {
      const result = await commitContainer(this.d.images, this.d.layerStore, {
        containerId: c.id,
        parentImageId: c.imageId,
        upper: this.d.layers.paths(c.id).upper,
        chain: (await this.d.layers.chainOf(c.id)) ?? [],
        containerConfig: c.config,
        ...(req.config !== undefined ? { requestConfig: req.config } : {}),
        changes: req.changes ?? [],
        ...(req.author ? { author: req.author } : {}),
        ...(req.comment ? { comment: req.comment } : {}),
        ...(req.repo ? { repo: req.repo } : {}),
        ...(req.tag ? { tag: req.tag } : {}),
      });
      this.d.log.info('container committed', { id: c.id, image: result.id, ref: result.ref || undefined });
      if (result.ref) this.d.events.emit({ type: 'image', action: 'tag', id: result.id, attributes: { name: result.ref } });
      this.d.events.emit({
        type: 'container',
        action: 'commit',
        id: c.id,
        attributes: this.attributes(c, { comment: req.comment ?? '', imageID: result.id, imageRef: result.ref }),
      });
      return result.id;
    } finally {
      if (paused) {
        await this.d.containers.unpause(c.id).catch((e: unknown) =>
          this.d.log.warn('unpause after commit failed', { id: c.id, error: messageOf(e) }),
        );
      }
    }
  }

  // ---- export ------------------------------------------------------------------

  /** GET /containers/{id}/export: the container's file system as a tar stream. */
  async export(ref: string): Promise<Readable> {
    const c = this.d.containers.get(ref);
    await this.removeLeftovers();
    const chain = await this.d.layers.chainOf(c.id);
    if (!chain) throw new EngineError('internal', `container ${c.id} has no writable layer`);
    const mountPoint = await this.mountView(c.id, chain);
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => (released ??= this.unmountView(mountPoint));
    // Unmounted as soon as the last entry is read, before the end of the archive goes out, so a
    // client that has the whole tar finds nothing mounted any more.
    async function* entries(): AsyncGenerator<TarWriteEntry> {
      try {
        yield* packDirectory(mountPoint, { whiteouts: 'none' });
      } finally {
        await release();
      }
    }
    const out = tarStream(entries());
    // 'close' follows the end, an error and a destroy (client gone) alike.
    out.once('close', () => void release());
    this.d.events.emit({ type: 'container', action: 'export', id: c.id, attributes: this.attributes(c) });
    return out;
  }

  /** A read-only overlay: upper (whiteouts and opaque marks honoured as a lower layer) over the image. */
  private async mountView(id: string, chain: readonly string[]): Promise<string> {
    const L = this.d.layerStore.layout;
    const upper = this.d.layers.paths(id).upper;
    // Top first; a layer repeated in the chain only at its topmost place (overlayfs refuses duplicates).
    const lowers = [upper, ...[...new Set([...chain].reverse())].map((d) => this.d.layerStore.shortLink(d))];
    // Without an upperdir overlayfs wants two lower layers at least.
    if (lowers.length < 2) lowers.push(L.emptyDir);
    for (const part of lowers) {
      if (/[,:\\]/.test(part)) throw new EngineError('invalidArgument', `path not usable in overlay options: ${part}`);
    }
    await mkdir(this.exportDir, { recursive: true, mode: 0o700 });
    const mountPoint = posix.join(this.exportDir, randomBytes(12).toString('hex'));
    await mkdir(mountPoint, { mode: 0o700 });
    // Relative lowerdirs (layers/l short names) keep the option under a page, as for the container's own mount.
    const r = await run('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lowers.join(':')}`, mountPoint], { cwd: L.linksDir });
    if (r.code !== 0) {
      await rmdir(mountPoint).catch(() => undefined);
      throw new EngineError('internal', `error mounting the file system of ${id} for export: ${(r.stderr || r.stdout).trim()}`);
    }
    return mountPoint;
  }

  private async unmountView(mountPoint: string): Promise<void> {
    try {
      if (isMountPoint(mountPoint)) {
        try {
          await unmount(mountPoint);
        } catch {
          await unmount(mountPoint, { lazy: true });
        }
      }
      await rmdir(mountPoint);
    } catch (e) {
      this.d.log.warn('export: cleaning up the mount failed', { path: mountPoint, error: messageOf(e) });
    }
  }

  /** Once per daemon: mounts and directories an interrupted export left under <root>/export. */
  private removeLeftovers(): Promise<void> {
    this.leftovers ??= (async () => {
      for (const m of mountsUnder(this.exportDir, readMountInfo())) {
        this.d.log.info('removing a leftover export mount', { path: m.mountPoint });
        await unmount(m.mountPoint, { lazy: true }).catch(() => undefined);
      }
      let names: string[] = [];
      try {
        names = await readdir(this.exportDir);
      } catch {
        return;
      }
      // rmdir, never a recursive delete: a directory still mounted must not be descended into.
      for (const n of names) await rmdir(posix.join(this.exportDir, n)).catch(() => undefined);
    })();
    return this.leftovers;
  }
}
