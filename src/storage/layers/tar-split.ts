/**
 * Exact reconstruction of a layer's tar (like Docker's tar-split): while a
 * layer is unpacked, every byte that is not file content (headers, pax
 * records, padding, end marker, trailing bytes) is recorded, and each file's
 * content is recorded as a reference to the file in diff/. Rebuilding yields
 * the very bytes that were unpacked, so the diff-id matches on save → load
 * without keeping a second copy of the layer.
 *
 * File: gzip of records [u8 kind][u32 length][payload]:
 *   kind 1 raw bytes; kind 2 file ref, payload = u64 size + utf8 path
 *   (relative to diff/, or "#shadow/<n>" relative to the layer dir for content
 *   that a later entry of the same tar replaced).
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { once } from 'node:events';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { ByteReader, UnexpectedEof } from '../archive/byte-reader.js';

const RAW = 1;
const FILE = 2;
const FLUSH_AT = 64 * 1024;
export const SHADOW_PREFIX = '#shadow/';

export class TarSplitWriter {
  private readonly gzip: Gzip;
  private readonly out: WriteStream;
  private raw: Buffer[] = [];
  private rawLen = 0;
  /** Relative path → record order index, for files whose content is referenced. */
  private readonly refs = new Map<string, number>();
  private shadows = 0;
  private failed: Error | undefined;

  /**
   * @param file     where the records go
   * @param layerDir the layer directory (holds diff/ and, if needed, shadow/)
   */
  constructor(
    file: string,
    private readonly layerDir: string,
  ) {
    this.gzip = createGzip({ level: 6 });
    this.out = createWriteStream(file, { mode: 0o600 });
    this.gzip.pipe(this.out);
    const onErr = (e: Error): void => {
      this.failed ??= e;
    };
    this.gzip.on('error', onErr);
    this.out.on('error', onErr);
  }

  private get diffDir(): string {
    return posix.join(this.layerDir, 'diff');
  }

  meta(chunk: Buffer): void {
    this.raw.push(chunk);
    this.rawLen += chunk.length;
    if (this.rawLen >= FLUSH_AT) this.flushRaw();
  }

  private flushRaw(): void {
    if (this.rawLen === 0) return;
    const payload = Buffer.concat(this.raw, this.rawLen);
    this.raw = [];
    this.rawLen = 0;
    this.record(RAW, payload);
  }

  private record(kind: number, payload: Buffer): void {
    const head = Buffer.alloc(5);
    head[0] = kind;
    head.writeUInt32BE(payload.length, 1);
    this.gzip.write(head);
    this.gzip.write(payload);
  }

  file(absPath: string, size: number): void {
    if (size === 0) return;
    this.flushRaw();
    const rel = posix.relative(this.diffDir, absPath);
    const payload = Buffer.alloc(8 + Buffer.byteLength(rel));
    payload.writeBigUInt64BE(BigInt(size), 0);
    payload.write(rel, 8, 'utf8');
    this.refs.set(rel, this.refs.size);
    this.record(FILE, payload);
  }

  /**
   * A path (file or tree) is about to be replaced by a later entry: move the
   * referenced contents aside so the record can still be honoured.
   */
  async beforeRemove(absPath: string): Promise<void> {
    const rel = posix.relative(this.diffDir, absPath);
    const prefix = `${rel}/`;
    const hit = [...this.refs.keys()].filter((r) => r === rel || r.startsWith(prefix));
    if (hit.length === 0) return;
    await mkdir(posix.join(this.layerDir, 'shadow'), { recursive: true });
    for (const r of hit) {
      const shadow = `shadow/${this.shadows++}`;
      await rename(posix.join(this.diffDir, r), posix.join(this.layerDir, shadow));
      (this.shadowed[r] ??= []).push(`${SHADOW_PREFIX}${shadow.slice('shadow/'.length)}`);
      this.refs.delete(r);
    }
  }

  /** Earlier occurrences of replaced files, per path in order; kept in the layer metadata. */
  readonly shadowed: SplitRedirects = {};

  async close(): Promise<void> {
    this.flushRaw();
    this.gzip.end();
    await once(this.out, 'close');
    if (this.failed) throw this.failed;
  }

  abort(): void {
    this.gzip.destroy();
    this.out.destroy();
  }
}

export interface SplitRedirects {
  /** In record order: for each FILE record index whose content moved, the shadow name. */
  [path: string]: string[];
}

/**
 * Rebuild the tar bytes. `redirects` maps a path to the shadow names of its
 * earlier (replaced) occurrences, in order; the last occurrence is in diff/.
 */
export async function* rebuildTar(
  splitFile: string,
  layerDir: string,
  redirects: SplitRedirects = {},
): AsyncGenerator<Buffer> {
  const reader = new ByteReader(createReadStream(splitFile).pipe(createGunzip()));
  const used = new Map<string, number>();
  try {
    for (;;) {
      const head = await reader.readExact(5);
      if (!head) return;
      const kind = head[0];
      const len = head.readUInt32BE(1);
      const payload = await reader.readExact(len);
      if (!payload && len > 0) throw new UnexpectedEof();
      const body = payload ?? Buffer.alloc(0);
      if (kind === RAW) {
        yield body;
        continue;
      }
      if (kind !== FILE) throw new Error(`tar-split: unknown record kind ${String(kind)}`);
      const size = Number(body.readBigUInt64BE(0));
      const rel = body.subarray(8).toString('utf8');
      const n = used.get(rel) ?? 0;
      used.set(rel, n + 1);
      const shadow = redirects[rel]?.[n];
      const path = shadow
        ? posix.join(layerDir, 'shadow', shadow.slice(SHADOW_PREFIX.length))
        : posix.join(layerDir, 'diff', rel);
      const st = await stat(path);
      if (st.size !== size) throw new Error(`layer file ${rel} changed size (${st.size}, expected ${size})`);
      let got = 0;
      for await (const chunk of createReadStream(path)) {
        got += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (got !== size) throw new Error(`layer file ${rel} changed while being read`);
    }
  } finally {
    await reader.close();
  }
}
