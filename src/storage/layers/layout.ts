/**
 * On-disk layout of the layer store (all under the engine root):
 *
 *   layers/sha256/<diff-id hex>/       one complete, immutable layer
 *       diff/                          unpacked content, overlayfs-ready (lowerdir)
 *       link                           its short name in layers/l/
 *       meta.json                      { diffId, size, tarSize, opaque[], shadowed{} }
 *       tar-split.gz                   non-content bytes of the original tar (see tar-split.ts)
 *       shadow/<n>                     rare: contents a later entry of the same tar replaced
 *       .complete                      written last, before the directory is renamed into place
 *   layers/l/<short> -> ../sha256/<hex>/diff
 *                                      short names keep overlay's lowerdir option under a page
 *   layers/tmp/<random>/               unpacks in progress; deleted at start-up
 *   layers/trash/<random>/             layers being deleted; deleted at start-up
 *   layers/empty/                      lowerdir for images without layers
 *   containers/<id>/upper|work|merged  a container's writable layer and its mount point
 *   containers/<id>/lower              the container's layer chain (diff-ids, bottom first)
 */
import { posix } from 'node:path';

export function hexOf(diffId: string): string {
  return diffId.startsWith('sha256:') ? diffId.slice('sha256:'.length) : diffId;
}

export class LayerLayout {
  readonly root: string;
  constructor(engineRoot: string) {
    this.root = posix.resolve(engineRoot);
  }
  get layersDir(): string {
    return posix.join(this.root, 'layers');
  }
  get byDigestDir(): string {
    return posix.join(this.layersDir, 'sha256');
  }
  get linksDir(): string {
    return posix.join(this.layersDir, 'l');
  }
  get tmpDir(): string {
    return posix.join(this.layersDir, 'tmp');
  }
  get trashDir(): string {
    return posix.join(this.layersDir, 'trash');
  }
  get emptyDir(): string {
    return posix.join(this.layersDir, 'empty');
  }
  layerDir(diffId: string): string {
    return posix.join(this.byDigestDir, hexOf(diffId));
  }
  diffDir(diffId: string): string {
    return posix.join(this.layerDir(diffId), 'diff');
  }
  /** Symlink target stored in l/<short>, relative so the root can move. */
  linkTarget(diffId: string): string {
    return `../sha256/${hexOf(diffId)}/diff`;
  }
  containersDir(): string {
    return posix.join(this.root, 'containers');
  }
  containerDir(id: string): string {
    return posix.join(this.containersDir(), id);
  }
}
