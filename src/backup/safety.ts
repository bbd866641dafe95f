/**
 * What an archive may do to the directory it is extracted into. Checked per
 * member before tar sees it (the scanner is a gate), over every name GNU tar
 * could use for the member:
 *   - no absolute names and no ".." components (refused, not rewritten);
 *   - nothing is written through a symlink the archive made (a member whose
 *     path runs through an earlier symlink, or through a hard link to one);
 *   - hard links point at an earlier member of the same archive, inside it;
 *   - block and character devices only when asked;
 *   - the root is a directory; in the backup layout, data lives under data/.
 * Symlink targets themselves are data and are kept whatever they say: a link
 * to /etc/passwd means the container's file, and is never followed here.
 */
import { DATA_DIR, META_DIR } from './format.js';
import { printable, type Member, type MemberType } from './tar-scanner.js';

export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

export type Layout = 'backup' | 'plain';

export interface PolicyOptions {
  readonly layout: Layout;
  readonly allowDevices?: boolean;
}

/** Components of a member name, or an error for absolute names and "..". */
export function nameComponents(raw: string): string[] {
  if (raw === '') throw new UnsafeArchiveError('empty member name');
  if (raw.startsWith('/')) throw new UnsafeArchiveError(`absolute member name refused: ${printable(raw)}`);
  if (raw.includes('\0')) throw new UnsafeArchiveError(`member name with a NUL byte refused: ${printable(raw)}`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UnsafeArchiveError(`member name with "..": ${printable(raw)}`);
  return parts;
}

export type Classified =
  | { readonly kind: 'meta'; readonly name: string }
  | { readonly kind: 'data'; readonly rel: readonly string[] };

export class PathPolicy {
  private readonly symlinks = new Set<string>();
  private readonly seen = new Map<string, MemberType>();

  constructor(private readonly opts: PolicyOptions) {}

  /** Classifies and checks one member; throws UnsafeArchiveError when it must not be extracted. */
  check(m: Member): Classified {
    const comps = m.names.map((n) => nameComponents(n));
    // A sparse member's placeholder name is only used by tars that ignore pax; it must still stay inside.
    m.decoys.forEach((n) => nameComponents(n));
    const first = comps[0] as string[];
    if (this.opts.layout === 'backup' && first[0] === META_DIR && first.length === 2) {
      if (m.type !== 'file') throw new UnsafeArchiveError(`metadata member is not a file: ${printable(m.name)}`);
      return { kind: 'meta', name: first.join('/') };
    }
    const rels = comps.map((c) => this.dataRel(c, m.name));
    for (const rel of rels) this.noSymlinkOnTheWay(rel, m.name);
    const rel = rels[0] as string[];
    const key = rel.join('/');
    if (rel.length === 0 && m.type !== 'dir') {
      throw new UnsafeArchiveError(`the volume root in the archive is not a directory (${m.type})`);
    }
    if ((m.type === 'char' || m.type === 'block') && !this.opts.allowDevices) {
      throw new UnsafeArchiveError(`device node refused (allow device nodes to restore it): ${printable(m.name)}`);
    }
    let linksToSymlink = false;
    if (m.type === 'hardlink') {
      const target = this.dataRel(nameComponents(m.linkname), m.linkname);
      this.noSymlinkOnTheWay(target, m.linkname);
      const tkey = target.join('/');
      const ttype = this.seen.get(tkey);
      if (ttype === undefined) {
        throw new UnsafeArchiveError(
          `hard link to a path outside the archive: ${printable(m.name)} -> ${printable(m.linkname)}`,
        );
      }
      if (ttype === 'dir') throw new UnsafeArchiveError(`hard link to a directory: ${printable(m.name)}`);
      linksToSymlink = this.symlinks.has(tkey);
    }
    if (m.type === 'symlink' || linksToSymlink) {
      for (const r of rels) this.symlinks.add(r.join('/'));
    }
    for (const r of rels) this.seen.set(r.join('/'), m.type === 'hardlink' ? (linksToSymlink ? 'symlink' : 'file') : m.type);
    this.seen.set(key, m.type === 'hardlink' ? (linksToSymlink ? 'symlink' : 'file') : m.type);
    return { kind: 'data', rel };
  }

  private dataRel(comps: string[], raw: string): string[] {
    if (this.opts.layout === 'plain') return comps;
    if (comps[0] !== DATA_DIR) throw new UnsafeArchiveError(`unexpected member outside data/: ${printable(raw)}`);
    return comps.slice(1);
  }

  private noSymlinkOnTheWay(rel: readonly string[], raw: string): void {
    for (let i = 1; i < rel.length; i++) {
      if (this.symlinks.has(rel.slice(0, i).join('/'))) {
        throw new UnsafeArchiveError(`member path runs through a symlink in the archive: ${printable(raw)}`);
      }
    }
  }
}
