/**
 * Images: import, load, save, list, inspect, tag, remove, history — Docker's
 * semantics and messages (moby daemon/images, image/tarexport of 20.10).
 *
 * Layers live in the LayerStore (shared with containers); image state behind
 * the ImageStore interface. Mutations of image state run one at a time;
 * slow work (unpacking) happens outside that lock, with the layers pinned
 * until the image that uses them is recorded.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { EngineError, isEngineError } from '../domain/errors.js';
import type { Filters } from '../domain/filters.js';
import { KeyedMutex } from '../lib/keyed-mutex.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { decompress } from '../storage/archive/compression.js';
import { extractTar } from '../storage/archive/extract.js';
import { readTar } from '../storage/archive/tar-reader.js';
import { tarStream } from '../storage/archive/tar-writer.js';
import { LayerDigestMismatch, type LayerHandle, type LayerStore } from '../storage/layers/layer-store.js';
import { dockerSaveEntries, planLoad, type SaveImage } from './docker-archive.js';
import { applyChanges } from './dockerfile-changes.js';
import {
  chainIds,
  emptyContainerConfig,
  goArch,
  imageIdOf,
  normalizeContainerConfig,
  rfc3339Nano,
  serializeImageConfig,
  type DockerContainerConfig,
  type ImageConfigJson,
} from './image-config.js';
import { FileImageStore, type ImageStore } from './image-store.js';
import {
  familiarMatch,
  familiarString,
  fullString,
  isNameOnly,
  looksLikeIdPrefix,
  parseAnyReference,
  parseNormalizedNamed,
  withDefaultTag,
  withTag,
  fullName,
  type ImageRef,
} from './reference.js';

export interface ContainerUse {
  id: string;
  running: boolean;
}

export interface ImageServiceOptions {
  /** The engine root (images/ goes below it). */
  root: string;
  layers: LayerStore;
  store?: ImageStore;
  logger?: Logger;
  /** Containers created from an image (by id "sha256:…"), for rmi's conflict rules. */
  containersUsingImage?: (imageId: string) => ContainerUse[] | Promise<ContainerUse[]>;
  now?: () => Date;
}

export interface ResolvedImage {
  /** "sha256:<hex>" */
  id: string;
  raw: Buffer;
  config: ImageConfigJson;
  /** rootfs.diff_ids, bottom first: the layer chain for a container's rootfs. */
  diffIds: string[];
}

export interface ImportOptions {
  /** `repo` of the API: "name" or "name:tag". */
  repoTag?: string;
  /** `tag` of the API, applied to repoTag. */
  tag?: string;
  changes?: readonly string[];
  message?: string;
}

export interface LoadResult {
  images: Array<{ id: string; tags: string[] }>;
  /** What `docker load` prints, one line each ("Loaded image: busybox:latest"). */
  messages: string[];
}

export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[] | null;
  RepoTags: string[] | null;
  SharedSize: number;
  Size: number;
  VirtualSize: number;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: DockerContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: DockerContainerConfig | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  OsVersion?: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string>; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface ImageHistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export type ImageDeleteItem = { Untagged: string } | { Deleted: string };

const ZERO_TIME = '0001-01-01T00:00:00Z';
const notFound = (what: string): EngineError => new EngineError('notFound', `No such image: ${what}`);
const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

export class ImageService {
  readonly store: ImageStore;
  private readonly layers: LayerStore;
  private readonly log: Logger;
  private readonly lock = new KeyedMutex();
  private readonly containersUsing: (id: string) => ContainerUse[] | Promise<ContainerUse[]>;
  private readonly now: () => Date;
  private readonly parsed = new Map<string, ImageConfigJson>();

  constructor(opts: ImageServiceOptions) {
    this.layers = opts.layers;
    this.store = opts.store ?? new FileImageStore(opts.root);
    this.log = opts.logger ?? silentLogger;
    this.containersUsing = opts.containersUsingImage ?? (() => []);
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Prepare the image store and delete layers no image uses (left by imports
   * that failed half-way). The layer store must be initialised first.
   */
  async init(): Promise<void> {
    this.store.init();
    await this.pruneLayers();
  }

  /** Delete layers that no image references (containers' chains and pins are respected). */
  async pruneLayers(): Promise<string[]> {
    return this.mutate(async () => {
      const used = new Set<string>();
      for (const id of this.store.ids()) for (const d of this.resolved(id)?.diffIds ?? []) used.add(d);
      const removed: string[] = [];
      for (const l of await this.layers.list()) {
        if (!used.has(l.diffId) && (await this.layers.remove(l.diffId))) removed.push(l.diffId);
      }
      return removed;
    });
  }

  private mutate<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run('images', work);
  }

  // ---- lookups ---------------------------------------------------------------

  private configOf(id: string, raw: Buffer): ImageConfigJson {
    let c = this.parsed.get(id);
    if (!c) {
      c = JSON.parse(raw.toString('utf8')) as ImageConfigJson;
      this.parsed.set(id, c);
    }
    return c;
  }

  private resolved(id: string): ResolvedImage | undefined {
    const raw = this.store.getConfig(id);
    if (!raw) return undefined;
    const config = this.configOf(id, raw);
    return { id, raw, config, diffIds: [...(config.rootfs?.diff_ids ?? [])] };
  }

  /** Image ids starting with a prefix ("sha256:" optional); unique match or undefined. */
  private searchId(term: string): string | undefined {
    const hex = term.startsWith('sha256:') ? term.slice(7) : term;
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    const hits = this.store.ids().filter((id) => id.slice(7).startsWith(hex));
    return hits.length === 1 ? hits[0] : undefined;
  }

  /**
   * moby's GetImage: a full id ("sha256:<hex>" or 64 hex), a name[:tag], or an
   * id prefix. Throws notFound "No such image: busybox:latest".
   */
  getImage(refOrId: string): ResolvedImage {
    const any = parseAnyReference(refOrId);
    if (any.kind === 'id') {
      const img = this.resolved(any.id);
      if (!img) throw notFound(any.id);
      return img;
    }
    const tagged = withDefaultTag(any.ref);
    const id = this.store.tags().get(fullString(tagged));
    const byTag = id ? this.resolved(id) : undefined;
    if (byTag) return byTag;
    if (looksLikeIdPrefix(refOrId)) {
      const found = this.searchId(refOrId);
      const img = found ? this.resolved(found) : undefined;
      if (img) return img;
    }
    throw notFound(familiarString(tagged));
  }

  /** Everything the engine needs to create a container from an image. */
  imageForContainer(ref: string): { id: string; diffIds: string[]; config: DockerContainerConfig } {
    const img = this.getImage(ref);
    return { id: img.id, diffIds: img.diffIds, config: normalizeContainerConfig(img.config.config) };
  }

  /** Local parent id ("" when none). */
  parentOf(id: string): string {
    const p = this.store.getMeta(id).parent;
    return p && this.store.getConfig(p) ? p : '';
  }

  private childrenOf(id: string): string[] {
    return this.store.ids().filter((other) => this.store.getMeta(other).parent === id);
  }

  /** Familiar tags of an image, sorted. */
  tagsOf(id: string): string[] {
    const out: string[] = [];
    for (const [ref, target] of this.store.tags()) if (target === id) out.push(familiarString(parseNormalizedNamed(ref)));
    return out.sort();
  }

  private sizeOf(diffIds: readonly string[]): number {
    let total = 0;
    for (const d of new Set(diffIds)) {
      try {
        total += this.layers.get(d).size;
      } catch {
        /* missing layer: counted as 0 */
      }
    }
    return total;
  }

  // ---- import ----------------------------------------------------------------

  /** `docker import`: one layer from a rootfs tar (plain or compressed). Returns the image id. */
  async importImage(input: AsyncIterable<Uint8Array>, opts: ImportOptions = {}): Promise<{ id: string }> {
    let newRef: ImageRef | undefined;
    if (opts.repoTag) {
      newRef = parseNormalizedNamed(opts.repoTag);
      if (newRef.digest !== undefined) throw new EngineError('invalidArgument', 'cannot import digest reference');
      if (opts.tag) newRef = withTag(newRef, opts.tag);
    }
    const config = normalizeContainerConfig(applyChanges(emptyContainerConfig(), opts.changes ?? []));
    const handle = await this.layers.unpack(input);
    try {
      const created = rfc3339Nano(this.now());
      const comment = opts.message || 'Imported from -';
      const raw = serializeImageConfig({
        config,
        created,
        comment,
        diffIds: [handle.info.diffId],
        architecture: goArch(),
        os: 'linux',
        history: [{ created, comment }],
      });
      const id = imageIdOf(raw);
      await this.mutate(async () => {
        this.store.putConfig(id, raw);
        if (newRef) this.setTag(withDefaultTag(newRef), id);
      });
      this.log.info('image imported', { id, ref: newRef ? familiarString(withDefaultTag(newRef)) : undefined });
      return { id };
    } finally {
      handle.release();
    }
  }

  private setTag(ref: ImageRef, id: string): void {
    this.store.setTag(fullString(ref), id);
    this.store.setMeta(id, { ...this.store.getMeta(id), lastTagTime: rfc3339Nano(this.now()) });
  }

  // ---- load ------------------------------------------------------------------

  /** `docker load`: a docker-save archive or an OCI layout, optionally compressed. */
  async loadImages(input: AsyncIterable<Uint8Array>): Promise<LoadResult> {
    const dir = posix.join(this.store.scratchDir(), `load-${randomBytes(8).toString('hex')}`);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handles: LayerHandle[] = [];
    try {
      const { stream } = await decompress(input);
      try {
        await extractTar(readTar(stream), dir, {
          ownership: false,
          xattrs: false,
          skip: (h) => h.type === 'char' || h.type === 'block' || h.type === 'fifo',
        });
      } catch (e) {
        if (isEngineError(e)) throw e;
        throw new EngineError('internal', `Error processing tar file(exit status 1): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      const plan = await planLoad(dir);
      const loaded: Array<{ id: string; raw: Buffer; tags: ImageRef[]; config: ImageConfigJson; parent?: string }> = [];
      for (const p of plan) {
        let raw: Buffer;
        try {
          raw = await readFile(p.configPath);
        } catch {
          throw new EngineError('invalidArgument', `open ${posix.basename(p.configPath)}: no such file or directory`);
        }
        const id = imageIdOf(raw);
        if (p.configDigest && p.configDigest !== id) {
          throw new EngineError('invalidArgument', `config blob ${p.configDigest} has digest ${id}`);
        }
        let config: ImageConfigJson;
        try {
          config = JSON.parse(raw.toString('utf8')) as ImageConfigJson;
        } catch {
          throw new EngineError('invalidArgument', 'invalid image config JSON');
        }
        if (config.os && config.os !== 'linux') {
          throw new EngineError('invalidArgument', `image operating system "${config.os}" cannot be used on this platform`);
        }
        const diffIds = config.rootfs?.diff_ids ?? [];
        if (p.layerPaths.length !== diffIds.length) {
          throw new EngineError(
            'invalidArgument',
            `invalid manifest, layers length mismatch: expected ${p.layerPaths.length}, got ${diffIds.length}`,
          );
        }
        for (const [i, diffId] of diffIds.entries()) {
          const layerPath = p.layerPaths[i] as string;
          try {
            handles.push(await this.layers.unpack(createReadStream(layerPath), { expectedDiffId: diffId }));
          } catch (e) {
            if (e instanceof LayerDigestMismatch) {
              throw new EngineError(
                'invalidArgument',
                `invalid diffID for layer ${i}: expected ${JSON.stringify(diffId)}, got ${JSON.stringify(e.actual)}`,
              );
            }
            throw e;
          }
        }
        const tags = p.repoTags.map((t) => {
          const named = parseNormalizedNamed(t);
          if (named.tag === undefined) throw new EngineError('invalidArgument', `invalid tag ${JSON.stringify(t)}`);
          return named;
        });
        loaded.push(p.parent ? { id, raw, tags, config, parent: p.parent } : { id, raw, tags, config });
      }
      const messages: string[] = [];
      const result: LoadResult['images'] = [];
      await this.mutate(async () => {
        for (const img of loaded) {
          this.store.putConfig(img.id, img.raw);
          for (const ref of img.tags) {
            const prev = this.store.tags().get(fullString(ref));
            if (prev && prev !== img.id) {
              messages.push(`The image ${familiarString(ref)} already exists, renaming the old one with ID ${prev} to empty string`);
            }
            this.setTag(ref, img.id);
            messages.push(`Loaded image: ${familiarString(ref)}`);
          }
          result.push({ id: img.id, tags: img.tags.map(familiarString) });
        }
        // Parent links between images of the same archive, when their history agrees (moby's checkValidParent).
        for (const img of loaded) {
          const parent = img.parent ? loaded.find((l) => l.id === img.parent) : undefined;
          if (parent && validParent(img.config, parent.config)) {
            this.store.setMeta(img.id, { ...this.store.getMeta(img.id), parent: parent.id });
          }
        }
      });
      if (!loaded.some((l) => l.tags.length > 0)) for (const l of loaded) messages.push(`Loaded image ID: ${l.id}`);
      return { images: result, messages };
    } catch (e) {
      // Layers unpacked for images that were never recorded would linger until the next start-up.
      for (const h of handles.splice(0)) h.release();
      await this.pruneLayers().catch(() => []);
      throw e;
    } finally {
      for (const h of handles) h.release();
      await rm(dir, { recursive: true, force: true });
    }
  }

  // ---- save ------------------------------------------------------------------

  /**
   * `docker save`: resolve every name first (errors before any byte is sent),
   * then stream the archive. A name without tag saves all tags of that repository.
   */
  async saveImages(names: readonly string[]): Promise<Readable> {
    const byId = new Map<string, { img: ResolvedImage; tags: string[] }>();
    const add = (img: ResolvedImage, tag?: string): void => {
      const e = byId.get(img.id) ?? { img, tags: [] };
      if (tag && !e.tags.includes(tag)) e.tags.push(tag);
      byId.set(img.id, e);
    };
    for (const name of names) {
      const any = parseAnyReference(name);
      if (any.kind === 'id') {
        const img = this.resolved(any.id);
        if (!img) throw notFound(name);
        add(img);
        continue;
      }
      const ref = any.ref;
      if (isNameOnly(ref)) {
        const repo = fullName(ref);
        let found = false;
        for (const [full, id] of [...this.store.tags()].sort(([a], [b]) => (a < b ? -1 : 1))) {
          const r = parseNormalizedNamed(full);
          const img = fullName(r) === repo ? this.resolved(id) : undefined;
          if (img) {
            add(img, familiarString(r));
            found = true;
          }
        }
        if (!found) {
          const id = looksLikeIdPrefix(name) ? this.searchId(name) : undefined;
          const img = id ? this.resolved(id) : undefined;
          if (!img) throw notFound(name);
          add(img);
        }
        continue;
      }
      const id = this.store.tags().get(fullString(ref));
      const img = id ? this.resolved(id) : undefined;
      if (!img) throw new EngineError('notFound', 'reference does not exist');
      add(img, familiarString(ref));
    }
    const handles: LayerHandle[] = [];
    try {
      for (const { img } of byId.values()) {
        for (const d of img.diffIds) {
          const h = await this.layers.acquire(d);
          if (!h) throw new EngineError('internal', `layer ${d} of image ${img.id} is missing`);
          handles.push(h);
        }
      }
    } catch (e) {
      for (const h of handles) h.release();
      throw e;
    }
    const images: SaveImage[] = [...byId.values()].map(({ img, tags }) => {
      const parent = this.parentOf(img.id);
      const s: SaveImage = { id: img.id, raw: img.raw, config: img.config, repoTags: tags };
      if (parent) s.parent = parent;
      return s;
    });
    const entries = dockerSaveEntries(images, (diffId) => ({
      size: this.layers.get(diffId).tarSize,
      open: () => this.layers.tarStream(diffId),
    }));
    const out = tarStream(entries);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const h of handles) h.release();
    };
    out.once('close', release);
    out.once('end', release);
    out.once('error', release);
    return out;
  }

  // ---- list / inspect / history -----------------------------------------------

  listImages(opts: { all?: boolean; filters?: Filters } = {}): ImageSummary[] {
    const filters = opts.filters ?? new Map<string, readonly string[]>();
    for (const key of filters.keys()) {
      if (!['dangling', 'label', 'before', 'since', 'reference'].includes(key)) {
        throw new EngineError('invalidArgument', `Invalid filter '${key}'`);
      }
    }
    const dangling = filters.get('dangling');
    let danglingOnly: boolean | undefined;
    if (dangling && dangling.length) {
      const v = dangling[0]?.toLowerCase();
      if (v !== 'true' && v !== 'false' && v !== '1' && v !== '0') {
        throw new EngineError('invalidArgument', `Invalid filter 'dangling=${dangling[0] ?? ''}'`);
      }
      danglingOnly = v === 'true' || v === '1';
    }
    const createdOf = (img: ResolvedImage): number => {
      const t = Date.parse(img.config.created ?? '');
      return Number.isFinite(t) ? t : 0;
    };
    const bound = (key: string): number | undefined => {
      const v = filters.get(key)?.[0];
      return v === undefined ? undefined : createdOf(this.getImage(v));
    };
    const before = bound('before');
    const since = bound('since');
    const out: Array<{ s: ImageSummary; t: number }> = [];
    for (const id of this.store.ids()) {
      const img = this.resolved(id);
      if (!img) continue;
      const t = createdOf(img);
      if (before !== undefined && t >= before) continue;
      if (since !== undefined && t <= since) continue;
      const labels = normalizeContainerConfig(img.config.config).Labels;
      if (!matchLabels(filters.get('label'), labels)) continue;
      let refs = [...this.store.tags()].filter(([, target]) => target === id).map(([r]) => parseNormalizedNamed(r));
      const patterns = filters.get('reference');
      if (patterns && patterns.length) {
        refs = refs.filter((r) => patterns.some((p) => familiarMatch(p, r)));
        if (refs.length === 0) continue;
      }
      const tags = refs.map(familiarString).sort();
      // Without `all`, untagged images that other images build on are intermediate: hidden.
      if (!opts.all && tags.length === 0 && this.childrenOf(id).length > 0) continue;
      if (danglingOnly === true && tags.length > 0) continue;
      if (danglingOnly === false && tags.length === 0) continue;
      const size = this.sizeOf(img.diffIds);
      out.push({
        t,
        s: {
          Containers: -1,
          Created: Math.floor(t / 1000),
          Id: id,
          Labels: labels,
          ParentId: this.parentOf(id),
          RepoDigests: tags.length ? null : ['<none>@<none>'],
          RepoTags: tags.length ? tags : ['<none>:<none>'],
          SharedSize: -1,
          Size: size,
          VirtualSize: size,
        },
      });
    }
    return out.sort((a, b) => b.t - a.t).map((x) => x.s);
  }

  /** GET /images/{ref}/json; not-found reads "no such image: x: No such image: x:latest". */
  inspectImage(ref: string): ImageInspect {
    let img: ResolvedImage;
    try {
      img = this.getImage(ref);
    } catch (e) {
      if (isEngineError(e)) throw e.prefixed(`no such image: ${ref}`);
      throw e;
    }
    const c = img.config;
    const size = this.sizeOf(img.diffIds);
    const dirs = [...img.diffIds].reverse().map((d) => {
      try {
        return this.layers.get(d).diffPath;
      } catch {
        return '';
      }
    });
    const data: Record<string, string> = {};
    if (dirs.length > 1) data['LowerDir'] = dirs.slice(1).join(':');
    if (dirs.length > 0) data['UpperDir'] = dirs[0] ?? '';
    const out: ImageInspect = {
      Id: img.id,
      RepoTags: this.tagsOf(img.id),
      RepoDigests: [],
      Parent: this.parentOf(img.id) || (c.parent ?? ''),
      Comment: c.comment ?? '',
      Created: c.created ?? ZERO_TIME,
      Container: c.container ?? '',
      ContainerConfig: normalizeContainerConfig(c.container_config),
      DockerVersion: c.docker_version ?? '',
      Author: c.author ?? '',
      Config: c.config ? normalizeContainerConfig(c.config) : null,
      Architecture: c.architecture ?? '',
      Os: c.os ?? 'linux',
      Size: size,
      VirtualSize: size,
      GraphDriver: { Data: data, Name: 'overlay2' },
      RootFS: { Type: c.rootfs?.type ?? 'layers', Layers: img.diffIds },
      Metadata: { LastTagTime: this.store.getMeta(img.id).lastTagTime ?? ZERO_TIME },
    };
    if (c.variant) out.Variant = c.variant;
    if (c['os.version']) out.OsVersion = c['os.version'];
    return out;
  }

  /** GET /images/{ref}/history, newest first. */
  history(ref: string): ImageHistoryItem[] {
    const img = this.getImage(ref);
    const out: ImageHistoryItem[] = [];
    let layer = 0;
    for (const h of img.config.history ?? []) {
      let size = 0;
      if (!h.empty_layer) {
        const d = img.diffIds[layer++];
        if (d === undefined) throw new EngineError('internal', 'too many non-empty layers in History section');
        try {
          size = this.layers.get(d).size;
        } catch {
          size = 0;
        }
      }
      const t = Date.parse(h.created ?? '');
      out.unshift({
        Id: '<missing>',
        Created: Number.isFinite(t) ? Math.floor(t / 1000) : 0,
        CreatedBy: h.created_by ?? '',
        Tags: null,
        Size: size,
        Comment: h.comment ?? '',
      });
    }
    // Ids and tags along the local parent chain, one history entry per image (moby's ImageHistory).
    let id = img.id;
    for (const item of out) {
      item.Id = id;
      const tags = this.tagsOf(id);
      item.Tags = tags.length ? tags : null;
      id = this.parentOf(id);
      if (!id) break;
    }
    return out;
  }

  // ---- tag / remove ----------------------------------------------------------

  /** POST /images/{name}/tag?repo=&tag= → the familiar new reference. */
  async tagImage(source: string, repo: string, tag?: string): Promise<string> {
    const img = this.getImage(source);
    let ref = parseNormalizedNamed(repo);
    if (tag) ref = withTag(ref, tag);
    if (ref.digest !== undefined) throw new EngineError('invalidArgument', 'refusing to create a tag with a digest reference');
    ref = withDefaultTag(ref);
    if (ref.path === 'library/sha256' || ref.path.endsWith('/sha256')) {
      throw new EngineError('invalidArgument', 'refusing to create an ambiguous tag using digest algorithm as name');
    }
    const final = ref;
    await this.mutate(async () => this.setTag(final, img.id));
    return familiarString(final);
  }

  /** DELETE /images/{ref} (docker rmi), after moby's ImageDelete. */
  async removeImage(refOrId: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    const force = opts.force ?? false;
    return this.mutate(async () => {
      const img = this.getImage(refOrId);
      const id = img.id;
      const records: ImageDeleteItem[] = [];
      const refsOf = (): string[] =>
        [...this.store.tags()].filter(([, t]) => t === id).map(([r]) => r).sort(); // refstore order: full strings
      const users = await this.containersUsing(id);
      let repoRefs = refsOf();
      const isIdPrefix = id.startsWith(refOrId) || id.slice(7).startsWith(refOrId);
      let quiet = false;
      if (!isIdPrefix) {
        const ref = withDefaultTag(parseNormalizedNamed(refOrId));
        if (!force && repoRefs.length === 1) {
          const c = users[0];
          if (c) {
            throw new EngineError(
              'conflict',
              `conflict: unable to remove repository reference ${JSON.stringify(refOrId)} (must force) - container ${shortId(c.id)} is using its referenced image ${shortId(id)}`,
            );
          }
        }
        if (this.store.deleteTag(fullString(ref))) records.push({ Untagged: familiarString(ref) });
        repoRefs = refsOf();
        if (repoRefs.length > 0) return records;
        quiet = true;
      } else if (repoRefs.length === 1) {
        const conflict = this.deleteConflict(id, users, force ? 'hard' : 'hard+soft-no-refs', repoRefs.length);
        if (conflict) throw conflict.error;
        for (const r of repoRefs) {
          this.store.deleteTag(r);
          records.push({ Untagged: familiarString(parseNormalizedNamed(r)) });
        }
      }
      return this.deleteHelper(img, users, force, !opts.noprune, quiet, records);
    });
  }

  /** moby's imageDeleteHelper: conflicts, remaining tags, the image, its layers, then (prune) dangling parents. */
  private async deleteHelper(
    img: ResolvedImage,
    users: ContainerUse[],
    force: boolean,
    prune: boolean,
    quiet: boolean,
    records: ImageDeleteItem[],
  ): Promise<ImageDeleteItem[]> {
    const id = img.id;
    const refsOf = (): string[] => [...this.store.tags()].filter(([, t]) => t === id).map(([r]) => r).sort();
    const conflict = this.deleteConflict(id, users, force ? 'hard' : 'all', refsOf().length);
    if (conflict) {
      if (quiet && (refsOf().length > 0 || conflict.used)) return records;
      throw conflict.error;
    }
    const parent = this.parentOf(id);
    for (const r of refsOf()) {
      this.store.deleteTag(r);
      records.push({ Untagged: familiarString(parseNormalizedNamed(r)) });
    }
    this.store.deleteImage(id);
    this.parsed.delete(id);
    records.push({ Deleted: id });
    // Layers no other image uses (and no container's chain names) go too.
    const stillUsed = new Set<string>();
    for (const other of this.store.ids()) for (const d of this.resolved(other)?.diffIds ?? []) stillUsed.add(d);
    const chains = chainIds(img.diffIds);
    for (let i = img.diffIds.length - 1; i >= 0; i--) {
      const d = img.diffIds[i] as string;
      if (stillUsed.has(d)) continue;
      if (await this.layers.remove(d)) records.push({ Deleted: chains[i] as string });
    }
    if (!prune || !parent) return records;
    const p = this.resolved(parent);
    if (!p || this.tagsOf(parent).length > 0 || this.childrenOf(parent).length > 0) return records;
    return this.deleteHelper(p, await this.containersUsing(parent), false, prune, true, records);
  }

  private deleteConflict(
    id: string,
    users: ContainerUse[],
    mask: 'hard' | 'all' | 'hard+soft-no-refs',
    refCount: number,
  ): { error: EngineError; used: boolean } | undefined {
    const msg = (hard: boolean, text: string): EngineError =>
      new EngineError('conflict', `conflict: unable to delete ${shortId(id)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${text}`);
    if (this.childrenOf(id).length > 0) return { error: msg(true, 'image has dependent child images'), used: false };
    const running = users.find((u) => u.running);
    if (running) return { error: msg(true, `image is being used by running container ${shortId(running.id)}`), used: true };
    if (mask === 'hard') return undefined;
    if (mask === 'all' && refCount > 0) return { error: msg(false, 'image is referenced in multiple repositories'), used: false };
    const stopped = users.find((u) => !u.running);
    if (stopped) return { error: msg(false, `image is being used by stopped container ${shortId(stopped.id)}`), used: true };
    return undefined;
  }
}

function matchLabels(wanted: readonly string[] | undefined, labels: Record<string, string> | null): boolean {
  if (!wanted || wanted.length === 0) return true;
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return labels !== null && w in labels;
    return labels !== null && labels[w.slice(0, eq)] === w.slice(eq + 1);
  });
}

/** Stream helper for callers holding a Buffer (tests, the API with small bodies). */
export function bufferSource(b: Buffer): AsyncIterable<Uint8Array> {
  return Readable.from([b]);
}

/** moby's checkValidParent: the child's history is the parent's plus one entry. */
function validParent(img: ImageConfigJson, parent: ImageConfigJson): boolean {
  const a = img.history ?? [];
  const b = parent.history ?? [];
  if (a.length === 0 && b.length === 0) return true;
  if (a.length - b.length !== 1) return false;
  return b.every((h, i) => JSON.stringify(h) === JSON.stringify(a[i]));
}
