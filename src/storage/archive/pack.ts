/**
 * Directory → tar entries (for layers without a recorded tar, container
 * commit/export and `docker cp`). Walks in lexical order like Go's
 * filepath.Walk; hard links become link entries; mtimes are truncated to whole
 * seconds as Docker does. With whiteouts 'overlay', overlayfs whiteouts turn
 * back into OCI form (char 0:0 → `.wh.<name>`, opaque dir → `<dir>/.wh..wh..opq`).
 */
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { OPAQUE_WHITEOUT, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './extract.js';
import { makeHeader, type EntryType, type TarHeader } from './tar-format.js';
import type { TarWriteEntry } from './tar-writer.js';
import { getXattrs } from './xattr.js';

export interface PackOptions {
  whiteouts?: 'overlay' | 'none';
  /** Keep an entry (and, for directories, descend)? rel has no leading slash. */
  filter?: (rel: string, st: Stats) => boolean;
  /** Read xattrs (default true); trusted.overlay.* are never archived. */
  xattrs?: boolean;
}

export function deviceNumbers(rdev: number): { major: number; minor: number } {
  // glibc's gnu_dev_major/minor
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return {
    major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0),
    minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00),
  };
}

function typeOf(st: Stats): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return undefined; // sockets are not archived
}

export async function* packDirectory(dir: string, opts: PackOptions = {}): AsyncGenerator<TarWriteEntry> {
  const root = posix.resolve(dir);
  const attrs = opts.xattrs === false ? new Map<string, Map<string, Buffer>>() : await getXattrs(root);
  const seen = new Map<string, string>(); // dev:ino → first name, for hard links

  async function* walk(absDir: string, relDir: string): AsyncGenerator<TarWriteEntry> {
    const names = (await readdir(absDir)).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const name of names) {
      const abs = posix.join(absDir, name);
      const rel = relDir ? `${relDir}/${name}` : name;
      const st = await lstat(abs);
      if (opts.filter && !opts.filter(rel, st)) continue;
      const type = typeOf(st);
      if (!type) continue;
      const header = makeHeader({
        name: type === 'dir' ? `${rel}/` : rel,
        type,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        mtime: Math.floor(st.mtimeMs / 1000),
      });
      const xattrs = attrs.get(abs);
      if (xattrs) for (const [k, v] of xattrs) if (!k.startsWith('trusted.overlay.')) header.xattrs.set(k, v);
      if (type === 'char' || type === 'block') {
        const { major, minor } = deviceNumbers(st.rdev);
        header.devmajor = major;
        header.devminor = minor;
        if (opts.whiteouts === 'overlay' && type === 'char' && major === 0 && minor === 0) {
          yield { header: whiteoutHeader(`${relDir ? `${relDir}/` : ''}${WHITEOUT_PREFIX}${name}`, header) };
          continue;
        }
      }
      if (type === 'symlink') header.linkname = await readlink(abs);
      if (type !== 'dir' && st.nlink > 1) {
        const key = `${st.dev}:${st.ino}`;
        const first = seen.get(key);
        if (first !== undefined) {
          yield { header: { ...header, type: 'link', linkname: first, size: 0 } };
          continue;
        }
        seen.set(key, rel);
      }
      if (type === 'file') {
        header.size = st.size;
        yield { header, body: st.size > 0 ? createReadStream(abs) : Buffer.alloc(0) };
        continue;
      }
      yield { header };
      if (type === 'dir') {
        if (opts.whiteouts === 'overlay' && xattrs?.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') {
          yield { header: whiteoutHeader(`${rel}/${OPAQUE_WHITEOUT}`, { ...header, mode: header.mode & 0o777 }) };
        }
        yield* walk(abs, rel);
      }
    }
  }
  yield* walk(root, '');
}

function whiteoutHeader(name: string, from: TarHeader): TarHeader {
  return makeHeader({
    name,
    type: 'file',
    mode: from.type === 'dir' ? from.mode : 0o600,
    uid: from.uid,
    gid: from.gid,
    uname: from.uname,
    gname: from.gname,
    mtime: from.mtime,
  });
}
