/**
 * The two directions of the archive, as native process pipelines:
 *
 *   write:  tar --create ──pipe──▶ ballast ──pipe──▶ [zstd|gzip] ──pipe──▶ [age] ──▶ output fd
 *                                     └─ the same bytes ─▶ tap (headers → manifest lines, checksums)
 *
 *   read:   input ──▶ [age -d] ──▶ zstd -d (also gzip, or plain) ──▶ ballast gate ──▶ tar --extract
 *
 * Writing, ballast only moves 1 MiB buffers between tar (1 MiB pipes, 128 KiB
 * records) and the compressor: it writes volume.json first, holds back tar's
 * end marker, and appends README and the manifest the tap built from the
 * same bytes (in-process for CRC-32, in a worker thread for SHA-256).
 *
 * Reading, the gate is in the stream on purpose: a member reaches tar only
 * after its names were checked, its checksum is computed on the way, and the
 * manifest check happens before the caller swaps anything into place.
 */
import { appendFileSync, createReadStream, mkdirSync, mkdtempSync, readSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { startDecrypt, startEncrypt, type Decryption, type Encryption } from './age.js';
import { compressor, detectStream } from './codecs.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_MEMBER,
  README_MEMBER,
  VOLUME_MEMBER,
  README_TEXT,
  type BackupHeader,
  type ChecksumAlgorithm,
  type CompressionKind,
} from './format.js';
import { BACKUP_RECORD, TAR_CREATE_OK, backupCreateArgs, exportCreateArgs, extractArgs } from './gnu-tar.js';
import { compareWithManifest, entryLine, lineDigest, parseManifest, summaryLine, type ManifestMismatch, type ParsedManifest } from './manifest.js';
import {
  OwnedFds,
  StageError,
  enlargePipes,
  killStages,
  readPipe,
  startStage,
  writeAll,
  type Pipe,
  type Stage,
} from './procs.js';
import { createTap, type Tap } from './tap.js';
import { PathPolicy, nameComponents, type Layout } from './safety.js';
import { TarScanner, type Member } from './tar-scanner.js';
import { ArchiveFormatError, BLOCK, END_OF_ARCHIVE, fileMember, memberHeader, paddedSize } from './tar-blocks.js';

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
  /** Per-file checksum in the manifest (default crc32); the header must say the same. */
  readonly checksum?: ChecksumAlgorithm | undefined;
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
  pipes?: Pipe[],
): Promise<number> {
  let next = output;
  const spare = pipes ?? (filters.length > 0 ? await fds.pipes(filters.length) : []);
  for (let k = filters.length - 1; k >= 0; k--) {
    const p = spare.pop() as Pipe;
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

/** The first stage that failed by itself (not killed by us after something else failed). */
async function firstFailure(stages: readonly Stage[]): Promise<unknown> {
  for (const s of stages) {
    const r = await Promise.allSettled([s.done]);
    const reason: unknown = r[0]?.status === 'rejected' ? r[0].reason : undefined;
    if (reason instanceof StageError && reason.signal === null) return reason;
  }
  return undefined;
}

export async function writeBackup(o: WriteBackupOptions): Promise<WriteBackupResult> {
  const meta = mkdtempSync(join(tmpdir(), 'ballast-backup-'));
  const stages: Stage[] = [];
  const fds = new OwnedFds();
  let tap: Tap | undefined;
  try {
    const mtime = Math.floor(new Date(o.header.createdAt).getTime() / 1000);
    const manifestPath = join(meta, 'manifest.jsonl');
    const filters = writerFilters(o.compression, o.encryption);
    const pipes = await fds.pipes(1 + filters.length);
    const tarOut = pipes.pop() as Pipe;
    const chainIn = await filterChain(filters, o.output, stages, fds, pipes);
    await enlargePipes(chainIn === o.output ? [tarOut.write] : [tarOut.write, chainIn]);
    const tar = startStage('tar', 'tar', backupCreateArgs(o.dataDir), ['ignore', tarOut.write, 'pipe'], { okCodes: TAR_CREATE_OK });
    stages.push(tar);
    fds.close(tarOut.write);
    // Big reads and writes (1 MiB pipes): a thousand trips per GiB, not sixteen thousand.
    const put = (buf: Buffer): Promise<void> => writeAll(chainIn, buf);
    const tp = createTap({ manifestPath, checksum: o.header.checksum ?? 'sha256' });
    tap = tp;

    // 1. What is backed up, first: a restore knows the volume before its data.
    const volumeJson = Buffer.from(`${JSON.stringify(o.header, null, 2)}\n`);
    const volumeJsonSha256 = createHash('sha256').update(volumeJson).digest('hex');
    await put(fileMember(VOLUME_MEMBER, volumeJson, { mtime }));

    // 2. tar's stream goes on as it comes (a copy to the tap), except its end marker and the
    //    zero padding after it, which are held back: the manifest still has to follow.
    const hold = 2 * BACKUP_RECORD + 2 * BLOCK;
    const held: Buffer[] = [];
    let heldBytes = 0;
    let forwarded = 0;
    let seen = 0;
    const timer = o.onProgress ? setInterval(() => o.onProgress?.({ bytes: seen, entries: tap?.entries ?? 0 }), 250) : undefined;
    try {
      for await (const chunk of readPipe(tarOut.read)) {
        seen += chunk.length;
        const tapped = tp.push(chunk);
        held.push(chunk);
        heldBytes += chunk.length;
        while (held.length > 0 && heldBytes - (held[0] as Buffer).length >= hold) {
          const c = held.shift() as Buffer;
          heldBytes -= c.length;
          forwarded += c.length;
          await put(c);
        }
        await tapped;
      }
    } finally {
      if (timer) clearInterval(timer);
    }
    await tar.done;
    const t = await tp.end();
    tap = undefined;
    if (t.eofAt < forwarded) throw new ArchiveFormatError('tar output has no end marker');
    await put(Buffer.concat(held).subarray(0, t.eofAt - forwarded));

    // 3. How to restore by hand, the manifest (with its summary line), the end marker.
    await put(fileMember(README_MEMBER, Buffer.from(README_TEXT), { mtime }));
    appendFileSync(manifestPath, `${summaryLine({ entries: t.entries, files: t.files, bytes: t.bytes, volumeJsonSha256 })}\n`);
    const size = statSync(manifestPath).size;
    await put(memberHeader(MANIFEST_MEMBER, size, mtime));
    for await (const c of createReadStream(manifestPath, { highWaterMark: 1 << 20 })) await put(c as Buffer);
    await put(Buffer.alloc(paddedSize(size) - size));
    await put(END_OF_ARCHIVE);
    // The compressor sees EOF once our end of its pipe closes (the caller keeps `output`).
    fds.close(chainIn);
    await allDone(stages);
    o.onProgress?.({ bytes: seen, entries: t.entries });
    const warnings = tar.stderrText().split('\n').filter((l) => l.trim() !== '');
    return { entries: t.entries, files: t.files, bytes: t.bytes, tarBytes: seen, volumeJsonSha256, warnings };
  } catch (e) {
    // A process that failed by itself (age refusing a recipient …) explains a broken pipe here.
    const cause = await firstFailure(stages.filter((s) => s.child.exitCode !== null));
    killStages(stages);
    await Promise.allSettled(stages.map((s) => s.done));
    throw cause ?? e;
  } finally {
    killStages(stages);
    await tap?.abort();
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
    // input ─▶ [age -d] ─▶ zstd -d ─▶ (decoded, read here) ; this process ─▶ (toTar) ─▶ tar -x
    const [decoded, toTar] = await fds.pipes(2) as [Pipe, Pipe];
    await enlargePipes([decoded.write, toTar.write]);
    // The (possibly encrypted) bytes come from the file itself, or from a pipe this process feeds.
    let src: number;
    let feed: Pipe | undefined;
    if (o.input.kind === 'fd') src = o.input.fd;
    else {
      feed = await fds.pipe();
      src = feed.read;
    }
    if (encrypted && o.decryption) {
      const clear = await fds.pipe();
      stages.push(startDecrypt(o.decryption, src, clear.write));
      fds.close(clear.write);
      fds.close(src);
      src = clear.read;
    }
    stages.push(startStage('decompress', 'zstd', ['-q', '-d', '-c', '-f', '--pass-through'], [src, decoded.write, 'pipe']));
    fds.close(src);
    fds.close(decoded.write);
    if (feed && rest) {
      const w = feed.write;
      void (async () => {
        for await (const c of rest) await writeAll(w, c);
      })()
        .catch(() => killStages(stages))
        .finally(() => fds.close(w));
    }
    const compression: CompressionKind = encrypted ? 'none' : kind === 'gzip' ? 'gzip' : kind === 'zstd' ? 'zstd' : 'none';

    let layout: Layout | undefined = o.layout === 'auto' ? undefined : o.layout;
    let policy: PathPolicy | undefined = layout ? new PathPolicy({ layout, allowDevices: o.allowDevices ?? false }) : undefined;
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
      const t = startStage('tar', 'tar', extractArgs(dir), [toTar.read, 'ignore', 'pipe']);
      fds.close(toTar.read);
      tar = t;
      stages.push(t);
      // tar failing (disk full …) must stop the gate, which may be blocked writing to it.
      t.done.catch(() => killStages(stages));
    };
    let header: BackupHeader | undefined;
    let manifest: ParsedManifest | undefined;
    let volumeJsonSha256: string | undefined;
    const digests: string[] = [];
    let files = 0;
    let bytes = 0;
    const relIn = (name: string): string[] => {
      const c = nameComponents(name);
      return layout === 'backup' ? c.slice(1) : c;
    };
    // Plain archives have no manifest to match: the cheapest checksum will do until volume.json says otherwise.
    const scanner: TarScanner = new TarScanner(
      {
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
        onMemberDone(m: Member, digest: string | undefined) {
          if (layout === 'backup' && nameComponents(m.name)[0] !== 'data') return;
          const link = m.type === 'hardlink' ? relIn(m.linkname) : undefined;
          digests.push(lineDigest(entryLine(m, relIn(m.name), digest, link, scanner.algorithm ?? 'crc32')));
          if (m.type === 'file') {
            files++;
            bytes += m.size;
          }
        },
        onCollected(m: Member, content: Buffer) {
          const name = nameComponents(m.name).join('/');
          if (name === VOLUME_MEMBER) {
            header = parseHeader(content);
            volumeJsonSha256 = createHash('sha256').update(content).digest('hex');
            // The data that follows is checksummed the way the archive says.
            scanner.algorithm = header.checksum ?? 'sha256';
          } else if (name === MANIFEST_MEMBER) {
            try {
              manifest = parseManifest(content);
            } catch (e) {
              throw new ArchiveFormatError(`unreadable manifest: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        },
      },
      { hash: 'crc32' },
    );
    const gate = (async () => {
      const timer = o.onProgress
        ? setInterval(() => o.onProgress?.({ bytes: scanner.position, entries: scanner.members }), 250)
        : undefined;
      try {
        for await (const chunk of readPipe(decoded.read)) {
          const out = scanner.push(chunk);
          // One write per chunk: many small members would otherwise cost a syscall each.
          if (tar && out.length > 0) await writeAll(toTar.write, out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
        }
        scanner.finish();
        if (extracting && !tar) throw new ArchiveFormatError('empty archive');
      } finally {
        if (timer) clearInterval(timer);
        fds.close(toTar.write);
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
      if (m.summary.volumeJsonSha256 !== (volumeJsonSha256 ?? '')) {
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
