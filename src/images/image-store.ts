/**
 * Where image state lives: configs by id, tags → id, small per-image metadata.
 * `ImageStore` is the seam for moving to SQLite later; `FileImageStore` keeps
 * it in durable plain files:
 *
 *   images/configs/sha256/<hex>     the config JSON, byte for byte (its sha256 is the id)
 *   images/meta/sha256/<hex>.json   { "lastTagTime": "…", "parent": "sha256:…" }
 *   images/repositories.json        { "Repositories": { "<full ref>": "sha256:<hex>" } }
 *   images/tmp/                     scratch space for `load`; emptied at start-up
 *
 * Writes go through write-temp-fsync-rename; a config is written before any
 * tag points at it, and a tag is removed before its config.
 */
import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync, mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { fsyncParent, writeFileDurable } from '../lib/durable.js';

export interface ImageMeta {
  lastTagTime?: string;
  /** Local parent image (set by load when the archive links them, later by commit/build). */
  parent?: string;
}

export interface ImageStore {
  /** Create directories, clear scratch space, load the tag table. */
  init(): void;
  ids(): string[];
  /** Raw config bytes, or undefined. */
  getConfig(id: string): Buffer | undefined;
  /** Store a config (idempotent); the caller computed id = sha256(raw). */
  putConfig(id: string, raw: Buffer): void;
  deleteImage(id: string): void;
  getMeta(id: string): ImageMeta;
  setMeta(id: string, meta: ImageMeta): void;
  /** Full normalised reference ("docker.io/library/busybox:latest") → image id. */
  tags(): ReadonlyMap<string, string>;
  setTag(ref: string, id: string): void;
  deleteTag(ref: string): boolean;
  /** A directory for temporary files on the same filesystem. */
  scratchDir(): string;
}

const hex = (id: string): string => (id.startsWith('sha256:') ? id.slice(7) : id);

export class FileImageStore implements ImageStore {
  private readonly dir: string;
  private tagTable = new Map<string, string>();
  private readonly configCache = new Map<string, Buffer>();
  private readonly metaCache = new Map<string, ImageMeta>();
  private idSet = new Set<string>();

  constructor(engineRoot: string) {
    this.dir = posix.join(posix.resolve(engineRoot), 'images');
  }

  private get configsDir(): string {
    return posix.join(this.dir, 'configs', 'sha256');
  }
  private get metaDir(): string {
    return posix.join(this.dir, 'meta', 'sha256');
  }
  private get reposFile(): string {
    return posix.join(this.dir, 'repositories.json');
  }

  init(): void {
    for (const d of [this.configsDir, this.metaDir, this.scratchDir()]) mkdirSync(d, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.scratchDir())) rmSync(posix.join(this.scratchDir(), name), { recursive: true, force: true });
    // Leftover temp files of interrupted durable writes.
    for (const d of [this.dir, this.configsDir, this.metaDir]) {
      for (const name of readdirSync(d)) if (/\.tmp-\d+$/.test(name)) rmSync(posix.join(d, name), { force: true });
    }
    this.metaCache.clear();
    this.idSet = new Set(
      readdirSync(this.configsDir)
        .filter((n) => /^[a-f0-9]{64}$/.test(n))
        .map((n) => `sha256:${n}`),
    );
    this.tagTable = new Map();
    if (existsSync(this.reposFile)) {
      const parsed = JSON.parse(readFileSync(this.reposFile, 'utf8')) as { Repositories?: Record<string, string> };
      for (const [ref, id] of Object.entries(parsed.Repositories ?? {})) {
        if (this.getConfig(id)) this.tagTable.set(ref, id);
      }
    }
  }

  scratchDir(): string {
    return posix.join(this.dir, 'tmp');
  }

  ids(): string[] {
    return [...this.idSet];
  }

  getConfig(id: string): Buffer | undefined {
    const h = hex(id);
    if (!/^[a-f0-9]{64}$/.test(h)) return undefined;
    const cached = this.configCache.get(h);
    if (cached) return cached;
    try {
      const raw = readFileSync(posix.join(this.configsDir, h));
      this.configCache.set(h, raw);
      return raw;
    } catch {
      return undefined;
    }
  }

  putConfig(id: string, raw: Buffer): void {
    const h = hex(id);
    const path = posix.join(this.configsDir, h);
    if (!existsSync(path)) writeFileDurable(path, raw, 0o600);
    this.configCache.set(h, raw);
    this.idSet.add(`sha256:${h}`);
  }

  deleteImage(id: string): void {
    const h = hex(id);
    for (const [ref, target] of this.tagTable) if (target === `sha256:${h}`) this.tagTable.delete(ref);
    this.saveTags();
    for (const p of [posix.join(this.metaDir, `${h}.json`), posix.join(this.configsDir, h)]) {
      try {
        unlinkSync(p);
        fsyncParent(p);
      } catch {
        /* already gone */
      }
    }
    this.configCache.delete(h);
    this.metaCache.delete(h);
    this.idSet.delete(`sha256:${h}`);
  }

  getMeta(id: string): ImageMeta {
    const h = hex(id);
    let meta = this.metaCache.get(h);
    if (!meta) {
      try {
        meta = JSON.parse(readFileSync(posix.join(this.metaDir, `${h}.json`), 'utf8')) as ImageMeta;
      } catch {
        meta = {};
      }
      this.metaCache.set(h, meta);
    }
    return { ...meta };
  }

  setMeta(id: string, meta: ImageMeta): void {
    writeFileDurable(posix.join(this.metaDir, `${hex(id)}.json`), JSON.stringify(meta), 0o600);
    this.metaCache.set(hex(id), { ...meta });
  }

  tags(): ReadonlyMap<string, string> {
    return this.tagTable;
  }

  setTag(ref: string, id: string): void {
    this.tagTable.set(ref, id);
    this.saveTags();
  }

  deleteTag(ref: string): boolean {
    const had = this.tagTable.delete(ref);
    if (had) this.saveTags();
    return had;
  }

  private saveTags(): void {
    const sorted = Object.fromEntries([...this.tagTable.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeFileDurable(this.reposFile, JSON.stringify({ Repositories: sorted }, null, 1), 0o600);
  }
}
