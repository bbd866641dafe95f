/**
 * Content-addressed store of image layers, keyed by diff-id (sha256 of the
 * uncompressed layer tar). Overlay whiteouts make a diff independent of its
 * parents, so one unpacked copy serves every image and container using it.
 *
 * Crash and concurrency safety: a layer is unpacked into layers/tmp/<random>,
 * fsynced (syncfs), marked `.complete`, then renamed to layers/sha256/<hex>.
 * The rename is the commit point; a second unpack of the same content that
 * loses the race throws its copy away. Start-up deletes tmp/, trash/ and any
 * layer directory without `.complete`. A layer is deleted only when no
 * container's chain names it and no in-flight operation holds a pin on it.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { EngineError, messageOf } from '../../domain/errors.js';
import { renameDurable, writeFileDurable } from '../../lib/durable.js';
import { run } from '../../lib/exec.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { silentLogger, type Logger } from '../../lib/logger.js';
import { apparentSize } from '../../lib/disk-usage.js';
import { UnexpectedEof } from '../archive/byte-reader.js';
import { decompress } from '../archive/compression.js';
import { DIGEST_RE, hashingTap, type Digest } from '../archive/digest.js';
import { extractTar } from '../archive/extract.js';
import { UnsafePathError } from '../archive/paths.js';
import { TarFormatError } from '../archive/tar-format.js';
import { readTar } from '../archive/tar-reader.js';
import { hexOf, LayerLayout } from './layout.js';
import { rebuildTar, TarSplitWriter, type SplitRedirects } from './tar-split.js';

export interface LayerMeta {
  diffId: Digest;
  /** Docker's layer size: st_size of non-directories, each inode once. */
  size: number;
  /** Length of the uncompressed tar (for `docker save` headers). */
  tarSize: number;
  /** Directories (relative to diff/) marked opaque by the tar. */
  opaque: string[];
  shadowed: SplitRedirects;
  created: string;
}

export interface LayerInfo extends LayerMeta {
  /** The unpacked content (overlay lowerdir). */
  diffPath: string;
}

/** A layer kept from deletion until released (between unpack and image commit). */
export interface LayerHandle {
  readonly info: LayerInfo;
  release(): void;
}

export class LayerDigestMismatch extends EngineError {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super('invalidArgument', `layer digest mismatch: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export interface UnpackOptions {
  /** Verify the uncompressed tar against this diff-id; skip the work if the layer exists. */
  expectedDiffId?: string;
}

export interface LayerStoreOptions {
  logger?: Logger;
  /** Is this layer named in some container's chain? Defaults to reading containers/<id>/lower. */
  inUseByContainers?: (diffId: Digest) => Promise<boolean>;
}

const SHORT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function shortName(): string {
  const bytes = randomBytes(10);
  let s = '';
  for (const b of bytes) s += SHORT_ALPHABET[b & 31];
  return s;
}

export class LayerStore {
  readonly layout: LayerLayout;
  private readonly log: Logger;
  private readonly locks = new KeyedMutex();
  private readonly pins = new Map<string, number>();
  /** Layers are immutable once complete: their metadata is cached until removal. */
  private readonly infoCache = new Map<string, LayerInfo>();
  private readonly inUse: (diffId: Digest) => Promise<boolean>;

  constructor(engineRoot: string, opts: LayerStoreOptions = {}) {
    this.layout = new LayerLayout(engineRoot);
    this.log = opts.logger ?? silentLogger;
    this.inUse = opts.inUseByContainers ?? ((d) => this.namedByContainerChain(d));
  }

  /** Create the directories and clean what a crash left behind. Call once at start-up. */
  async init(): Promise<void> {
    const L = this.layout;
    for (const d of [L.layersDir, L.byDigestDir, L.linksDir, L.tmpDir, L.trashDir, L.emptyDir]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
    }
    for (const d of [L.tmpDir, L.trashDir]) {
      for (const name of await readdir(d)) {
        this.log.info('removing leftover layer directory', { path: posix.join(d, name) });
        await rm(posix.join(d, name), { recursive: true, force: true });
      }
    }
    const wanted = new Map<string, string>(); // short → target
    for (const hex of await readdir(L.byDigestDir)) {
      const dir = posix.join(L.byDigestDir, hex);
      if (!/^[a-f0-9]{64}$/.test(hex) || !existsSync(posix.join(dir, '.complete'))) {
        this.log.warn('removing incomplete layer', { path: dir });
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      let short = '';
      try {
        short = (await readFile(posix.join(dir, 'link'), 'utf8')).trim();
      } catch {
        /* repaired below */
      }
      if (!/^[A-Z2-7]{10}$/.test(short) || wanted.has(short)) {
        short = shortName();
        writeFileDurable(posix.join(dir, 'link'), short, 0o644);
      }
      wanted.set(short, L.linkTarget(`sha256:${hex}`));
    }
    for (const name of await readdir(L.linksDir)) {
      const p = posix.join(L.linksDir, name);
      let target = '';
      try {
        target = await readlink(p);
      } catch {
        /* not a symlink */
      }
      if (wanted.get(name) === target) wanted.delete(name);
      else await rm(p, { recursive: true, force: true });
    }
    for (const [short, target] of wanted) await symlink(target, posix.join(L.linksDir, short));
  }

  has(diffId: string): boolean {
    return existsSync(posix.join(this.layout.layerDir(diffId), '.complete'));
  }

  get(diffId: string): LayerInfo {
    const cached = this.infoCache.get(diffId);
    if (cached) return cached;
    const dir = this.layout.layerDir(diffId);
    if (!DIGEST_RE.test(diffId) || !existsSync(posix.join(dir, '.complete'))) {
      throw new EngineError('notFound', `layer does not exist: ${diffId}`);
    }
    const meta = JSON.parse(readFileSync(posix.join(dir, 'meta.json'), 'utf8')) as LayerMeta;
    const info = { ...meta, diffPath: posix.join(dir, 'diff') };
    this.infoCache.set(diffId, info);
    return info;
  }

  async list(): Promise<LayerInfo[]> {
    const out: LayerInfo[] = [];
    for (const hex of await readdir(this.layout.byDigestDir)) {
      const id = `sha256:${hex}`;
      if (this.has(id)) out.push(this.get(id));
    }
    return out;
  }

  /** Short link name of a layer (relative lowerdir entry when cwd is layers/l). */
  shortLink(diffId: string): string {
    return readFileSync(posix.join(this.layout.layerDir(diffId), 'link'), 'utf8').trim();
  }

  /** Pin an existing layer; undefined if it does not exist. */
  async acquire(diffId: string): Promise<LayerHandle | undefined> {
    return this.locks.run(hexOf(diffId), async () => (this.has(diffId) ? this.pin(this.get(diffId)) : undefined));
  }

  private pin(info: LayerInfo): LayerHandle {
    const key = hexOf(info.diffId);
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
    let released = false;
    return {
      info,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.pins.get(key) ?? 1) - 1;
        if (n <= 0) this.pins.delete(key);
        else this.pins.set(key, n);
      },
    };
  }

  /**
   * Unpack a layer tar (plain, gzip, zstd, xz or bzip2) and return it pinned.
   * The diff-id is the sha256 of the uncompressed stream, computed on the way.
   */
  async unpack(input: AsyncIterable<Uint8Array>, opts: UnpackOptions = {}): Promise<LayerHandle> {
    const expected = opts.expectedDiffId;
    if (expected !== undefined) {
      if (!DIGEST_RE.test(expected)) throw new EngineError('invalidArgument', `invalid diff-id ${JSON.stringify(expected)}`);
      const existing = await this.acquire(expected);
      if (existing) {
        await closeIterable(input);
        return existing;
      }
    }
    const tmp = posix.join(this.layout.tmpDir, randomBytes(12).toString('hex'));
    const diff = posix.join(tmp, 'diff');
    await mkdir(diff, { recursive: true, mode: 0o755 });
    let split: TarSplitWriter | undefined;
    let createdLink: string | undefined;
    try {
      split = new TarSplitWriter(posix.join(tmp, 'tar-split.gz'), tmp);
      const s = split;
      const { stream } = await decompress(input);
      const tap = hashingTap(stream);
      const opaque: string[] = [];
      try {
        await extractTar(readTar(tap.stream, { onMeta: (b) => s.meta(b) }), diff, {
          whiteouts: 'overlay',
          onFile: (p, n) => s.file(p, n),
          beforeRemove: (p) => s.beforeRemove(p),
          onOpaque: (dir) => opaque.push(posix.relative(diff, dir)),
        });
      } catch (e) {
        throw asTarError(e);
      }
      const diffId = tap.digest();
      if (expected !== undefined && diffId !== expected) throw new LayerDigestMismatch(expected, diffId);
      await split.close();
      split = undefined;
      const meta: LayerMeta = {
        diffId,
        size: await apparentSize(diff),
        tarSize: tap.bytes(),
        opaque: [...new Set(opaque)].filter((d) => existsSync(posix.join(diff, d))).sort(),
        shadowed: s.shadowed,
        created: new Date().toISOString(),
      };
      writeFileDurable(posix.join(tmp, 'meta.json'), JSON.stringify(meta), 0o644);
      // Content durable before the marker: one syncfs instead of an fsync per file.
      await run('sync', ['-f', tmp]);
      return await this.locks.run(hexOf(diffId), async () => {
        if (this.has(diffId)) {
          await rm(tmp, { recursive: true, force: true });
          return this.pin(this.get(diffId));
        }
        const final = this.layout.layerDir(diffId);
        if (existsSync(final)) await this.trash(final); // incomplete leftover
        let short = shortName();
        for (;;) {
          try {
            await symlink(this.layout.linkTarget(diffId), posix.join(this.layout.linksDir, short));
            break;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
            short = shortName();
          }
        }
        createdLink = short;
        writeFileDurable(posix.join(tmp, 'link'), short, 0o644);
        writeFileDurable(posix.join(tmp, '.complete'), '', 0o644);
        renameDurable(tmp, final);
        createdLink = undefined;
        this.log.debug('layer unpacked', { diffId, size: meta.size });
        return this.pin(this.get(diffId));
      });
    } catch (e) {
      split?.abort();
      await closeIterable(input).catch(() => {});
      if (createdLink) await unlink(posix.join(this.layout.linksDir, createdLink)).catch(() => {});
      await rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw e;
    }
  }

  /** The layer's original uncompressed tar, byte for byte; errors if it no longer hashes to its diff-id. */
  tarStream(diffId: string): Readable {
    const info = this.get(diffId);
    const dir = this.layout.layerDir(diffId);
    const splitFile = posix.join(dir, 'tar-split.gz');
    async function* gen(): AsyncGenerator<Buffer> {
      const tap = hashingTap(rebuildTar(splitFile, dir, info.shadowed));
      yield* tap.stream;
      if (tap.digest() !== info.diffId) {
        throw new Error(`layer ${info.diffId} was modified on disk: its tar now hashes to ${tap.digest()}`);
      }
    }
    return Readable.from(gen(), { objectMode: false });
  }

  /**
   * Delete a layer unless a container's chain names it or an operation holds a
   * pin. Returns whether it was deleted.
   */
  async remove(diffId: string): Promise<boolean> {
    return this.locks.run(hexOf(diffId), async () => {
      if (!existsSync(this.layout.layerDir(diffId))) return false;
      if ((this.pins.get(hexOf(diffId)) ?? 0) > 0) return false;
      if (await this.inUse(diffId as Digest)) return false;
      let short: string | undefined;
      try {
        short = this.shortLink(diffId);
      } catch {
        /* no link */
      }
      this.infoCache.delete(diffId);
      await this.trash(this.layout.layerDir(diffId));
      if (short) await unlink(posix.join(this.layout.linksDir, short)).catch(() => {});
      return true;
    });
  }

  private async trash(dir: string): Promise<void> {
    const to = posix.join(this.layout.trashDir, randomBytes(12).toString('hex'));
    await rename(dir, to);
    await rm(to, { recursive: true, force: true });
  }

  /** Default container-usage probe: any containers/<id>/lower listing the diff-id. */
  private async namedByContainerChain(diffId: Digest): Promise<boolean> {
    let ids: string[];
    try {
      ids = await readdir(this.layout.containersDir());
    } catch {
      return false;
    }
    for (const id of ids) {
      try {
        const lower = await readFile(posix.join(this.layout.containerDir(id), 'lower'), 'utf8');
        if (lower.split('\n').includes(diffId)) return true;
      } catch {
        /* no chain */
      }
    }
    return false;
  }

  /** Read a file's bytes of a layer's diff (tests, diagnostics). */
  openDiffFile(diffId: string, rel: string): Readable {
    return createReadStream(posix.join(this.layout.diffDir(diffId), rel));
  }
}

async function closeIterable(input: AsyncIterable<Uint8Array>): Promise<void> {
  if (input instanceof Readable) {
    input.destroy();
    return;
  }
  const it = input[Symbol.asyncIterator]();
  if (it.return) await it.return();
}

/**
 * Failures while reading or applying the tar read like Docker's
 * (`Error processing tar file(exit status 1): archive/tar: invalid tar header`).
 */
function asTarError(e: unknown): unknown {
  if (e instanceof EngineError) return e;
  if (e instanceof TarFormatError || e instanceof UnexpectedEof || e instanceof UnsafePathError || e instanceof Error) {
    return new EngineError('internal', `Error processing tar file(exit status 1): ${messageOf(e)}`, { cause: e });
  }
  return e;
}
