/**
 * Backup use cases: backup, export, restore, import, verify, clone and
 * retention. Volumes are held (acquire/release) for as long as their data is
 * read or written, so driver-backed volumes stay mounted; consistency comes
 * from hooks and quiescing (pause/stop) the containers that use a volume.
 *
 * Restores and imports never touch the target until the whole archive was
 * extracted beside it and checked; then a journaled swap puts it in place
 * (restore-txn.ts). Plain local volumes swap atomically; driver-backed ones
 * (tmpfs, images, network filesystems) get the verified content copied in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, createReadStream, existsSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AgeInputError, type Decryption, type Encryption } from '../../backup/age.js';
import { extensionFor } from '../../backup/codecs.js';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  type BackupHeader,
  type ChecksumAlgorithm,
  type CompressionKind,
  type HookReport,
  type QuiesceReport,
  type VolumeDefinition,
} from '../../backup/format.js';
import {
  ChecksumError,
  readArchive,
  writeBackup,
  writeExport,
  type ArchiveInput,
  type Progress,
  type ReadArchiveResult,
} from '../../backup/pipeline.js';
import { StageError, closeFd, makePipe } from '../../backup/procs.js';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { archiveFileName, parseArchiveFileName, selectForDeletion, type ArchiveFile, type RetentionPolicy, hasPolicy } from '../../backup/retention.js';
import { UnsafeArchiveError } from '../../backup/safety.js';
import { ArchiveFormatError } from '../../backup/tar-blocks.js';
import { compareTreeWithManifest, snapshotTree } from '../../backup/tree-compare.js';
import { EngineError, conflict, internal, invalidArgument, messageOf, notFound } from '../../domain/errors.js';
import type { Volume } from '../../domain/volume.js';
import { fsyncPath } from '../../lib/durable.js';
import { run } from '../../lib/exec.js';
import type { Logger } from '../../lib/logger.js';
import { copyTree } from '../../storage/volumes/tree-copy.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { ContainerControl, ContainerUse } from './container-control.js';
import { VolumeLocks } from './locks.js';
import { HookFailed, freeze, runHooks, type Hook, type QuiesceMode } from './quiesce.js';
import { HOLDER_PREFIX, RestoreTxn, SNAPSHOT_PREFIX } from './restore-txn.js';

export interface BackupServiceDeps {
  readonly volumesDir: string;
  readonly volumes: VolumeService;
  readonly control: () => ContainerControl;
  readonly log: Logger;
  readonly engineVersion: string;
}

export interface BackupRequest {
  readonly volume: string;
  readonly compression: CompressionKind;
  readonly encryption?: Encryption | undefined;
  /** Per-file checksum in the manifest (default crc32). */
  readonly checksum?: ChecksumAlgorithm | undefined;
  readonly quiesce: QuiesceMode;
  readonly preExec: readonly Hook[];
  readonly postExec: readonly Hook[];
}

export interface BackupSummary {
  readonly volume: string;
  readonly createdAt: string;
  readonly compression: CompressionKind;
  readonly encrypted: boolean;
  readonly entries: number;
  readonly files: number;
  /** Content bytes of regular files. */
  readonly bytes: number;
  readonly tarBytes: number;
  readonly durationMs: number;
  readonly quiesce: QuiesceReport;
  readonly hooks: readonly HookReport[];
  readonly warnings: readonly string[];
  /** Set when the daemon wrote the archive to a file. */
  readonly file?: string;
  readonly archiveBytes?: number;
  readonly sha256?: string;
}

export interface RestoreRequest {
  /** Target volume; default: the name recorded in the archive. */
  readonly name?: string | undefined;
  /** 'backup' for restore; 'auto' for import (plain tar or backup). */
  readonly layout: 'backup' | 'auto';
  /** Stop (and afterwards start) running containers that use the volume. */
  readonly stopUsers: boolean;
  readonly allowDevices: boolean;
  readonly decryption?: Decryption | undefined;
  /** Create a missing volume as a plain local one (recorded labels kept, driver options not). */
  readonly plain?: boolean | undefined;
}

export interface RestoreSummary {
  readonly volume: string;
  readonly created: boolean;
  readonly layout: 'backup' | 'plain';
  readonly verified: boolean;
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
  readonly durationMs: number;
  readonly stopped: readonly string[];
  readonly atomic: boolean;
  readonly definition: VolumeDefinition | undefined;
}

export interface VerifySummary {
  readonly verified: boolean;
  readonly encrypted: boolean;
  readonly compression: CompressionKind;
  readonly entries: number;
  readonly files: number;
  readonly bytes: number;
  readonly header: BackupHeader | undefined;
  readonly restoreTest?: { readonly ok: boolean; readonly differences: readonly string[] };
  readonly durationMs: number;
}

export interface CloneSummary {
  readonly source: string;
  readonly target: string;
  readonly durationMs: number;
  readonly quiesce: QuiesceReport;
  readonly atomic: boolean;
}

export interface PruneSummary {
  readonly deleted: string[];
  readonly kept: string[];
  /** Per volume: the newest archive that verified (never deleted). */
  readonly protected: Record<string, string | null>;
  readonly warnings: string[];
}

type ProgressFn = ((p: Progress) => void) | undefined;

export class BackupService {
  private readonly locks = new VolumeLocks();

  constructor(private readonly deps: BackupServiceDeps) {}

  private get log(): Logger {
    return this.deps.log;
  }

  /** Fails early (before any response is sent) for what can be checked up front. */
  precheckBackup(req: BackupRequest): Volume {
    return this.deps.volumes.inspect(req.volume);
  }

  /** Rough size of a volume for progress (apparent bytes, entries). */
  async estimate(name: string): Promise<{ bytes: number; entries: number }> {
    const dir = this.deps.volumes.dataPath(name);
    const [b, n] = await Promise.all([
      run('du', ['-s', '-B1', '--apparent-size', dir]),
      run('du', ['-s', '--inodes', dir]),
    ]);
    const entries = Number(n.stdout.split('\t')[0]) || 0;
    // Progress counts tar's stream: content plus about a header and padding per entry.
    return { bytes: (Number(b.stdout.split('\t')[0]) || 0) + entries * 1024, entries };
  }

  async backup(req: BackupRequest, output: number, onProgress?: ProgressFn): Promise<BackupSummary> {
    const t0 = Date.now();
    const v = this.deps.volumes.inspect(req.volume);
    const unlock = this.locks.shared(v.name);
    const id = randomBytes(6).toString('hex');
    const holder = `${HOLDER_PREFIX}${id}`;
    let snapshot: string | undefined;
    let held = false;
    try {
      const dataDir = await this.deps.volumes.acquire(v.name, holder);
      held = true;
      const control = this.deps.control();
      const hooks: HookReport[] = [...(await runHooks(control, req.preExec, 'pre'))];
      let source = dataDir;
      let quiesce: QuiesceReport = { mode: req.quiesce, containers: [], capture: 'live', windowMs: 0 };
      if (req.quiesce !== 'none') {
        const users = await control.usersOf(v.name);
        if (users.some((u) => u.running && !u.paused)) {
          // Frozen only while a snapshot copy is taken (a reflink clone where the filesystem can).
          const f0 = Date.now();
          const f = await freeze(control, users, req.quiesce);
          let containers;
          try {
            snapshot = join(this.deps.volumesDir, `${SNAPSHOT_PREFIX}${id}`);
            await copyTree(dataDir, snapshot, { devices: 'copy' });
          } finally {
            containers = await f.thaw();
          }
          quiesce = { mode: req.quiesce, containers, capture: 'snapshot', windowMs: Date.now() - f0 };
          source = snapshot;
        }
      }
      const header: BackupHeader = {
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        engine: { name: 'ballast', version: this.deps.engineVersion, host: hostname() },
        volume: definitionOf(v),
        quiesce,
        hooks,
        checksum: req.checksum ?? 'crc32',
      };
      const r = await writeBackup({
        dataDir: source,
        header,
        compression: req.compression,
        encryption: req.encryption,
        output,
        onProgress,
      });
      hooks.push(...(await runHooks(control, req.postExec, 'post')));
      this.log.info('volume backed up', { volume: v.name, entries: r.entries, bytes: r.bytes, ms: Date.now() - t0 });
      return {
        volume: v.name,
        createdAt: header.createdAt,
        compression: req.compression,
        encrypted: req.encryption !== undefined,
        entries: r.entries,
        files: r.files,
        bytes: r.bytes,
        tarBytes: r.tarBytes,
        durationMs: Date.now() - t0,
        quiesce,
        hooks,
        warnings: r.warnings,
      };
    } catch (e) {
      throw mapError(e);
    } finally {
      if (snapshot) await rm(snapshot, { recursive: true, force: true }).catch(() => undefined);
      if (held) await this.deps.volumes.release(v.name, holder).catch(() => undefined);
      unlock();
    }
  }

  /**
   * Backup into a directory the daemon can see: written as <file>.partial,
   * fsynced, then renamed, so a directory never holds a torn archive under
   * its final name. With `receipt`, a sha256sum-style <file>.sha256 follows.
   */
  async backupToDirectory(
    req: BackupRequest,
    dir: string,
    fileName: string | undefined,
    opts: { receipt?: boolean },
    onProgress?: ProgressFn,
  ): Promise<BackupSummary> {
    const name = fileName ?? archiveFileName(req.volume, new Date(), extensionFor(req.compression, req.encryption !== undefined));
    if (name.includes('/') || name === '' || name === '.' || name === '..') throw invalidArgument(`invalid archive file name "${name}"`);
    const final = join(dir, name);
    const partial = `${final}.partial`;
    let fd: number;
    try {
      fd = openSync(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (e) {
      throw invalidArgument(`cannot create ${partial}: ${messageOf(e)}`);
    }
    let ok = false;
    try {
      const summary = await this.backup(req, fd, onProgress);
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(partial, final);
      fsyncPath(dir);
      ok = true;
      const archiveBytes = statSync(final).size;
      let sha256: string | undefined;
      if (opts.receipt) {
        sha256 = await fileSha256(final);
        writeFileSync(`${final}.sha256`, `${sha256}  ${name}\n`, { mode: 0o644 });
      }
      return { ...summary, file: final, archiveBytes, ...(sha256 ? { sha256 } : {}) };
    } finally {
      if (fd >= 0) closeSync(fd);
      if (!ok) rmSync(partial, { force: true });
    }
  }

  /**
   * The archive as a stream (for an HTTP response). `result` settles once
   * every process is done; the stream ends right after. Destroying the
   * stream (client gone) makes the writers fail, which ends the job.
   */
  async backupToStream(req: BackupRequest, onProgress?: ProgressFn): Promise<{ stream: Readable; result: Promise<BackupSummary> }> {
    this.precheckBackup(req);
    return toStream((fd) => this.backup(req, fd, onProgress));
  }

  async exportToStream(name: string): Promise<{ stream: Readable; result: Promise<{ warnings: string[] }> }> {
    this.deps.volumes.inspect(name);
    return toStream((fd) => this.exportVolume(name, fd));
  }

  async exportVolume(name: string, output: number): Promise<{ warnings: string[] }> {
    const v = this.deps.volumes.inspect(name);
    const unlock = this.locks.shared(v.name);
    const holder = `${HOLDER_PREFIX}${randomBytes(6).toString('hex')}`;
    let held = false;
    try {
      const dir = await this.deps.volumes.acquire(v.name, holder);
      held = true;
      return await writeExport({ dataDir: dir, output });
    } catch (e) {
      throw mapError(e);
    } finally {
      if (held) await this.deps.volumes.release(v.name, holder).catch(() => undefined);
      unlock();
    }
  }

  /** Restore (backup archives) and import (plain tars too): extract beside, verify, swap. */
  async restore(input: ArchiveInput, req: RestoreRequest, onProgress?: ProgressFn): Promise<RestoreSummary> {
    const t0 = Date.now();
    const txn = RestoreTxn.begin(this.deps.volumesDir);
    let unlock: (() => void) | undefined;
    try {
      const r = await readArchive({
        input,
        decryption: req.decryption,
        layout: req.layout,
        extractTo: txn.staging,
        allowDevices: req.allowDevices,
        requireManifest: req.layout === 'backup',
        onProgress,
      });
      if (req.layout === 'backup' && r.layout !== 'backup') {
        throw invalidArgument('not a ballast backup (use "volume import" for plain tar archives)');
      }
      const def = r.header?.volume;
      const name = req.name ?? def?.name;
      if (!name) throw invalidArgument('the archive records no volume name: give one');
      unlock = this.locks.exclusive(name);
      let v = this.deps.volumes.find(name);
      const created = v === undefined;
      if (!v) {
        txn.willCreate(name);
        // Under another name, a device-backed definition (bind, NFS, image file) would alias the
        // original's storage: the copy becomes a plain local volume. --plain asks for that always.
        const options = req.plain ? null : name === def?.name ? (def?.options ?? null) : cloneableOptions(def?.options ?? null);
        v = this.deps.volumes.create({
          name,
          driver: req.plain ? 'local' : (def?.driver ?? 'local'),
          ...(options ? { driverOpts: options } : {}),
          ...(def?.labels ? { labels: def.labels } : {}),
        });
      }
      const stopped = await this.installUnderUsers(v, req.stopUsers, async () => this.install(txn, v as Volume, r.root as string));
      this.log.info('volume restored', { volume: name, created, entries: r.entries, ms: Date.now() - t0 });
      return {
        volume: name,
        created,
        layout: r.layout,
        verified: r.verified,
        entries: r.entries,
        files: r.files,
        bytes: r.bytes,
        durationMs: Date.now() - t0,
        stopped,
        atomic: this.swappable(v),
        definition: def,
      };
    } catch (e) {
      await txn.abort((n) => this.deps.volumes.remove(n, true), this.log).catch((err: unknown) =>
        this.log.error('restore rollback failed', { error: messageOf(err) }),
      );
      throw mapError(e);
    } finally {
      unlock?.();
    }
  }

  /**
   * Runs `install` (which must commit) with the volume's running users
   * stopped when asked; refuses a volume in use otherwise. Users are started
   * again after the commit, whatever happened.
   */
  private async installUnderUsers(v: Volume, stopUsers: boolean, install: () => Promise<void>): Promise<string[]> {
    const control = this.deps.control();
    const users = await control.usersOf(v.name);
    const active = users.filter((u: ContainerUse) => u.running || u.paused);
    if (active.length > 0 && !stopUsers) {
      throw conflict(
        `volume ${v.name} is in use by running containers [${active.map((u) => u.name).join(', ')}]: stop them first, or let ballast stop and restart them (restore --force)`,
      );
    }
    const f = await freeze(control, active, active.length > 0 ? 'stop' : 'none');
    try {
      await install();
    } finally {
      await f.thaw();
    }
    return f.containers.map((c) => c.name);
  }

  /** Plain local volumes are directories under the root: their _data can be renamed. */
  private swappable(v: Volume): boolean {
    return v.driver === 'local' && (v.options === null || Object.keys(v.options).length === 0);
  }

  /** Puts a verified tree in place of the volume's data and commits the transaction. */
  private async install(txn: RestoreTxn, v: Volume, root: string): Promise<void> {
    if (this.swappable(v)) {
      await txn.swap(v.name, root);
      txn.commit(this.log);
      return;
    }
    // Driver-backed: _data is a mount point; replace what is inside it.
    const holder = `${HOLDER_PREFIX}${txn.id}`;
    const dir = await this.deps.volumes.acquire(v.name, holder);
    try {
      for (const n of await readdir(dir)) await rm(join(dir, n), { recursive: true, force: true });
      await copyTree(root, dir, { devices: 'copy' });
      txn.commit(this.log);
    } finally {
      await this.deps.volumes.release(v.name, holder).catch(() => undefined);
    }
  }

  async verify(
    input: ArchiveInput,
    req: { decryption?: Decryption | undefined; restoreTest: boolean },
    onProgress?: ProgressFn,
  ): Promise<VerifySummary> {
    const t0 = Date.now();
    let txn: RestoreTxn | undefined;
    try {
      let r: ReadArchiveResult;
      let restoreTest: VerifySummary['restoreTest'];
      if (req.restoreTest) {
        txn = RestoreTxn.begin(this.deps.volumesDir);
        r = await readArchive({ input, decryption: req.decryption, layout: 'backup', extractTo: txn.staging, allowDevices: true, onProgress });
        const tree = await snapshotTree(r.root as string, { crc32: r.header?.checksum === 'crc32' });
        const differences = compareTreeWithManifest(tree, r.manifest?.lines ?? []);
        restoreTest = { ok: differences.length === 0, differences };
      } else {
        r = await readArchive({ input, decryption: req.decryption, layout: 'backup', onProgress });
      }
      return {
        verified: r.verified,
        encrypted: r.encrypted,
        compression: r.compression,
        entries: r.entries,
        files: r.files,
        bytes: r.bytes,
        header: r.header,
        ...(restoreTest ? { restoreTest } : {}),
        durationMs: Date.now() - t0,
      };
    } catch (e) {
      throw mapError(e);
    } finally {
      await txn?.abort(async () => undefined, this.log);
    }
  }

  async clone(source: string, target: string, opts: { quiesce: QuiesceMode }): Promise<CloneSummary> {
    const t0 = Date.now();
    const src = this.deps.volumes.inspect(source);
    if (this.deps.volumes.find(target)) throw conflict(`volume ${target} already exists`);
    const unlockSrc = this.locks.shared(src.name);
    let unlockDst: (() => void) | undefined;
    const holder = `${HOLDER_PREFIX}${randomBytes(6).toString('hex')}`;
    let held = false;
    const txn = RestoreTxn.begin(this.deps.volumesDir);
    try {
      unlockDst = this.locks.exclusive(target);
      const dir = await this.deps.volumes.acquire(src.name, holder);
      held = true;
      const control = this.deps.control();
      const users = opts.quiesce === 'none' ? [] : await control.usersOf(src.name);
      const f0 = Date.now();
      const f = await freeze(control, users, opts.quiesce);
      let containers;
      try {
        await copyTree(dir, join(txn.staging, 'data'), { devices: 'copy' });
      } finally {
        containers = await f.thaw();
      }
      const quiesce: QuiesceReport = {
        mode: opts.quiesce,
        containers,
        capture: containers.length > 0 ? 'snapshot' : 'live',
        windowMs: containers.length > 0 ? Date.now() - f0 : 0,
      };
      txn.willCreate(target);
      const options = cloneableOptions(src.options);
      const dst = this.deps.volumes.create({
        name: target,
        driver: src.driver,
        ...(options ? { driverOpts: options } : {}),
        ...(src.labels ? { labels: src.labels } : {}),
      });
      await this.install(txn, dst, join(txn.staging, 'data'));
      this.log.info('volume cloned', { source, target, ms: Date.now() - t0 });
      return { source, target, durationMs: Date.now() - t0, quiesce, atomic: this.swappable(dst) };
    } catch (e) {
      await txn.abort((n) => this.deps.volumes.remove(n, true), this.log).catch(() => undefined);
      throw mapError(e);
    } finally {
      if (held) await this.deps.volumes.release(src.name, holder).catch(() => undefined);
      unlockDst?.();
      unlockSrc();
    }
  }

  /**
   * Retention over a directory of --all archives. Per volume, the newest
   * archive that verifies (fully when it can be decrypted, else against its
   * .sha256 receipt) is kept whatever the policy; with none verified, nothing
   * of that volume is deleted.
   */
  async prune(
    dir: string,
    policy: RetentionPolicy,
    opts: { volumes?: readonly string[] | undefined; decryption?: Decryption | undefined },
  ): Promise<PruneSummary> {
    const out: PruneSummary = { deleted: [], kept: [], protected: {}, warnings: [] };
    if (!hasPolicy(policy)) return out;
    const byVolume = new Map<string, ArchiveFile[]>();
    for (const f of readdirSync(dir)) {
      const a = parseArchiveFileName(f);
      if (!a) continue;
      if (opts.volumes && !opts.volumes.includes(a.volume)) continue;
      byVolume.set(a.volume, [...(byVolume.get(a.volume) ?? []), a]);
    }
    for (const [volume, archives] of byVolume) {
      const newestFirst = [...archives].sort((a, b) => b.time.getTime() - a.time.getTime());
      let protect: string | undefined;
      for (const a of newestFirst) {
        if (await this.archiveVerifies(join(dir, a.file), opts.decryption)) {
          protect = a.file;
          break;
        }
        out.warnings.push(`${a.file}: does not verify`);
      }
      out.protected[volume] = protect ?? null;
      if (!protect) {
        out.warnings.push(`${volume}: no archive verifies, nothing deleted`);
        out.kept.push(...archives.map((a) => a.file));
        continue;
      }
      const del = new Set(selectForDeletion(archives, policy, new Date(), protect));
      for (const a of archives) {
        if (!del.has(a.file)) {
          out.kept.push(a.file);
          continue;
        }
        rmSync(join(dir, a.file), { force: true });
        rmSync(join(dir, `${a.file}.sha256`), { force: true });
        out.deleted.push(a.file);
      }
    }
    fsyncPath(dir);
    return out;
  }

  private async archiveVerifies(path: string, decryption: Decryption | undefined): Promise<boolean> {
    const encrypted = path.endsWith('.age');
    if (!encrypted || decryption) {
      const fd = openSync(path, 'r');
      try {
        const r = await readArchive({ input: { kind: 'fd', fd }, layout: 'backup', decryption });
        return r.verified;
      } catch {
        return false;
      } finally {
        closeSync(fd);
      }
    }
    const receipt = `${path}.sha256`;
    if (!existsSync(receipt)) return false;
    const want = readFileSync(receipt, 'utf8').split(/\s+/)[0];
    return want === (await fileSha256(path));
  }
}

async function toStream<T>(job: (fd: number) => Promise<T>): Promise<{ stream: Readable; result: Promise<T> }> {
  const p = await makePipe();
  const stream = new Socket({ fd: p.read, readable: true, writable: false });
  const result = job(p.write).finally(() => closeFd(p.write));
  result.catch(() => undefined);
  return { stream, result };
}

/** Options a clone may share with its source: not a device (two volumes on one bind/NFS path). */
function cloneableOptions(o: Volume['options']): Volume['options'] {
  if (!o) return null;
  if (o['device'] !== undefined && o['type'] !== 'tmpfs') return null;
  return o;
}

function definitionOf(v: Volume): VolumeDefinition {
  return {
    name: v.name,
    driver: v.driver,
    options: v.options,
    labels: v.labels,
    createdAt: new Date(v.createdAt).toISOString(),
  };
}

async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

/** Archive and tool failures → the engine's error kinds (the API maps them to statuses). */
export function mapError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  if (e instanceof HookFailed) return new EngineError('failedPrecondition', e.message);
  if (e instanceof UnsafeArchiveError) return invalidArgument(`refusing the archive: ${e.message}`);
  if (e instanceof ChecksumError) return invalidArgument(`checksum verification failed: ${e.message}`);
  if (e instanceof ArchiveFormatError || e instanceof AgeInputError) return invalidArgument(e.message);
  if (e instanceof StageError) {
    if (e.stage === 'age') return invalidArgument(`decryption failed: ${e.stderr.trim() || e.message}`);
    return internal(e.message, e);
  }
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') return notFound(e.message);
  return internal(messageOf(e), e);
}
