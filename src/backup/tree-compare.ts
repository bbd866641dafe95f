/**
 * What a directory tree holds, entry by entry, for restore tests: type,
 * owner, mode, nanosecond mtime, content hash, link target, device numbers,
 * xattrs, hard-link groups and allocated size (holes). Names are handled as
 * bytes, so odd names (invalid UTF-8, newlines) compare exactly.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { run } from '../lib/exec.js';
import { entryLinkBytes, entryPathBytes, type ManifestEntry } from './manifest.js';
import type { MemberType } from './tar-scanner.js';

export interface TreeEntry {
  /** Relative path as a byte string ("." is the root). */
  readonly path: string;
  readonly type: MemberType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeNs: bigint;
  readonly size: number;
  readonly sha256?: string;
  readonly crc32?: string;
  /** Symlink target (byte string). */
  readonly link?: string;
  readonly dev?: readonly [number, number];
  /** name → base64 value (ACLs excluded: tar carries them as text). */
  readonly xattrs: Readonly<Record<string, string>>;
  readonly ino: bigint;
  readonly nlink: number;
  /** Bytes allocated on disk. */
  readonly allocated: number;
}

export function devParts(rdev: bigint): [number, number] {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return [major, minor];
}

async function digestsOf(path: Buffer, crc: boolean): Promise<{ sha256: string; crc32?: string }> {
  const h = createHash('sha256');
  let c = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    if (crc) c = crc32(chunk as Buffer, c);
  }
  return { sha256: h.digest('hex'), ...(crc ? { crc32: (c >>> 0).toString(16).padStart(8, '0') } : {}) };
}

/** getfattr's dump quoting: \ooo for unusual bytes; names come back as byte strings. */
function unquote(s: string): string {
  return s.replace(/\\([0-7]{3})|\\\\/g, (_m, oct: string | undefined) => (oct ? String.fromCharCode(parseInt(oct, 8)) : '\\'));
}

const ACL = /^system\.posix_acl_(access|default)$/;

/** xattrs of every entry under root, keyed by absolute byte-string path. */
async function allXattrs(root: string): Promise<Map<string, Record<string, string>>> {
  // In the C locale getfattr escapes every non-ASCII byte of a name (\ooo), so stdout is ASCII.
  const r = await run('getfattr', ['-h', '-R', '-d', '-m', '-', '-e', 'base64', '--absolute-names', root], {
    env: { ...process.env, LC_ALL: 'C' },
  });
  const out = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = {};
      out.set(unquote(line.slice(8)), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq <= 0) continue;
    const name = unquote(line.slice(0, eq));
    if (ACL.test(name)) continue;
    const raw = line.slice(eq + 1);
    current[name] = raw.startsWith('0s') ? raw.slice(2) : Buffer.from(raw.replace(/^"|"$/g, ''), 'latin1').toString('base64');
  }
  return out;
}

export interface SnapshotOptions {
  /** Hash regular-file contents (default true). */
  readonly contents?: boolean;
  /** Also compute CRC-32 (for manifests that use it). */
  readonly crc32?: boolean;
}

export async function snapshotTree(root: string, opts: SnapshotOptions = {}): Promise<Map<string, TreeEntry>> {
  const xattrs = await allXattrs(root);
  const out = new Map<string, TreeEntry>();
  const rootBuf = Buffer.from(root, 'utf8');
  const visit = async (abs: Buffer, rel: string): Promise<void> => {
    const st = await lstat(abs, { bigint: true });
    const fmt = st.mode & 0o170000n;
    const type: MemberType =
      fmt === 0o040000n ? 'dir' : fmt === 0o120000n ? 'symlink' : fmt === 0o020000n ? 'char' : fmt === 0o060000n ? 'block' : fmt === 0o010000n ? 'fifo' : 'file';
    const key = abs.toString('latin1');
    const e: TreeEntry = {
      path: rel,
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtimeNs: st.mtimeNs,
      size: type === 'file' ? Number(st.size) : 0,
      ...(type === 'file' && opts.contents !== false ? await digestsOf(abs, opts.crc32 ?? false) : {}),
      ...(type === 'symlink' ? { link: (await readlink(abs, { encoding: 'buffer' })).toString('latin1') } : {}),
      ...(type === 'char' || type === 'block' ? { dev: devParts(st.rdev) } : {}),
      xattrs: xattrs.get(key) ?? {},
      ino: st.ino,
      nlink: Number(st.nlink),
      allocated: Number(st.blocks) * 512,
    };
    out.set(rel, e);
    if (type !== 'dir') return;
    const names = await readdir(abs, { encoding: 'buffer' });
    for (const n of names) {
      const child = Buffer.concat([abs, Buffer.from('/'), n]);
      await visit(child, rel === '.' ? n.toString('latin1') : `${rel}/${n.toString('latin1')}`);
    }
  };
  await visit(rootBuf, '.');
  return out;
}

export function mtimeNsOf(text: string): bigint {
  const m = /^(-?\d+)(?:\.(\d{1,9}))?/.exec(text);
  if (!m) throw new Error(`bad mtime ${text}`);
  const whole = BigInt(m[1] as string) * 1_000_000_000n;
  const frac = BigInt((m[2] ?? '').padEnd(9, '0'));
  // "-5.25" is -5 s and -0.25 s.
  return (m[1] as string).startsWith('-') ? whole - frac : whole + frac;
}

function show(p: string): string {
  return JSON.stringify(Buffer.from(p, 'latin1').toString('utf8'));
}

/** Differences between a restored tree and the manifest it was restored from (empty: identical). */
export function compareTreeWithManifest(tree: ReadonlyMap<string, TreeEntry>, lines: readonly string[], limit = 20): string[] {
  const diffs: string[] = [];
  const seen = new Set<string>();
  const inoOf = new Map<string, bigint>();
  for (const line of lines) {
    if (diffs.length >= limit) break;
    const e = JSON.parse(line) as ManifestEntry;
    const path = entryPathBytes(e);
    seen.add(path);
    const t = tree.get(path);
    if (!t) {
      diffs.push(`${show(path)}: missing`);
      continue;
    }
    if (e.type === 'hardlink') {
      const target = entryLinkBytes(e) ?? '';
      if (inoOf.get(target) !== t.ino) diffs.push(`${show(path)}: not a hard link to ${show(target)}`);
      continue;
    }
    inoOf.set(path, t.ino);
    const want: Array<[string, unknown, unknown]> = [
      ['type', e.type, t.type],
      ['mode', e.mode, t.mode],
      ['uid', e.uid, t.uid],
      ['gid', e.gid, t.gid],
      ['mtime', mtimeNsOf(e.mtime), t.mtimeNs],
      ['size', e.size, t.size],
    ];
    if (e.sha256 !== undefined) want.push(['sha256', e.sha256, t.sha256]);
    if (e.crc32 !== undefined) want.push(['crc32', e.crc32, t.crc32]);
    if (e.type === 'symlink') want.push(['link', entryLinkBytes(e), t.link]);
    if (e.dev) want.push(['dev', e.dev.join(':'), t.dev?.join(':')]);
    const wantX = Object.entries(e.xattrs ?? {}).filter(([k]) => !k.startsWith('SCHILY.acl.'));
    want.push(['xattrs', JSON.stringify(Object.fromEntries(wantX.sort())), JSON.stringify(Object.fromEntries(Object.entries(t.xattrs).sort()))]);
    for (const [what, a, b] of want) {
      if (a !== b) diffs.push(`${show(path)}: ${what} ${String(b)} instead of ${String(a)}`);
    }
  }
  for (const p of tree.keys()) {
    if (diffs.length >= limit) break;
    if (!seen.has(p)) diffs.push(`${show(p)}: not in the archive`);
  }
  return diffs;
}

/** Differences between two trees (same names, metadata, contents, link groups, holes). */
export function compareTrees(a: ReadonlyMap<string, TreeEntry>, b: ReadonlyMap<string, TreeEntry>, limit = 20): string[] {
  const diffs: string[] = [];
  const groups = (t: ReadonlyMap<string, TreeEntry>): Map<bigint, string[]> => {
    const g = new Map<bigint, string[]>();
    for (const e of t.values()) if (e.type === 'file' && e.nlink > 1) g.set(e.ino, [...(g.get(e.ino) ?? []), e.path].sort());
    return g;
  };
  for (const [p, x] of a) {
    if (diffs.length >= limit) return diffs;
    const y = b.get(p);
    if (!y) {
      diffs.push(`${show(p)}: missing`);
      continue;
    }
    const fields: Array<keyof TreeEntry> = ['type', 'mode', 'uid', 'gid', 'mtimeNs', 'size', 'sha256', 'link', 'nlink'];
    for (const f of fields) if (x[f] !== y[f]) diffs.push(`${show(p)}: ${f} ${String(y[f])} instead of ${String(x[f])}`);
    if (x.dev?.join(':') !== y.dev?.join(':')) diffs.push(`${show(p)}: device numbers differ`);
    if (JSON.stringify(x.xattrs) !== JSON.stringify(y.xattrs)) diffs.push(`${show(p)}: xattrs differ`);
    // Holes: a sparse source must not come back fully allocated.
    if (x.type === 'file' && x.allocated + 64 * 1024 < x.size && y.allocated > x.allocated + 1024 * 1024) {
      diffs.push(`${show(p)}: holes lost (${y.allocated} bytes allocated instead of ${x.allocated})`);
    }
  }
  for (const p of b.keys()) if (!a.has(p) && diffs.length < limit) diffs.push(`${show(p)}: unexpected`);
  const ga = [...groups(a).values()].map((g) => g.join('\0')).sort();
  const gb = [...groups(b).values()].map((g) => g.join('\0')).sort();
  if (JSON.stringify(ga) !== JSON.stringify(gb)) diffs.push('hard-link groups differ');
  return diffs;
}
