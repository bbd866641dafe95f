/**
 * The manifest: one canonical JSON line per data member, computed the same way
 * when the archive is written (from the tar stream tar produced) and when it
 * is read back (from the stream being restored or verified), so verification
 * is a comparison of lines. Paths are relative to the volume root ("." is the
 * root); names that are not valid UTF-8 are carried as base64.
 */
import { createHash } from 'node:crypto';
import { byteString, utf8OrUndefined } from './tar-blocks.js';
import type { ChecksumAlgorithm, Member } from './tar-scanner.js';
import type { ManifestSummary } from './format.js';

export interface ManifestEntry {
  path?: string;
  pathB64?: string;
  type: Member['type'];
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
  size: number;
  crc32?: string;
  sha256?: string;
  link?: string;
  linkB64?: string;
  dev?: [number, number];
  /** name → base64 value */
  xattrs?: Record<string, string>;
  sparse?: true;
}

export function relText(rel: readonly string[]): string {
  return rel.length === 0 ? '.' : rel.join('/');
}

/** Canonical line for a data member (no trailing newline). */
export function entryLine(
  m: Member,
  rel: readonly string[],
  digest: string | undefined,
  linkRel: readonly string[] | undefined,
  algorithm: ChecksumAlgorithm,
): string {
  const path = relText(rel);
  const e: ManifestEntry = { type: m.type, mode: m.mode, uid: m.uid, gid: m.gid, mtime: m.mtime, size: m.size };
  const text = utf8OrUndefined(path);
  const out: Record<string, unknown> = text !== undefined ? { path: text } : { pathB64: Buffer.from(path, 'latin1').toString('base64') };
  Object.assign(out, e);
  if (digest !== undefined) out[algorithm] = digest;
  if (m.type === 'symlink' || m.type === 'hardlink') {
    const link = m.type === 'hardlink' && linkRel ? relText(linkRel) : m.linkname;
    const lt = utf8OrUndefined(link);
    if (lt !== undefined) out['link'] = lt;
    else out['linkB64'] = Buffer.from(link, 'latin1').toString('base64');
  }
  if (m.type === 'char' || m.type === 'block') out['dev'] = [m.devmajor, m.devminor];
  if (m.xattrs.length > 0) {
    out['xattrs'] = Object.fromEntries(m.xattrs.map(([k, v]) => [k, Buffer.from(v, 'latin1').toString('base64')]));
  }
  if (m.sparse) out['sparse'] = true;
  return JSON.stringify(out);
}

export function lineDigest(line: string): string {
  return createHash('sha256').update(line).digest('base64').slice(0, 22);
}

export function summaryLine(s: Omit<ManifestSummary, 'summary'>): string {
  return JSON.stringify({ summary: true, ...s });
}

/** Path of a manifest line, for messages. */
export function entryPath(e: ManifestEntry): string {
  if (e.path !== undefined) return e.path;
  return Buffer.from(e.pathB64 ?? '', 'base64').toString('utf8');
}

/** Path of an entry as a byte string (for comparison with what is on disk). */
export function entryPathBytes(e: ManifestEntry): string {
  if (e.path !== undefined) return byteString(e.path);
  return Buffer.from(e.pathB64 ?? '', 'base64').toString('latin1');
}

export function entryLinkBytes(e: ManifestEntry): string | undefined {
  if (e.link !== undefined) return byteString(e.link);
  if (e.linkB64 !== undefined) return Buffer.from(e.linkB64, 'base64').toString('latin1');
  return undefined;
}

export interface ParsedManifest {
  readonly lines: string[];
  readonly summary: ManifestSummary;
}

export function parseManifest(content: Buffer): ParsedManifest {
  const text = content.toString('utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const last = lines.pop();
  if (last === undefined) throw new Error('empty manifest');
  const summary = JSON.parse(last) as ManifestSummary;
  if (summary.summary !== true || typeof summary.entries !== 'number') throw new Error('manifest has no summary line');
  if (summary.entries !== lines.length) throw new Error('manifest summary does not match its entries');
  return { lines, summary };
}

export interface ManifestMismatch {
  readonly index: number;
  readonly path: string;
  readonly reason: string;
}

/**
 * Compares what was read (digests of canonical lines, in order) with the
 * manifest. Returns the first mismatches (at most `limit`).
 */
export function compareWithManifest(readDigests: readonly string[], manifest: ParsedManifest, limit = 10): ManifestMismatch[] {
  const out: ManifestMismatch[] = [];
  const n = Math.max(readDigests.length, manifest.lines.length);
  for (let i = 0; i < n && out.length < limit; i++) {
    const line = manifest.lines[i];
    const got = readDigests[i];
    if (line === undefined) {
      out.push({ index: i, path: `#${i}`, reason: 'entry missing from the manifest' });
      continue;
    }
    if (got === undefined) {
      out.push({ index: i, path: entryPath(JSON.parse(line) as ManifestEntry), reason: 'entry missing from the archive' });
      continue;
    }
    if (lineDigest(line) !== got) {
      out.push({ index: i, path: entryPath(JSON.parse(line) as ManifestEntry), reason: 'content or metadata differs from the manifest' });
    }
  }
  return out;
}
