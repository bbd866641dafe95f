/**
 * Putting a container's mounts together the way dockerd 20.10 does at create
 * (verifyContainerSettings, registerMountPoints, the Config.Volumes loop of
 * createContainerOSSpecificSettings) and at start (setupMounts + WithMounts).
 *
 * Create:
 *  1. every HostConfig.Mounts entry is validated (400), in order, including the
 *     bind-source check when `bindSourceExists` is given; then every
 *     HostConfig.Tmpfs destination (400);
 *  2. --volumes-from copies are registered; later entries silently replace them;
 *  3. Binds, in order: parseBind (500), daemon-root propagation (400), then
 *     `Duplicate mount point: <dst>` (400) against earlier Binds and Tmpfs keys;
 *  4. Mounts, in order: daemon-root propagation, then `Duplicate mount point:
 *     <Target as given>` against Binds and earlier Mounts. Not against Tmpfs;
 *  5. Config.Volumes, then image volumes: anonymous volumes, skipped silently
 *     where a mount point or a Tmpfs key already has the destination.
 * Start: --tmpfs and --mount tmpfs destinations shadow every other mount point
 * at the same destination; all mounts are sorted parents-first.
 *
 * Volume creation (and its `create <name>: …` errors), the "cannot mount volume
 * over existing file" check and copy-up stay with the engine: they need storage.
 */
import { invalidArgument, type EngineError } from '../errors.js';
import type { ApiMount } from './api-types.js';
import { bindToApiMount, parseBind } from './bind.js';
import { goPathClean, goQuote } from './go.js';
import { mountDepth } from './paths.js';
import type { MountSpec, TmpfsMountSpec, VolumeMountSpec } from './spec.js';
import { parseTmpfsMap, validateTmpfsDestination } from './tmpfs.js';
import { bindSourceMissingError, validateApiMount } from './validate.js';

export interface CollectMountsInput {
  /** HostConfig.Binds. */
  readonly binds?: readonly string[] | null;
  /** HostConfig.Mounts. */
  readonly mounts?: readonly ApiMount[] | null;
  /** HostConfig.Tmpfs. */
  readonly tmpfs?: Readonly<Record<string, string>> | null;
  /** Config.Volumes as the client sent it (`-v /x`). */
  readonly configVolumes?: Readonly<Record<string, unknown>> | null;
  /** The image's Config.Volumes. */
  readonly imageVolumes?: Readonly<Record<string, unknown>> | null;
  /**
   * Mount points inherited through HostConfig.VolumesFrom (parseVolumesFrom +
   * lookup + inheritMounts, in flag order). Pass a function to have it called
   * after step 1, where dockerd resolves them, so errors come in dockerd's order.
   */
  readonly volumesFrom?: readonly MountSpec[] | (() => readonly MountSpec[]);
  /** HostConfig.VolumeDriver: applies to Binds volumes and anonymous Config/image volumes, not to Mounts. */
  readonly volumeDriver?: string;
  /** Engine root: binds from inside it (or containing it) get `rslave` propagation. */
  readonly daemonRoot?: string;
  /** Existence check for `--mount` bind sources; skipped when absent (then see ValidatedApiMount). */
  readonly bindSourceExists?: (source: string) => boolean;
}

export interface CollectedMounts {
  /**
   * dockerd's container.MountPoints, in registration order: what `.Mounts` of
   * inspect lists and what `--volumes-from` copies. Excludes --tmpfs entries;
   * keeps a volume that a --tmpfs shadows (it is still referenced).
   */
  readonly mountPoints: MountSpec[];
  /** What gets mounted at start (`effectiveMounts`). */
  readonly mounts: MountSpec[];
}

/**
 * The part of verifyContainerSettings about mounts, run at create and again at
 * start: HostConfig.Mounts (invalidArgument, plus the bind-source check when
 * `bindSourceExists` is given), then HostConfig.Tmpfs destinations.
 */
export function verifyMountSettings(
  mounts: readonly ApiMount[] | null | undefined,
  tmpfs: Readonly<Record<string, string>> | null | undefined,
  bindSourceExists?: (source: string) => boolean,
): void {
  for (const m of mounts ?? []) {
    const { needsExistingSource } = validateApiMount(m);
    const source = m.Source ?? '';
    if (needsExistingSource && bindSourceExists !== undefined && !bindSourceExists(source)) {
      throw bindSourceMissingError(source);
    }
  }
  for (const dest of Object.keys(tmpfs ?? {})) validateTmpfsDestination(dest);
}

/**
 * `validateBindDaemonRoot`: a bind whose source is inside the daemon root (or
 * contains it) must use rslave/rshared. Returns true when rslave must be
 * forced (no propagation given). Plain string prefixes, as dockerd does.
 */
export function bindNeedsSlavePropagation(m: ApiMount, daemonRoot: string): boolean {
  if (m.Type !== 'bind') return false;
  const source = m.Source ?? '';
  if (!source.startsWith(daemonRoot) && !daemonRoot.startsWith(source)) return false;
  if (!m.BindOptions) return true;
  const p = m.BindOptions.Propagation ?? '';
  if (p === 'rslave' || p === 'rshared' || p === '') return p === '';
  throw invalidArgument(
    'invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, ' +
      `daemon root: ${goQuote(daemonRoot)}, bind mount source: ${goQuote(source)}, propagation: ${goQuote(p)}`,
  );
}

function withDaemonRoot(spec: MountSpec, m: ApiMount, daemonRoot: string | undefined): MountSpec {
  if (daemonRoot === undefined || spec.kind !== 'bind') return spec;
  return bindNeedsSlavePropagation(m, daemonRoot) ? { ...spec, propagation: 'rslave' } : spec;
}

const duplicate = (dest: string): EngineError => invalidArgument(`Duplicate mount point: ${dest}`);

/** Create-time registration; see the module comment for the rules and their order. */
export function collectMounts(input: CollectMountsInput): CollectedMounts {
  verifyMountSettings(input.mounts, input.tmpfs, input.bindSourceExists);

  const tmpfsKeys = new Set(Object.keys(input.tmpfs ?? {}));
  const points = new Map<string, MountSpec>();
  const register = (spec: MountSpec): void => {
    points.delete(spec.target); // a replacement moves to the end of the registration order
    points.set(spec.target, spec);
  };
  const claimed = new Set<string>(); // destinations of Binds and Mounts

  const inherited = typeof input.volumesFrom === 'function' ? input.volumesFrom() : (input.volumesFrom ?? []);
  for (const spec of inherited) register(spec);

  for (const raw of input.binds ?? []) {
    const spec = withDaemonRoot(parseBind(raw, input.volumeDriver ?? ''), bindToApiMount(raw).mount, input.daemonRoot);
    if (claimed.has(spec.target) || tmpfsKeys.has(spec.target)) throw duplicate(spec.target);
    claimed.add(spec.target);
    register(spec);
  }

  for (const m of input.mounts ?? []) {
    const spec = withDaemonRoot(validateApiMount(m).spec, m, input.daemonRoot);
    // dockerd reports the Target as given, not cleaned.
    if (claimed.has(spec.target)) throw duplicate(m.Target ?? '');
    claimed.add(spec.target);
    register(spec);
  }

  const driver = input.volumeDriver ?? '';
  const addAnonymous = (volumes: Readonly<Record<string, unknown>> | null | undefined, origin: 'config-volumes' | 'image'): void => {
    for (const key of Object.keys(volumes ?? {})) {
      const target = goPathClean(key);
      if (points.has(target) || tmpfsKeys.has(target)) continue;
      const spec: VolumeMountSpec = {
        kind: 'volume',
        name: undefined,
        anonymous: true,
        target,
        readOnly: false,
        noCopy: false,
        ...(driver !== '' ? { driver } : {}),
        mode: '',
        origin,
      };
      register(spec);
    }
  };
  addAnonymous(input.configVolumes, 'config-volumes');
  addAnonymous(input.imageVolumes, 'image');

  const mountPoints = [...points.values()];
  return { mountPoints, mounts: effectiveMounts(mountPoints, input.tmpfs) };
}

/**
 * Start-time list: every tmpfs (HostConfig.Tmpfs, then --mount tmpfs) replaces
 * the mount points at its destination (a --mount volume under a --tmpfs is not
 * mounted; a --mount tmpfs and a --tmpfs at one path are both mounted, stacked),
 * then everything is sorted parents-first. Tmpfs keys are compared verbatim.
 */
export function effectiveMounts(
  mountPoints: readonly MountSpec[],
  tmpfs: Readonly<Record<string, string>> | null | undefined,
): MountSpec[] {
  const flagTmpfs = parseTmpfsMap(tmpfs);
  const pointTmpfs = mountPoints.filter((m): m is TmpfsMountSpec => m.kind === 'tmpfs');
  const tmpfsDests = new Set([...flagTmpfs, ...pointTmpfs].map((m) => m.target));
  const others = mountPoints.filter((m) => m.kind !== 'tmpfs' && !tmpfsDests.has(m.target));
  return sortMounts([...others, ...flagTmpfs, ...pointTmpfs]);
}

/**
 * Parents first: by number of components of the cleaned destination. Equal
 * depths keep their order (dockerd's order there is unspecified).
 */
export function sortMounts<T extends { readonly target: string }>(mounts: readonly T[]): T[] {
  return mounts
    .map((m, i) => ({ m, i, d: mountDepth(m.target) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .map((x) => x.m);
}
