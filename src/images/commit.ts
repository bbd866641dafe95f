/**
 * `docker commit`: a new image from a container's writable layer, after moby
 * 20.10 (daemon/commit.go CreateImageFromContainer, daemon/images
 * CommitImage, image.NewChildImage).
 *
 *   - The layer is the overlay upper directory packed as a tar (overlay
 *     whiteouts turned back into `.wh.` entries) and registered in the layer
 *     store, its diff-id computed while it streams. Files of Docker's init
 *     layer (/etc/hosts, /proc, …), which ballast leaves in the upper
 *     directory as mount points, are not part of it; mount points of volumes
 *     and tmpfs are (empty), as in Docker.
 *   - An empty layer is not added to rootfs; its history entry says
 *     `empty_layer`.
 *   - `config` = the request's Config (or the container's), the `--change`
 *     lines applied, then completed from the container's Config (moby's
 *     merge). `container_config` = the container's Config. The message is
 *     the history entry's comment and the top-level one (what inspect shows).
 *
 * Configs written here follow Go's encoding: top-level keys sorted, the
 * container config in struct order.
 */
import type { BigIntStats, Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { EngineError } from '../domain/errors.js';
import { OVERLAY_OPAQUE_XATTR } from '../storage/archive/extract.js';
import { packDirectory } from '../storage/archive/pack.js';
import { tarStream, type TarWriteEntry } from '../storage/archive/tar-writer.js';
import { getXattr } from '../storage/archive/xattr.js';
import { DOCKER_INIT_PATHS } from '../storage/layers/changes.js';
import type { LayerHandle, LayerStore } from '../storage/layers/layer-store.js';
import { applyChanges } from './dockerfile-changes.js';
import {
  goArch,
  goJson,
  imageIdOf,
  normalizeContainerConfig,
  rfc3339Nano,
  type DockerContainerConfig,
  type HealthConfig,
  type HistoryEntry,
  type ImageConfigJson,
} from './image-config.js';
import type { ImageService } from './image-service.js';
import { parseNormalizedNamed, withTag } from './reference.js';

/** sha256 of an empty tar (two zero blocks): moby's layer.DigestSHA256EmptyTar. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export interface CommitInput {
  containerId: string;
  /** The image the container was created from ("sha256:…"). */
  parentImageId: string;
  /** The container's overlay upper directory. */
  upper: string;
  /** The container's layer chain (rootfs.diff_ids of its image), bottom first. */
  chain: readonly string[];
  /** The container's Config as stored. */
  containerConfig: unknown;
  /** A Config sent in the request body; replaces the container's as the start (moby: c.Config). */
  requestConfig?: unknown;
  changes?: readonly string[];
  author?: string;
  comment?: string;
  /** `repo` and `tag` of the API; the image is tagged when repo is given. */
  repo?: string;
  tag?: string;
  now?: Date;
}

export interface CommitResult {
  /** "sha256:<hex>" */
  id: string;
  /** Familiar reference it was tagged with ("" when none). */
  ref: string;
  /** The new layer's diff-id, or undefined when the layer was empty. */
  diffId: string | undefined;
}

/** Validates repo/tag before any work (moby fails the same way, only later). */
function checkReference(repo: string | undefined, tag: string | undefined): void {
  if (!repo) return;
  let ref = parseNormalizedNamed(repo);
  if (tag) ref = withTag(ref, tag);
  if (ref.digest !== undefined) throw new EngineError('invalidArgument', 'refusing to create a tag with a digest reference');
}

export async function commitContainer(images: ImageService, layers: LayerStore, input: CommitInput): Promise<CommitResult> {
  checkReference(input.repo, input.tag);
  const parent = images.getImage(input.parentImageId);
  const parentCfg = parent.config;

  // The container's Config as Docker holds it after its create-time merge: the image's volumes and
  // healthcheck in, and an empty Env or Volumes replaced by the image's (null when it has none).
  const containerConfig = normalizeContainerConfig(input.containerConfig);
  const parentRun = normalizeContainerConfig(parentCfg.config);
  if (containerConfig.Env?.length === 0) containerConfig.Env = parentRun.Env;
  if (containerConfig.Volumes && Object.keys(containerConfig.Volumes).length === 0) containerConfig.Volumes = null;
  if (parentRun.Volumes && Object.keys(parentRun.Volumes).length > 0) {
    containerConfig.Volumes = { ...(containerConfig.Volumes ?? {}), ...parentRun.Volumes };
  }
  if (!containerConfig.Healthcheck && parentRun.Healthcheck) containerConfig.Healthcheck = parentRun.Healthcheck;

  const start = hasFields(input.requestConfig) ? normalizeContainerConfig(input.requestConfig) : containerConfig;
  const config = mergeConfig(applyChanges(start, input.changes ?? []), containerConfig);

  const handle = await packLayer(layers, input.upper, input.chain);
  try {
    const diffId = handle?.info.diffId;
    const empty = diffId === undefined || diffId === EMPTY_LAYER_DIFF_ID;
    const created = rfc3339Nano(input.now ?? new Date());
    const entry: HistoryEntry = { created };
    if (input.author) entry.author = input.author;
    const createdBy = (containerConfig.Cmd ?? []).join(' ');
    if (createdBy) entry.created_by = createdBy;
    if (input.comment) entry.comment = input.comment;
    if (empty) entry.empty_layer = true;

    const top: Record<string, unknown> = {
      architecture: parentCfg.architecture || goArch(),
      config: goMaps(config),
      container: input.containerId,
      container_config: goMaps(containerConfig),
      created,
      history: [...(parentCfg.history ?? []), entry],
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: empty ? [...parent.diffIds] : [...parent.diffIds, diffId] },
    };
    if (input.author) top['author'] = input.author;
    // moby leaves V1Image.Comment empty and its inspect falls back to the last history comment;
    // ballast's inspect reads the top-level field, so the message goes there too.
    if (input.comment) top['comment'] = input.comment;
    if (parentCfg.variant) top['variant'] = parentCfg.variant;
    if (parentCfg['os.version']) top['os.version'] = parentCfg['os.version'];
    const features = (parentCfg as ImageConfigJson & { 'os.features'?: unknown })['os.features'];
    if (Array.isArray(features) && features.length > 0) top['os.features'] = features;
    const raw = Buffer.from(goJson(sortKeys(top)), 'utf8');
    const id = imageIdOf(raw);
    images.store.putConfig(id, raw);
    images.store.setMeta(id, { ...images.store.getMeta(id), parent: parent.id });
    const ref = input.repo ? await images.tagImage(id, input.repo, input.tag || undefined) : '';
    return { id, ref, diffId: empty ? undefined : diffId };
  } finally {
    handle?.release();
  }
}

function hasFields(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0;
}

/** Go encodes maps with their keys sorted. */
function goMaps(c: DockerContainerConfig): DockerContainerConfig {
  const out = { ...c };
  if (out.ExposedPorts) out.ExposedPorts = sortKeys(out.ExposedPorts) as Record<string, Record<string, never>>;
  if (out.Volumes) out.Volumes = sortKeys(out.Volumes) as Record<string, Record<string, never>>;
  if (out.Labels) out.Labels = sortKeys(out.Labels) as Record<string, string>;
  return out;
}

function sortKeys(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = v[k];
  return out;
}

const envKey = (e: string): string => e.split('=')[0] ?? '';

/**
 * moby daemon/commit.go merge(userConf, imageConf): fills what the user's
 * config leaves out from the container's.
 */
export function mergeConfig(user: DockerContainerConfig, base: DockerContainerConfig): DockerContainerConfig {
  const out: DockerContainerConfig = structuredClone(user);
  if (out.User === '') out.User = base.User;
  if (!out.ExposedPorts || Object.keys(out.ExposedPorts).length === 0) {
    if (base.ExposedPorts) out.ExposedPorts = { ...base.ExposedPorts };
  } else if (base.ExposedPorts) {
    for (const p of Object.keys(base.ExposedPorts)) out.ExposedPorts[p] ??= {};
  }
  if (!out.Env || out.Env.length === 0) {
    out.Env = base.Env ? [...base.Env] : base.Env;
  } else {
    for (const e of base.Env ?? []) if (!out.Env.some((u) => envKey(u) === envKey(e))) out.Env.push(e);
  }
  out.Labels = { ...(base.Labels ?? {}), ...(out.Labels ?? {}) };
  if (!out.Entrypoint || out.Entrypoint.length === 0) {
    if (!out.Cmd || out.Cmd.length === 0) {
      out.Cmd = base.Cmd ? [...base.Cmd] : base.Cmd;
      if (base.ArgsEscaped) out.ArgsEscaped = true;
      else delete out.ArgsEscaped;
    }
    if (out.Entrypoint === null) out.Entrypoint = base.Entrypoint ? [...base.Entrypoint] : base.Entrypoint;
  }
  if (base.Healthcheck) out.Healthcheck = mergeHealth(out.Healthcheck, base.Healthcheck);
  if (out.WorkingDir === '') out.WorkingDir = base.WorkingDir;
  if (!out.Volumes || Object.keys(out.Volumes).length === 0) {
    out.Volumes = base.Volumes ? { ...base.Volumes } : base.Volumes;
  } else {
    out.Volumes = { ...out.Volumes, ...(base.Volumes ?? {}) };
  }
  if (!out.StopSignal && base.StopSignal) out.StopSignal = base.StopSignal;
  // Back into Go's field order (and its omitempty rules).
  return normalizeContainerConfig(out);
}

function mergeHealth(user: HealthConfig | undefined, base: HealthConfig): HealthConfig {
  if (!user) return { ...base };
  const out: HealthConfig = { ...user };
  if (!out.Test || out.Test.length === 0) out.Test = base.Test ?? null;
  if (!out.Interval && base.Interval !== undefined) out.Interval = base.Interval;
  if (!out.Timeout && base.Timeout !== undefined) out.Timeout = base.Timeout;
  if (!out.StartPeriod && base.StartPeriod !== undefined) out.StartPeriod = base.StartPeriod;
  if (!out.Retries && base.Retries !== undefined) out.Retries = base.Retries;
  return out;
}

// ---- the layer ----------------------------------------------------------------

/**
 * Pack the upper directory and unpack it into the layer store. Undefined when
 * the layer has no entry at all (nothing to register).
 */
async function packLayer(layers: LayerStore, upper: string, chain: readonly string[]): Promise<LayerHandle | undefined> {
  let st: Stats;
  try {
    st = await lstat(upper);
  } catch {
    return undefined; // never prepared: nothing changed
  }
  if (!st.isDirectory()) throw new EngineError('internal', `writable layer ${upper} is not a directory`);
  const lowerDiffs = [...new Set([...chain].reverse())].map((d) => layers.get(d).diffPath);
  const skip = await initLayerPaths(upper, lowerDiffs);
  const entries = packDirectory(upper, { whiteouts: 'overlay', filter: (rel) => !skip.has(rel) });
  const first = await entries.next();
  if (first.done) return undefined;
  async function* all(): AsyncGenerator<TarWriteEntry> {
    yield first.value as TarWriteEntry;
    yield* entries;
  }
  return layers.unpack(tarStream(all()));
}

/**
 * What of Docker's init layer sits in the upper directory: the init paths
 * themselves, and directories that exist only to hold them (added by the
 * runtime, or copied up unchanged from the image).
 */
export async function initLayerPaths(upper: string, lowerDiffs: readonly string[]): Promise<Set<string>> {
  const exclude = new Set(DOCKER_INIT_PATHS.map((p) => p.replace(/^\/+/, '')));
  const parents = new Set<string>();
  for (const p of exclude) for (let d = posix.dirname(p); d !== '.'; d = posix.dirname(d)) parents.add(d);
  const skip = new Set<string>();
  for (const p of exclude) if (await lstatMaybe(posix.join(upper, p))) skip.add(p);

  const onlyInit = async (rel: string): Promise<boolean> => {
    const abs = posix.join(upper, rel);
    if ((await getXattr(abs, OVERLAY_OPAQUE_XATTR))?.toString() === 'y') return false;
    for (const name of await readdir(abs)) {
      const child = `${rel}/${name}`;
      if (exclude.has(child)) continue;
      const st = await lstatMaybe(posix.join(upper, child));
      if (!(parents.has(child) && st?.isDirectory() && (await onlyInit(child)) && (await unchangedOrNew(child, st)))) return false;
      skip.add(child);
    }
    return true;
  };
  const unchangedOrNew = async (rel: string, st: BigIntStats): Promise<boolean> => {
    for (const lower of lowerDiffs) {
      const l = await lstatMaybe(posix.join(lower, rel));
      if (!l) continue;
      return l.isDirectory() && l.mode === st.mode && l.uid === st.uid && l.gid === st.gid;
    }
    return true;
  };
  // Top-level parents ("etc", "dev"); deeper ones are handled on the way down.
  for (const p of parents) {
    if (p.includes('/')) continue;
    const st = await lstatMaybe(posix.join(upper, p));
    if (st?.isDirectory() && (await onlyInit(p)) && (await unchangedOrNew(p, st))) skip.add(p);
  }
  return skip;
}

async function lstatMaybe(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}
