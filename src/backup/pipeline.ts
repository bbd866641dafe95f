/**
 * The two directions of the archive, as native process pipelines:
 *
 *   write:  tar --create ──pipe──▶ tee ──pipe──▶ [zstd|gzip] ──pipe──▶ [age] ──▶ output fd
 *                                   └──pipe──▶ ballast (parse headers, sha256 per file → manifest)
 *
 *   read:   input ──▶ [age -d] ──▶ zstd -d (also gzip, or plain) ──▶ ballast gate ──▶ tar --extract
 *
 * Writing, JS never sits between tar and the compressor: the tap reads a copy
 * and only hashes. tar takes its names from stdin; the manifest's name is
 * handed over once the tap has hashed everything before README.txt, so the
 * manifest lands in the same archive, after the data it describes.
 *
 * Reading, the gate is in the stream on purpose: a member reaches tar only
 * after its names were checked, and the manifest check happens before the
 * caller swaps anything into place.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, readSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { startDecrypt, startEncrypt, type Decryption, type Encryption } from './age.js';
import { compressor, detectStream } from './codecs.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_MEMBER,
  README_MEMBER,
  VOLUME_MEMBER,
  readmeContent,
  type BackupHeader,
  type CompressionKind,
} from './format.js';
import { TAR_CREATE_OK, backupCreateArgs, backupNameList, exportCreateArgs, extractArgs } from './gnu-tar.js';
import { compareWithManifest, entryLine, lineDigest, parseManifest, summaryLine, type ManifestMismatch, type ParsedManifest } from './manifest.js';
import { OwnedFds, killStages, startStage, type Stage } from './procs.js';
import { PathPolicy, nameComponents, type Layout } from './safety.js';
import { TarScanner, type Member } from './tar-scanner.js';
import { ArchiveFormatError } from './tar-blocks.js';

export interface Progress {
  /** Bytes of (uncompressed) tar stream processed. */
  readonly bytes: number;
  /** Members processed. */
  readonly entries: number;
}

export interface WriteBackupOptions {
  readonly dataDir: string;
  readonly header: BackupHeader;
  readonly compression: CompressionKind;
  readonly encryption?: Encryption | undefined;
  /** Where the archive goes (a file or a pipe); not closed here. */
  readonly output: number;
  readonly onProgress?: ((p: Progress) => void) | undefined;
}

export interface WriteBackupResult {
  readonly entries: number;
  readonly files: number;
  /** Content bytes of regular files. */
  readonly bytes: number;
  readonly tarBytes: number;
  readonly volumeJsonSha256: string;
  /** tar's complaints about files that changed while read (exit status 1). */
  readonly warnings: string[];
}

export class ChecksumError extends Error {
  constructor(
    message: string,
    readonly mismatches: readonly ManifestMismatch[],
  ) {
    super(message);
    this.name = 'ChecksumError';
  }
}

/** Builds writer stages from the end: returns the fd the first stage must write to. */
async function filterChain(
  filters: Array<(input: number, output: number) => Stage>,
  output: number,
  stages: Stage[],
  fds: OwnedFds,
): Promise<number> {
  let next = output;
  for (let k = filters.length - 1; k >= 0; k--) {
    const p = await fds.pipe();
    const f = filters[k] as (input: number, output: number) => Stage;
    stages.push(f(p.read, next));
    fds.close(p.read);
    fds.close(next);
    next = p.write;
  }
  return next;
}

function writerFilters(compression: CompressionKind, encryption: Encryption | undefined): Array<(i: number, o: number) => Stage> {
  const filters: Array<(i: number, o: number) => Stage> = [];
  const comp = compressor(compression);
  if (comp) filters.push((i, o) => startStage(comp[0], comp[0], comp[1], [i, o, 'pipe']));
  if (encryption) filters.push((i, o) => startEncrypt(encryption, i, o));
  return filters;
}

async function allDone(stages: readonly Stage[], extra: Promise<unknown>[] = []): Promise<void> {
  try {
    await Promise.all([...stages.map((s) => s.done), ...extra]);
  } catch (e) {
    killStages(stages);
    await Promise.allSettled(stages.map((s) => s.done));
    throw e;
  }
}

async function firstFailure(stages: readonly Stage[]): Promise<unknown> {
  for (const s of stages) {
    const r = await Promise.allSettled([s.done]);
    if (r[0]?.status === 'rejected') return r[0].reason;
  }
  return undefined;
}

function relOf(name: string): string[] {
  return nameComponents(name).slice(1);
}

export async function writeBackup(o: WriteBackupOptions): Promise<WriteBackupResult> {
  const meta = mkdtempSync(join(tmpdir(), 'ballast-backup-'));
  const stages: Stage[] = [];
  const fds = new OwnedFds();
  let tap: Socket | undefined;
  try {
    mkdirSync(join(meta, 'ballast'), { mode: 0o755 });
    const when = new Date(o.header.createdAt);
    const metaFile = (member: string, content: Buffer | string): void => {
      writeFileSync(join(meta, member), content, { mode: 0o644 });
      utimesSync(join(meta, member), when, when);
    };
    metaFile(VOLUME_MEMBER, `${JSON.stringify(o.header, null, 2)}\n`);
    metaFile(README_MEMBER, readmeContent());
    const manifestPath = join(meta, MANIFEST_MEMBER);
    const manifest = createWriteStream(manifestPath, { mode: 0o644 });

    const side = await fds.pipe();
    const teeIn = await fds.pipe();
    const chainIn = await filterChain(writerFilters(o.compression, o.encryption), o.output, stages, fds);
    stages.push(startStage('tee', 'tee', ['/dev/fd/3'], [teeIn.read, chainIn, 'pipe', side.write]));
    fds.close(teeIn.read);
    fds.close(side.write);
    fds.close(chainIn);
    const tar = startStage('tar', 'tar', backupCreateArgs(), ['pipe', teeIn.write, 'pipe'], { okCodes: TAR_CREATE_OK });
    stages.push(tar);
    fds.close(teeIn.write);
    tar.child.stdin?.on('error', () => undefined);
    tar.child.stdin?.write(backupNameList(meta, o.dataDir, VOLUME_MEMBER, README_MEMBER));

    let entries = 0;
    let files = 0;
    let bytes = 0;
    let volumeJsonSha256 = '';
    let sawReadme = false;
    let manifestHandedOver: Promise<void> | undefined;
    const handOver = async (): Promise<void> => {
      manifest.end(`${summaryLine({ entries, files, bytes, volumeJsonSha256 })}\n`);
      await once(manifest, 'finish');
      utimesSync(manifestPath, when, when);
      tar.child.stdin?.end(`${MANIFEST_MEMBER}\n`);
    };
    const scanner = new TarScanner({
      onMember(m: Member) {
        if (m.name === README_MEMBER) {
          sawReadme = true;
          manifestHandedOver = handOver();
          manifestHandedOver.catch(() => undefined);
        }
        return 'skip';
      },
      onMemberDone(m: Member, sha: string | undefined) {
        if (m.name === VOLUME_MEMBER) {
          volumeJsonSha256 = sha ?? '';
          return;
        }
        if (sawReadme || m.name === MANIFEST_MEMBER) return;
        const link = m.type === 'hardlink' ? relOf(m.linkname) : undefined;
        manifest.write(`${entryLine(m, relOf(m.name), sha, link)}\n`);
        entries++;
        if (m.type === 'file') {
          files++;
          bytes += m.size;
        }
      },
    });
    tap = new Socket({ fd: side.read, readable: true, writable: false });
    fds.release(side.read);
    const tapDone = (async () => {
      const timer = o.onProgress
        ? setInterval(() => o.onProgress?.({ bytes: scanner.position, entries: scanner.members }), 250)
        : undefined;
      try {
        for await (const chunk of tap as AsyncIterable<Buffer>) scanner.push(chunk);
        scanner.finish();
      } finally {
        if (timer) clearInterval(timer);
      }
      if (!sawReadme) throw new ArchiveFormatError('tar ended before the end marker');
      await manifestHandedOver;
    })();
    tapDone.catch(() => killStages(stages));
    await allDone(stages, [tapDone]);
    o.onProgress?.({ bytes: scanner.position, entries: scanner.members });
    const warnings = tar.stderrText().split('\n').filter((l) => l.trim() !== '');
    return { entries, files, bytes, tarBytes: scanner.position, volumeJsonSha256, warnings };
  } finally {
    killStages(stages);
    tap?.destroy();
    fds.closeAll();
    rmSync(meta, { recursive: true, force: true });
  }
}

export interface WriteExportOptions {
  readonly dataDir: string;
  readonly output: number;
  readonly compression?: CompressionKind;
}

/** A plain tar of a directory's content (optionally compressed), straight from tar to `output`. */
export async function writeExport(o: WriteExportOptions): Promise<{ warnings: string[] }> {
  const stages: Stage[] = [];
  const fds = new OwnedFds();
  try {
    const chainIn = await filterChain(writerFilters(o.compression ?? 'none', undefined), o.output, stages, fds);
    const tar = startStage('tar', 'tar', exportCreateArgs(o.dataDir), ['ignore', chainIn, 'pipe'], { okCodes: TAR_CREATE_OK });
    stages.push(tar);
    fds.close(chainIn);
    await allDone(stages);
    return { warnings: tar.stderrText().split('\n').filter((l) => l.trim() !== '') };
  } finally {
    killStages(stages);
    fds.closeAll();
  }
}

export type ArchiveInput =
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'stream'; readonly stream: Readable };

export interface ReadArchiveOptions {
  readonly input: ArchiveInput;
  readonly decryption?: Decryption | undefined;
  /** 'auto': a ballast backup if the first member is ballast/volume.json, else a plain tar. */
  readonly layout: Layout | 'auto';
  /**
   * Extract into this (existing, empty) directory; the volume root is
   * always <dir>/data. Absent: verify only.
   */
  readonly extractTo?: string | undefined;
  readonly allowDevices?: boolean | undefined;
  /** Fail unless a manifest was present and matched (backups). */
  readonly requireManifest?: boolean | undefined;
  readonly onProgress?: ((p: Progress) => void) | undefined;
}

export interface ReadArchiveResult {
  readonly layout: Layout;
  readonly header: BackupHeader | undefined;
  /** Where the volume root is (extraction only). */
  readonly root: string | undefined;
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
  readonly tarBytes: number;
  /** A manifest was present and every entry matched it. */
  readonly verified: boolean;
  readonly encrypted: boolean;
  readonly compression: CompressionKind;
  /** Manifest lines (for restore tests), when present. */
  readonly manifest: ParsedManifest | undefined;
}

async function headOf(input: ArchiveInput): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> | undefined }> {
  if (input.kind === 'fd') {
    const head = Buffer.alloc(64);
    const n = readSync(input.fd, head, 0, 64, 0);
    return { head: head.subarray(0, n), rest: undefined };
  }
  const it = (input.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < 64) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, rest: rest() };
}

async function pump(src: AsyncIterable<Buffer>, dst: Writable): Promise<void> {
  for await (const chunk of src) {
    if (!dst.write(chunk)) await once(dst, 'drain');
  }
  dst.end();
}

export async function readArchive(o: ReadArchiveOptions): Promise<ReadArchiveResult> {
  const stages: Stage[] = [];
  const fds = new OwnedFds();
  try {
    const { head, rest } = await headOf(o.input);
    const kind = detectStream(head);
    if (kind === 'age-armor') throw new ArchiveFormatError('armored age files are not supported: use binary age output');
    const encrypted = kind === 'age';
    if (encrypted && !o.decryption) {
      throw new ArchiveFormatError('the archive is encrypted: an age identity or passphrase is needed');
    }
    // The (possibly encrypted) bytes come from the file itself, or from a pipe Node feeds.
    let src: number | 'pipe' = o.input.kind === 'fd' ? o.input.fd : 'pipe';
    let feeder: Writable | undefined;
    if (encrypted && o.decryption) {
      const out = await fds.pipe();
      let ageIn: number;
      if (src === 'pipe') {
        const q = await fds.pipe();
        feeder = new Socket({ fd: q.write, readable: false, writable: true });
        fds.release(q.write);
        ageIn = q.read;
      } else {
        ageIn = src;
      }
      stages.push(startDecrypt(o.decryption, ageIn, out.write));
      fds.close(out.write);
      fds.close(ageIn);
      src = out.read;
    }
    const decomp = startStage('decompress', 'zstd', ['-q', '-d', '-c', '-f', '--pass-through'], [src, 'pipe', 'pipe']);
    stages.push(decomp);
    if (typeof src === 'number') fds.close(src);
    if (src === 'pipe') {
      feeder = decomp.child.stdin as Writable;
      feeder.on('error', () => undefined);
    }
    if (feeder && rest) {
      const f = feeder;
      void pump(rest, f).catch(() => killStages(stages));
    }
    const compression: CompressionKind = encrypted ? 'none' : kind === 'gzip' ? 'gzip' : kind === 'zstd' ? 'zstd' : 'none';

    let layout: Layout | undefined = o.layout === 'auto' ? undefined : o.layout;
    let policy: PathPolicy | undefined = layout ? new PathPolicy({ layout, allowDevices: o.allowDevices ?? false }) : undefined;
    const source = decomp.child.stdout as Readable;
    let tar: Stage | undefined;
    const extracting = o.extractTo !== undefined;
    // tar starts with the first member, once the layout is known: backups carry
    // their root as "data/"; a plain tar's root is "." and goes into <dir>/data.
    const startTar = (): void => {
      if (!extracting || tar) return;
      let dir = o.extractTo as string;
      if (layout === 'plain') {
        dir = join(dir, 'data');
        mkdirSync(dir, { mode: 0o755 });
      }
      const t = startStage('tar', 'tar', extractArgs(dir), ['pipe', 'ignore', 'pipe']);
      tar = t;
      stages.push(t);
      t.child.stdin?.on('error', () => undefined);
      // tar failing (disk full …) must stop the gate, which may be waiting for it to drain.
      t.done.catch((e: unknown) => {
        killStages(stages);
        source.destroy(e instanceof Error ? e : new Error(String(e)));
      });
    };
    let header: BackupHeader | undefined;
    let manifest: ParsedManifest | undefined;
    let volumeJsonSha: string | undefined;
    const digests: string[] = [];
    let files = 0;
    let bytes = 0;
    const relIn = (name: string): string[] => {
      const c = nameComponents(name);
      return layout === 'backup' ? c.slice(1) : c;
    };
    const scanner = new TarScanner({
      onMember(m: Member) {
        if (layout === undefined) {
          const first = nameComponents(m.name).join('/');
          layout = first === VOLUME_MEMBER ? 'backup' : 'plain';
          policy = new PathPolicy({ layout, allowDevices: o.allowDevices ?? false });
        }
        startTar();
        const c = (policy as PathPolicy).check(m);
        if (c.kind === 'meta') return c.name === VOLUME_MEMBER || c.name === MANIFEST_MEMBER ? 'collect' : 'skip';
        return extracting ? 'forward' : 'skip';
      },
      onMemberDone(m: Member, sha: string | undefined) {
        if (layout === 'backup' && nameComponents(m.name)[0] !== 'data') {
          if (nameComponents(m.name).join('/') === VOLUME_MEMBER) volumeJsonSha = sha;
          return;
        }
        const link = m.type === 'hardlink' ? relIn(m.linkname) : undefined;
        digests.push(lineDigest(entryLine(m, relIn(m.name), sha, link)));
        if (m.type === 'file') {
          files++;
          bytes += m.size;
        }
      },
      onCollected(m: Member, content: Buffer) {
        const name = nameComponents(m.name).join('/');
        if (name === VOLUME_MEMBER) header = parseHeader(content);
        else if (name === MANIFEST_MEMBER) {
          try {
            manifest = parseManifest(content);
          } catch (e) {
            throw new ArchiveFormatError(`unreadable manifest: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      },
    });
    const gate = (async () => {
      const timer = o.onProgress
        ? setInterval(() => o.onProgress?.({ bytes: scanner.position, entries: scanner.members }), 250)
        : undefined;
      try {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          const out = scanner.push(chunk);
          const sink = tar?.child.stdin ?? undefined;
          if (!sink || out.length === 0) continue;
          // One write per chunk: many small members would otherwise cost a syscall each.
          if (!sink.write(out.length === 1 ? out[0] : Buffer.concat(out))) await once(sink, 'drain');
        }
        scanner.finish();
        if (extracting && !tar) throw new ArchiveFormatError('empty archive');
        tar?.child.stdin?.end();
      } finally {
        if (timer) clearInterval(timer);
      }
    })();
    gate.catch(() => killStages(stages));
    // tar joins the stages once the first member arrives; wait for the gate first.
    try {
      await allDone(stages, [gate]);
      if (tar) await allDone([tar]);
    } catch (e) {
      // A failed decryption or decompression shows up downstream as a short archive: report the cause.
      const upstream = await firstFailure(stages.filter((s) => s.name === 'age' || s.name === 'decompress'));
      throw upstream ?? e;
    }
    o.onProgress?.({ bytes: scanner.position, entries: scanner.members });

    const finalLayout: Layout = layout ?? 'plain';
    let verified = false;
    if (manifest) {
      const m = manifest;
      const mismatches = compareWithManifest(digests, m);
      if (m.summary.volumeJsonSha256 !== (volumeJsonSha ?? '')) {
        mismatches.unshift({ index: -1, path: VOLUME_MEMBER, reason: 'volume definition differs from the manifest' });
      }
      if (mismatches.length > 0) {
        const first = mismatches[0] as ManifestMismatch;
        throw new ChecksumError(
          `archive does not match its manifest: ${first.path}: ${first.reason}${mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : ''}`,
          mismatches,
        );
      }
      verified = true;
    } else if (o.requireManifest || finalLayout === 'backup') {
      throw new ArchiveFormatError('the archive has no manifest (truncated, or not a ballast backup)');
    }
    if (finalLayout === 'backup' && !header) throw new ArchiveFormatError('the archive has no ballast/volume.json');
    const root = extracting ? join(o.extractTo as string, 'data') : undefined;
    return {
      layout: finalLayout,
      header,
      root,
      entries: digests.length,
      files,
      bytes,
      tarBytes: scanner.position,
      verified,
      encrypted,
      compression,
      manifest,
    };
  } finally {
    killStages(stages);
    fds.closeAll();
  }
}

export function parseHeader(content: Buffer): BackupHeader {
  let v: unknown;
  try {
    v = JSON.parse(content.toString('utf8'));
  } catch {
    throw new ArchiveFormatError('ballast/volume.json is not JSON');
  }
  const h = v as Partial<BackupHeader>;
  if (h.format !== FORMAT_NAME) throw new ArchiveFormatError('not a ballast volume backup');
  if (typeof h.version !== 'number' || h.version > FORMAT_VERSION) {
    throw new ArchiveFormatError(`backup format version ${String(h.version)} is newer than this ballast understands`);
  }
  if (!h.volume || typeof h.volume.name !== 'string' || typeof h.volume.driver !== 'string') {
    throw new ArchiveFormatError('ballast/volume.json has no volume definition');
  }
  return h as BackupHeader;
}
