/**
 * Extract tar entries into a directory: ownership, modes, mtimes, xattrs, hard
 * links, symlinks, device nodes and FIFOs, with Docker's overwrite rules and
 * (optionally) OCI whiteouts converted to overlayfs form:
 *   .wh.<name>     → character device 0:0 named <name>
 *   .wh..wh..opq   → trusted.overlay.opaque=y on the directory
 *
 * Every path is resolved inside the root (see paths.ts); symlinks whose target
 * climbs out of the root and names with ".." escapes are refused, like Docker.
 * Device nodes and xattrs are applied in batches at the end (one child process
 * each), directory mtimes last of all.
 */
import { chmod, chown, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, utimes } from 'node:fs/promises';
import { posix } from 'node:path';
import { makeNodes, type NodeSpec } from './devices.js';
import { UnsafePathError, cleanEntryName, resolveInRoot, symlinkEscapes, type CleanOptions } from './paths.js';
import type { TarEntry } from './tar-reader.js';
import type { TarHeader } from './tar-format.js';
import { setXattrs, type XattrSet } from './xattr.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
const AUFS_META_PREFIX = '.wh..wh.';
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

export interface ExtractOptions extends CleanOptions {
  /** 'overlay' converts OCI whiteouts; 'none' (default) extracts them as plain files. */
  whiteouts?: 'overlay' | 'none';
  /** chown entries to their uid/gid (default true; needs root). */
  ownership?: boolean;
  /** Apply SCHILY.xattr.* records (default true). */
  xattrs?: boolean;
  /** Refuse to replace a directory with a non-directory or the reverse (docker cp). */
  noOverwriteDirNonDir?: boolean;
  /** Leave out entries this returns true for (their content is skipped). */
  skip?: (header: TarHeader) => boolean;
  /** A regular file was written at absPath with `size` bytes of content. */
  onFile?: (absPath: string, size: number) => void;
  /** A directory was marked opaque by a `.wh..wh..opq` entry (overlay mode). */
  onOpaque?: (absDir: string) => void;
  /** absPath (a file or a whole tree) is about to be removed or replaced. */
  beforeRemove?: (absPath: string) => Promise<void>;
}

export interface ExtractResult {
  entries: number;
}

interface PendingNode extends NodeSpec {
  uid: number;
  gid: number;
  mtime: number | undefined;
}

export async function extractTar(
  entries: AsyncIterable<TarEntry>,
  root: string,
  opts: ExtractOptions = {},
): Promise<ExtractResult> {
  const x = new Extractor(root, opts);
  let count = 0;
  for await (const entry of entries) {
    await x.entry(entry);
    count++;
  }
  await x.finish();
  return { entries: count };
}

class Extractor {
  private readonly knownDirs = new Set<string>();
  private readonly nodes = new Map<string, PendingNode>();
  private readonly xattrs = new Map<string, Map<string, Buffer>>();
  private readonly dirTimes = new Map<string, number>();
  private readonly ownership: boolean;

  constructor(
    private readonly root: string,
    private readonly opts: ExtractOptions,
  ) {
    this.ownership = opts.ownership ?? true;
    this.knownDirs.add(root);
  }

  async entry(entry: TarEntry): Promise<void> {
    const h = entry.header;
    if (this.opts.skip?.(h)) return drain(entry);
    const rel = cleanEntryName(h.name, this.opts);
    if (rel === '') {
      // The root itself ("./"): Docker leaves the target's own metadata alone.
      return drain(entry);
    }
    const base = posix.basename(rel);
    if (this.opts.whiteouts === 'overlay' && rel.startsWith(AUFS_META_PREFIX) && rel !== OPAQUE_WHITEOUT) {
      // AUFS metadata trees (/.wh..wh.plnk, /.wh..wh.aufs …): not content, as in Docker.
      return drain(entry);
    }
    if (this.opts.whiteouts === 'overlay' && base.startsWith(WHITEOUT_PREFIX)) {
      await this.whiteout(rel, base, h);
      return drain(entry);
    }
    const { path } = await resolveInRoot(this.root, rel, this.knownDirs);
    await this.ensureParent(path);
    await this.clearFor(path, h);
    switch (h.type) {
      case 'dir':
        await this.dir(path, h);
        break;
      case 'file':
        await this.file(path, h, entry);
        break;
      case 'symlink':
        if (symlinkEscapes(posix.relative(this.root, path), h.linkname)) {
          throw new UnsafePathError(`invalid symlink ${JSON.stringify(path)} -> ${JSON.stringify(h.linkname)}`);
        }
        await symlink(h.linkname, path);
        if (this.ownership) await lchown(path, h.uid, h.gid);
        await lutimes(path, h.mtime, h.mtime);
        break;
      case 'link':
        await this.hardlink(path, h);
        break;
      case 'char':
      case 'block':
      case 'fifo':
        this.nodes.set(path, {
          path,
          kind: h.type,
          major: h.devmajor,
          minor: h.devminor,
          mode: h.mode,
          uid: h.uid,
          gid: h.gid,
          mtime: h.mtime,
        });
        break;
    }
    if (h.type !== 'file') await drain(entry);
    if ((this.opts.xattrs ?? true) && h.xattrs.size > 0 && h.type !== 'link') {
      const m = this.xattrs.get(path) ?? new Map<string, Buffer>();
      for (const [k, v] of h.xattrs) m.set(k, v);
      this.xattrs.set(path, m);
    }
  }

  private async whiteout(rel: string, base: string, h: TarHeader): Promise<void> {
    const parentRel = posix.dirname(rel);
    const parent = await this.resolveDir(parentRel === '.' ? '' : parentRel);
    await this.ensureDir(parent);
    if (base === OPAQUE_WHITEOUT) {
      const m = this.xattrs.get(parent) ?? new Map<string, Buffer>();
      m.set(OVERLAY_OPAQUE_XATTR, Buffer.from('y'));
      this.xattrs.set(parent, m);
      this.opts.onOpaque?.(parent);
      return;
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return; // other AUFS metadata: dropped
    const name = base.slice(WHITEOUT_PREFIX.length);
    const target = posix.join(parent, name);
    if (await this.exists(target)) await this.remove(target);
    this.nodes.set(target, { path: target, kind: 'char', major: 0, minor: 0, mode: 0, uid: h.uid, gid: h.gid, mtime: undefined });
  }

  /** Absolute real path of a directory given by a clean relative path (all components followed). */
  private async resolveDir(rel: string): Promise<string> {
    if (rel === '') return this.root;
    const { path } = await resolveInRoot(this.root, `${rel}/_`, this.knownDirs);
    return posix.dirname(path);
  }

  private async ensureParent(path: string): Promise<void> {
    await this.ensureDir(posix.dirname(path));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    // A pending device node on the way means "not a directory".
    for (let p = dir; p.length > this.root.length; p = posix.dirname(p)) {
      if (this.nodes.has(p)) {
        const err = new Error(`mkdir ${dir}: not a directory`) as NodeJS.ErrnoException;
        err.code = 'ENOTDIR';
        throw err;
      }
    }
    await mkdir(dir, { recursive: true, mode: 0o755 });
    this.knownDirs.add(dir);
  }

  private async exists(path: string): Promise<boolean> {
    if (this.nodes.has(path)) return true;
    try {
      await lstat(path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /** Docker's rule: anything at the path goes, unless both old and new are directories. */
  private async clearFor(path: string, h: TarHeader): Promise<void> {
    let isDir: boolean;
    if (this.nodes.has(path)) isDir = false;
    else {
      try {
        isDir = (await lstat(path)).isDirectory();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
    }
    if (this.opts.noOverwriteDirNonDir) {
      if (isDir && h.type !== 'dir') {
        throw new UnsafePathError(`cannot overwrite directory ${JSON.stringify(path)} with non-directory ${JSON.stringify(h.name)}`);
      }
      if (!isDir && h.type === 'dir') {
        throw new UnsafePathError(`cannot overwrite non-directory ${JSON.stringify(path)} with directory ${JSON.stringify(h.name)}`);
      }
    }
    if (isDir && h.type === 'dir') return;
    await this.remove(path);
  }

  private async remove(path: string): Promise<void> {
    if (this.opts.beforeRemove) await this.beforeRemoveHook(path);
    const prefix = `${path}/`;
    const under = (p: string): boolean => p === path || p.startsWith(prefix);
    for (const m of [this.nodes, this.xattrs, this.dirTimes]) {
      for (const k of [...m.keys()]) if (under(k)) m.delete(k);
    }
    for (const k of [...this.knownDirs]) if (under(k)) this.knownDirs.delete(k);
    await rm(path, { recursive: true, force: true });
  }

  private async beforeRemoveHook(path: string): Promise<void> {
    await this.opts.beforeRemove?.(path);
  }

  private async dir(path: string, h: TarHeader): Promise<void> {
    try {
      await mkdir(path, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    this.knownDirs.add(path);
    if (this.ownership) await chown(path, h.uid, h.gid);
    await chmod(path, h.mode & 0o7777);
    this.dirTimes.set(path, h.mtime);
  }

  private async file(path: string, h: TarHeader, entry: TarEntry): Promise<void> {
    const fh = await open(path, 'wx', 0o600);
    let written = 0;
    try {
      for await (const chunk of entry.body()) {
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
        written += chunk.length;
      }
      if (this.ownership) await fh.chown(h.uid, h.gid);
      await fh.chmod(h.mode & 0o7777); // after chown, which clears setuid/setgid
      await fh.utimes(h.mtime, h.mtime);
    } finally {
      await fh.close();
    }
    this.opts.onFile?.(path, written);
  }

  private async hardlink(path: string, h: TarHeader): Promise<void> {
    let targetRel: string;
    try {
      targetRel = cleanEntryName(h.linkname, this.opts);
    } catch {
      throw new UnsafePathError(`invalid hardlink ${JSON.stringify(path)} -> ${JSON.stringify(h.linkname)}`);
    }
    if (targetRel === '') throw new UnsafePathError(`invalid hardlink ${JSON.stringify(path)} -> ${JSON.stringify(h.linkname)}`);
    const { path: target } = await resolveInRoot(this.root, targetRel, this.knownDirs);
    if (this.nodes.has(target)) await this.flushNodes();
    await link(target, path);
  }

  private async flushNodes(): Promise<void> {
    const nodes = [...this.nodes.values()];
    this.nodes.clear();
    await makeNodes(nodes);
    for (const n of nodes) {
      if (this.ownership) await lchown(n.path, n.uid, n.gid);
      await chmod(n.path, n.mode & 0o7777);
      if (n.mtime !== undefined) await utimes(n.path, n.mtime, n.mtime);
    }
  }

  async finish(): Promise<void> {
    await this.flushNodes();
    const sets: XattrSet[] = [];
    for (const [path, m] of this.xattrs) for (const [name, value] of m) sets.push({ path, name, value });
    await setXattrs(sets);
    for (const [path, mtime] of this.dirTimes) await utimes(path, mtime, mtime);
  }
}

async function drain(entry: TarEntry): Promise<void> {
  for await (const chunk of entry.body()) void chunk;
}
