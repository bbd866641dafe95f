/**
 * `docker diff` from an overlay upper directory and the image's layers.
 *
 * The output follows what Docker prints on kernels where overlay2 uses its
 * "naive" diff (the merged view compared with the image), checked against
 * dockerd 20.10 on this host (`rm -rf /data; mkdir /data; …` gives
 * `C /data`, `A /data/new`, `D /data/b`, `D /data/sub`):
 *   - A: in upper, not in the image; C: in both with different mode, owner,
 *     device, or (non-directories) size or mtime; D: a whiteout over an image
 *     path, or an image path hidden by an opaque directory;
 *   - a directory holding any change is listed as C before its children
 *     (unless itself listed as A or C);
 *   - order: a depth-first walk of upper in lexical order; deletions that an
 *     opaque directory causes come after that directory's other changes;
 *   - paths of Docker's init layer (/etc/hosts, /etc/hostname,
 *     /etc/resolv.conf, /.dockerenv, …) are never reported, nor a directory
 *     added only to hold them.
 */
import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { getXattrs } from '../archive/xattr.js';
import { OVERLAY_OPAQUE_XATTR } from '../archive/extract.js';

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  /** Absolute path inside the container ("/etc/app"). */
  path: string;
}

/** Docker API `Kind` numbers for GET /containers/{id}/changes. */
export const CHANGE_KIND_CODE: Readonly<Record<ChangeKind, number>> = { C: 0, A: 1, D: 2 };

/** Docker's init layer: files it bind-mounts or creates for every container. */
export const DOCKER_INIT_PATHS: readonly string[] = [
  '/.dockerenv',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/etc/mtab',
  '/dev/console',
  '/dev/pts',
  '/dev/shm',
  '/proc',
  '/sys',
];

export interface ChangesOptions {
  /** Absolute container paths never reported (with their subtrees). Default DOCKER_INIT_PATHS. */
  exclude?: readonly string[];
}

export interface LowerLayer {
  /** The layer's diff directory. */
  path: string;
  /** Opaque directories of the layer, relative to its diff ("" = its root). */
  opaque: ReadonlySet<string>;
}

function isWhiteout(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n;
}

async function lstatMaybe(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

type LayerState =
  | { kind: 'present'; st: BigIntStats; opaque: boolean }
  | { kind: 'absent'; stop: boolean }
  | { kind: 'hidden' };

/** The image's merged view, computed from its diff directories (top first). */
class LowerView {
  private readonly cache = new Map<string, Promise<BigIntStats | undefined>>();
  constructor(private readonly layers: readonly LowerLayer[]) {}

  private lst(path: string): Promise<BigIntStats | undefined> {
    let p = this.cache.get(path);
    if (!p) {
      p = lstatMaybe(path);
      this.cache.set(path, p);
    }
    return p;
  }

  private async state(layer: LowerLayer, rel: string): Promise<LayerState> {
    const parts = rel.split('/');
    let opaqueAncestor = layer.opaque.has('');
    for (let i = 1; i < parts.length; i++) {
      const anc = parts.slice(0, i).join('/');
      const st = await this.lst(posix.join(layer.path, anc));
      if (!st) continue;
      if (isWhiteout(st) || !st.isDirectory()) return { kind: 'hidden' };
      if (layer.opaque.has(anc)) opaqueAncestor = true;
    }
    const st = await this.lst(posix.join(layer.path, rel));
    if (st) return isWhiteout(st) ? { kind: 'hidden' } : { kind: 'present', st, opaque: opaqueAncestor || layer.opaque.has(rel) };
    return { kind: 'absent', stop: opaqueAncestor };
  }

  async stat(rel: string): Promise<BigIntStats | undefined> {
    for (const layer of this.layers) {
      const s = await this.state(layer, rel);
      if (s.kind === 'present') return s.st;
      if (s.kind === 'hidden' || s.stop) return undefined;
    }
    return undefined;
  }

  /** Names in the merged image directory rel. */
  async children(rel: string): Promise<string[]> {
    const found = new Set<string>();
    const gone = new Set<string>();
    for (const layer of this.layers) {
      const s = await this.state(layer, rel);
      if (s.kind === 'hidden') break;
      if (s.kind === 'absent') {
        if (s.stop) break;
        continue;
      }
      if (!s.st.isDirectory()) break;
      for (const name of await readdir(posix.join(layer.path, rel))) {
        if (found.has(name) || gone.has(name)) continue;
        const st = await this.lst(posix.join(layer.path, rel, name));
        if (st && isWhiteout(st)) gone.add(name);
        else found.add(name);
      }
      if (s.opaque) break;
    }
    return sortNames([...found]);
  }
}

function sortNames(names: string[]): string[] {
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * moby's sameFsTimeSpec: equal seconds, and equal nanoseconds unless one side
 * has none (a file unpacked from a tar has whole seconds only).
 */
function sameTime(a: bigint, b: bigint): boolean {
  const NS = 1_000_000_000n;
  if (a / NS !== b / NS) return false;
  const na = a % NS;
  const nb = b % NS;
  return na === nb || na === 0n || nb === 0n;
}

/** moby's statDifferent: directories only by mode/owner/device, others also by size and mtime. */
function statDifferent(a: BigIntStats, b: BigIntStats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.isDirectory()) return false;
  return a.size !== b.size || !sameTime(a.mtimeNs, b.mtimeNs);
}

/**
 * @param upper  the container's upper directory
 * @param lowers the image's layers, top first
 */
export async function containerChanges(
  upper: string,
  lowers: readonly LowerLayer[],
  opts: ChangesOptions = {},
): Promise<Change[]> {
  const exclude = new Set((opts.exclude ?? DOCKER_INIT_PATHS).map((p) => p.replace(/^\/+/, '')));
  const initParents = new Set<string>();
  for (const p of exclude) for (let d = posix.dirname(p); d !== '.'; d = posix.dirname(d)) initParents.add(d);
  const lower = new LowerView(lowers);
  const opaqueUpper = new Set<string>();
  for (const [path, attrs] of await getXattrs(upper, { match: `^${OVERLAY_OPAQUE_XATTR.replace(/\./g, '\\.')}$` })) {
    if (attrs.get(OVERLAY_OPAQUE_XATTR)?.toString() === 'y') opaqueUpper.add(posix.relative(upper, path));
  }
  const changes: Change[] = [];
  const at = (rel: string): string => `/${rel}`;

  const visit = async (relDir: string, lowerHidden: boolean): Promise<void> => {
    const names = sortNames(await readdir(relDir ? posix.join(upper, relDir) : upper));
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (exclude.has(rel)) continue;
      const st = await lstat(posix.join(upper, rel), { bigint: true });
      const lst = lowerHidden ? undefined : await lower.stat(rel);
      if (isWhiteout(st)) {
        if (lst) changes.push({ kind: 'D', path: at(rel) });
        continue;
      }
      const start = changes.length;
      let listed = false;
      if (!lst) {
        changes.push({ kind: 'A', path: at(rel) });
        listed = true;
      } else if (statDifferent(lst, st)) {
        changes.push({ kind: 'C', path: at(rel) });
        listed = true;
      }
      if (!st.isDirectory()) continue;
      const opaque = opaqueUpper.has(rel);
      const lowerIsDir = lst?.isDirectory() ?? false;
      // Under an opaque directory the image's files are hidden, but Docker still compares the new
      // ones with them (a recreated file is C, not A); only the hidden rest is reported as D.
      await visit(rel, lowerHidden || !lowerIsDir);
      if (opaque && lowerIsDir) {
        for (const child of await lower.children(rel)) {
          if (exclude.has(`${rel}/${child}`)) continue;
          if (!(await lstatMaybe(posix.join(upper, rel, child)))) changes.push({ kind: 'D', path: at(`${rel}/${child}`) });
        }
      }
      if (listed && !lst && initParents.has(rel) && changes.length === start + 1) {
        changes.pop(); // only there to hold init-layer files
        continue;
      }
      if (!listed && changes.length > start) changes.splice(start, 0, { kind: 'C', path: at(rel) });
    }
  };
  await visit('', false);
  return changes;
}
