/**
 * Image archive formats.
 *
 * Writing: the `docker save` format of Docker 20.10 — per layer a directory
 * named by its v1 id holding VERSION, json and layer.tar; `<config hex>.json`;
 * manifest.json ([{Config, RepoTags, Layers}]) and `repositories`. Entries in
 * lexical order, as Docker tars its staging directory.
 *
 * Reading: that format (manifest.json), and OCI image layouts (oci-layout +
 * index.json + blobs/, as Docker 25+ and other tools write them). When both
 * are present, manifest.json wins, as in Docker.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { EngineError } from '../domain/errors.js';
import { cleanEntryName, resolveFollowInRoot } from '../storage/archive/paths.js';
import { makeHeader } from '../storage/archive/tar-format.js';
import type { TarWriteEntry } from '../storage/archive/tar-writer.js';
import { chainIds, emptyContainerConfig, goArch, goJson, type ImageConfigJson } from './image-config.js';

// ---- save ------------------------------------------------------------------

export interface SaveImage {
  id: string;
  raw: Buffer;
  config: ImageConfigJson;
  /** Familiar "name:tag" strings to record for this image. */
  repoTags: string[];
  /** Parent image id, written to the manifest when the parent is in the same archive. */
  parent?: string;
}

export interface LayerSource {
  size: number;
  open(): Readable;
}

function sortedObject(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = v[k];
  return out;
}

/** The legacy per-layer json Docker writes; the top layer carries the image's v1 fields. */
function v1Json(img: ImageConfigJson | undefined, fields: { id?: string; parent?: string; created: string }): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (fields.id) o['id'] = fields.id;
  if (fields.parent) o['parent'] = fields.parent;
  if (img?.comment) o['comment'] = img.comment;
  o['created'] = fields.created;
  if (img?.container) o['container'] = img.container;
  o['container_config'] = img?.container_config ?? emptyContainerConfig();
  if (img?.docker_version) o['docker_version'] = img.docker_version;
  if (img?.author) o['author'] = img.author;
  if (img?.config) o['config'] = img.config;
  if (img?.architecture) o['architecture'] = img.architecture;
  if (img?.variant) o['variant'] = img.variant;
  o['os'] = img?.os ?? 'linux';
  return o;
}

/** Deterministic v1 ids (moby's v1.CreateID: the v1 json plus layer_id and parent, keys sorted). */
function v1Ids(img: ImageConfigJson, diffIds: readonly string[]): string[] {
  const chains = chainIds(diffIds);
  const out: string[] = [];
  let parent: string | undefined;
  diffIds.forEach((_d, i) => {
    const top = i === diffIds.length - 1;
    const base = v1Json(top ? img : undefined, { created: top ? (img.created ?? '1970-01-01T00:00:00Z') : '1970-01-01T00:00:00Z' });
    base['layer_id'] = chains[i];
    if (parent) base['parent'] = `sha256:${parent}`;
    const id = createHash('sha256').update(goJson(sortedObject(base))).digest('hex');
    out.push(id);
    parent = id;
  });
  return out;
}

/**
 * Archive entries for `docker save`. `layer(diffId)` gives each layer's
 * uncompressed tar and its exact size.
 */
export function dockerSaveEntries(images: readonly SaveImage[], layer: (diffId: string) => LayerSource): TarWriteEntry[] {
  const files = new Map<string, TarWriteEntry>();
  const manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[]; Parent?: string }> = [];
  const saved = new Set(images.map((i) => i.id));
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const diffIds = img.config.rootfs?.diff_ids ?? [];
    const created = img.config.created ? Math.floor(Date.parse(img.config.created) / 1000) : 0;
    const mtime = Number.isFinite(created) && created > 0 ? created : 0;
    const ids = v1Ids(img.config, diffIds);
    const layers: string[] = [];
    ids.forEach((v1, i) => {
      const diffId = diffIds[i] as string;
      layers.push(`${v1}/layer.tar`);
      if (files.has(`${v1}/`)) return;
      const top = i === ids.length - 1;
      const json = v1Json(top ? img.config : undefined, {
        id: v1,
        ...(i > 0 ? { parent: ids[i - 1] as string } : {}),
        created: top ? (img.config.created ?? '1970-01-01T00:00:00Z') : '1970-01-01T00:00:00Z',
      });
      const src = layer(diffId);
      files.set(`${v1}/`, { header: makeHeader({ name: `${v1}/`, type: 'dir', mode: 0o755, mtime }) });
      files.set(`${v1}/VERSION`, fileEntry(`${v1}/VERSION`, Buffer.from('1.0'), mtime));
      files.set(`${v1}/json`, fileEntry(`${v1}/json`, Buffer.from(goJson(json)), mtime));
      files.set(`${v1}/layer.tar`, {
        header: makeHeader({ name: `${v1}/layer.tar`, type: 'file', mode: 0o644, size: src.size, mtime }),
        body: lazy(src.open),
      });
    });
    const configName = `${img.id.replace(/^sha256:/, '')}.json`;
    files.set(configName, fileEntry(configName, img.raw, mtime));
    const item: (typeof manifest)[number] = { Config: configName, RepoTags: img.repoTags.length ? img.repoTags : null, Layers: layers };
    if (img.parent && saved.has(img.parent)) item.Parent = img.parent;
    manifest.push(item);
    const top = ids[ids.length - 1];
    for (const t of img.repoTags) {
      const colon = t.lastIndexOf(':');
      const name = t.slice(0, colon);
      const tag = t.slice(colon + 1);
      if (top) (repositories[name] ??= {})[tag] = top;
    }
  }
  files.set('manifest.json', fileEntry('manifest.json', Buffer.from(goJson(manifest)), 0));
  if (Object.keys(repositories).length) {
    files.set('repositories', fileEntry('repositories', Buffer.from(goJson(repositories)), 0));
  }
  return [...files.keys()].sort().map((k) => files.get(k) as TarWriteEntry);
}

function fileEntry(name: string, data: Buffer, mtime: number): TarWriteEntry {
  return { header: makeHeader({ name, type: 'file', mode: 0o644, size: data.length, mtime }), body: data };
}

/** Open the layer stream only when the writer reaches it. */
async function* lazy(open: () => Readable): AsyncGenerator<Buffer> {
  for await (const chunk of open()) yield chunk as Buffer;
}

// ---- load ------------------------------------------------------------------

export interface LoadPlanImage {
  /** Absolute path of the config file inside the extracted archive. */
  configPath: string;
  /** For OCI layouts: the digest the config blob must have. */
  configDigest?: string;
  /** Tags as written in the archive ("busybox:latest" or full names). */
  repoTags: string[];
  /** Absolute paths of the layer files, bottom first. */
  layerPaths: string[];
  /** manifest.json's Parent (an image id in the same archive). */
  parent?: string;
}

const loadError = (message: string): EngineError => new EngineError('invalidArgument', message);

async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw loadError(`open ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(e)}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw loadError(`invalid JSON in ${what}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function inArchive(dir: string, name: string): Promise<string> {
  let rel: string;
  try {
    rel = cleanEntryName(name);
  } catch {
    throw loadError(`invalid path in archive: ${JSON.stringify(name)}`);
  }
  return resolveFollowInRoot(dir, rel);
}

/** Work out what an extracted archive holds. */
export async function planLoad(dir: string): Promise<LoadPlanImage[]> {
  const manifestPath = await inArchive(dir, 'manifest.json');
  if (await exists(manifestPath)) {
    const manifest = await readJson<Array<{ Config?: string; RepoTags?: string[] | null; Layers?: string[]; Parent?: string }>>(
      manifestPath,
      'manifest.json',
    );
    if (!Array.isArray(manifest)) throw loadError('invalid manifest.json');
    const out: LoadPlanImage[] = [];
    for (const m of manifest) {
      if (typeof m.Config !== 'string') throw loadError('invalid manifest.json: entry without Config');
      const item: LoadPlanImage = {
        configPath: await inArchive(dir, m.Config),
        repoTags: (m.RepoTags ?? []).map(String),
        layerPaths: await Promise.all((m.Layers ?? []).map((l) => inArchive(dir, String(l)))),
      };
      if (typeof m.Parent === 'string' && m.Parent) item.parent = m.Parent;
      out.push(item);
    }
    return out;
  }
  const indexPath = await inArchive(dir, 'index.json');
  if (await exists(indexPath)) return planOci(dir, indexPath);
  throw loadError('invalid image archive: neither manifest.json nor index.json found');
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

async function blobPath(dir: string, digest: string | undefined): Promise<string> {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest ?? '');
  if (!m) throw loadError(`unsupported digest ${JSON.stringify(digest)}`);
  return inArchive(dir, `blobs/sha256/${m[1]}`);
}

async function readBlobJson<T>(dir: string, digest: string | undefined): Promise<T> {
  const path = await blobPath(dir, digest);
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch {
    throw loadError(`blob ${digest ?? ''} missing from the archive`);
  }
  const actual = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  if (actual !== digest) throw loadError(`blob ${digest ?? ''} has digest ${actual}`);
  return JSON.parse(raw.toString('utf8')) as T;
}

function nameFromAnnotations(a: Record<string, string> | undefined): string | undefined {
  const full = a?.['io.containerd.image.name'];
  if (full) return full;
  const refName = a?.['org.opencontainers.image.ref.name'];
  // A bare tag ("latest") names no repository; only "name:tag" forms are usable.
  if (refName && refName.includes(':') && !refName.startsWith(':')) return refName;
  return undefined;
}

async function planOci(dir: string, indexPath: string): Promise<LoadPlanImage[]> {
  const index = await readJson<{ manifests?: Descriptor[] }>(indexPath, 'index.json');
  const out: LoadPlanImage[] = [];
  const visit = async (desc: Descriptor, name: string | undefined, depth: number): Promise<void> => {
    if (depth > 4) throw loadError('index nesting too deep');
    if (INDEX_TYPES.includes(desc.mediaType ?? '')) {
      const nested = await readBlobJson<{ manifests?: Descriptor[] }>(dir, desc.digest);
      const candidates = nested.manifests ?? [];
      const pick =
        candidates.find((c) => c.platform?.os === 'linux' && c.platform.architecture === goArch()) ??
        candidates.find((c) => !c.platform || c.annotations?.['vnd.docker.reference.type'] === undefined);
      if (!pick) throw loadError(`no manifest for linux/${goArch()} in ${desc.digest ?? 'index'}`);
      await visit(pick, name ?? nameFromAnnotations(pick.annotations), depth + 1);
      return;
    }
    const manifest = await readBlobJson<{ config?: Descriptor; layers?: Descriptor[] }>(dir, desc.digest);
    if (!manifest.config?.digest) throw loadError(`manifest ${desc.digest ?? ''} has no config`);
    const plan: LoadPlanImage = {
      configPath: await blobPath(dir, manifest.config.digest),
      configDigest: manifest.config.digest,
      repoTags: name ? [name] : [],
      layerPaths: await Promise.all((manifest.layers ?? []).map((l) => blobPath(dir, l.digest))),
    };
    out.push(plan);
  };
  for (const d of index.manifests ?? []) await visit(d, nameFromAnnotations(d.annotations), 0);
  return out;
}
