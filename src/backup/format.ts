/**
 * The ballast volume backup format, version 1.
 *
 * One archive per volume: a standard POSIX (pax) tar, compressed with zstd or
 * gzip (or not), optionally encrypted with age. Members, in this order:
 *
 *   ballast/volume.json     what was backed up: the volume's definition (name,
 *                           driver, options, labels), when, how (quiesce report)
 *   data/                   the volume root and everything under it, written by
 *   data/...                GNU tar: owners (numeric), modes, nanosecond mtimes,
 *                           xattrs and ACLs, hard links, symlinks as links,
 *                           sparse files (pax sparse 1.0), FIFOs, device nodes
 *   ballast/README.txt      how to restore by hand
 *   ballast/manifest.jsonl  one JSON line per data member (path, type, owner,
 *                           mode, mtime, size, checksum of the content — crc32
 *                           by default, sha256 on request — link target,
 *                           device numbers, xattrs), then a summary line
 *
 * By hand: `tar --zstd -xpf v.tar.zst --numeric-owner --xattrs --xattrs-include='*' -C /target --strip-components=1 data`.
 */

export const FORMAT_NAME = 'ballast-volume-backup';
export const FORMAT_VERSION = 1;

export const META_DIR = 'ballast';
export const VOLUME_MEMBER = 'ballast/volume.json';
export const README_MEMBER = 'ballast/README.txt';
export const MANIFEST_MEMBER = 'ballast/manifest.jsonl';
export const DATA_DIR = 'data';

export type CompressionKind = 'zstd' | 'gzip' | 'none';

export type { ChecksumAlgorithm } from './tar-scanner.js';
import type { ChecksumAlgorithm } from './tar-scanner.js';

export interface VolumeDefinition {
  readonly name: string;
  readonly driver: string;
  readonly options: Readonly<Record<string, string>> | null;
  readonly labels: Readonly<Record<string, string>> | null;
  /** RFC 3339. */
  readonly createdAt?: string;
}

export interface QuiescedContainer {
  readonly id: string;
  readonly name: string;
  readonly action: 'pause' | 'stop';
  /** How long the container was frozen (paused) or down (stopped). */
  readonly frozenMs: number;
}

export interface QuiesceReport {
  readonly mode: 'pause' | 'stop' | 'none';
  readonly containers: readonly QuiescedContainer[];
  /** How the consistent copy was captured: a snapshot copy, or the archive itself. */
  readonly capture: 'snapshot' | 'archive' | 'live';
  /** Wall time between the first freeze and the last thaw. */
  readonly windowMs: number;
}

export interface HookReport {
  readonly phase: 'pre' | 'post';
  readonly container: string;
  readonly command: string;
  readonly exitCode: number;
  readonly durationMs: number;
}

/** Content of ballast/volume.json. */
export interface BackupHeader {
  readonly format: typeof FORMAT_NAME;
  readonly version: number;
  readonly createdAt: string;
  readonly engine: { readonly name: 'ballast'; readonly version: string; readonly host: string };
  readonly volume: VolumeDefinition;
  readonly quiesce: QuiesceReport;
  readonly hooks: readonly HookReport[];
  /** Per-file checksum of the manifest (absent: sha256). */
  readonly checksum?: ChecksumAlgorithm;
}

/** The manifest's last line. */
export interface ManifestSummary {
  readonly summary: true;
  readonly entries: number;
  readonly files: number;
  /** Sum of regular-file content sizes (logical). */
  readonly bytes: number;
  /** sha256 of ballast/volume.json as archived. */
  readonly volumeJsonSha256: string;
}

export const README_TEXT = `This is a ballast volume backup (format ${FORMAT_NAME} v${FORMAT_VERSION}).

Restore it with ballast (checks every checksum, swaps atomically):
    ballast volume restore ARCHIVE [NAME]

Or by hand, with GNU tar, into an empty directory (as root, to keep owners):
    tar --zstd -xpf ARCHIVE --numeric-owner --xattrs --xattrs-include='*' --acls \\
        -C /target --strip-components=1 data
(use -z instead of --zstd for .tar.gz; decrypt .age files first with: age -d ...)

ballast/volume.json describes the volume (driver, options, labels);
ballast/manifest.jsonl lists every entry under data/ with its sha256.
`;
