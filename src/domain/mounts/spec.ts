/**
 * The typed mount every entry point becomes: `-v` (HostConfig.Binds and
 * Config.Volumes), `--mount` (HostConfig.Mounts), `--tmpfs` (HostConfig.Tmpfs),
 * image VOLUMEs and `--volumes-from`. Parsed once, at the edge; the engine,
 * the runtime and the API renderers work on these and never re-read the
 * original syntax.
 *
 * A MountSpec corresponds to dockerd's `volume/mounts.MountPoint` (what
 * `docker inspect .Mounts` shows), plus the `--tmpfs` entries that dockerd keeps
 * outside MountPoints.
 */

export const PROPAGATIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'] as const;
export type Propagation = (typeof PROPAGATIONS)[number];
export const DEFAULT_PROPAGATION: Propagation = 'rprivate';

export function isPropagation(s: string): s is Propagation {
  return (PROPAGATIONS as readonly string[]).includes(s);
}

/** Where a mount came from; it decides precedence, defaults and rendering. */
export type VolumeOrigin = 'binds' | 'mounts' | 'volumes-from' | 'image' | 'config-volumes';
export type BindOrigin = 'binds' | 'mounts' | 'volumes-from';
export type TmpfsOrigin = 'tmpfs-flag' | 'mounts';
export type MountOrigin = VolumeOrigin | BindOrigin | TmpfsOrigin;

export interface VolumeMountSpec {
  readonly kind: 'volume';
  /** Volume name; undefined until the engine generates a 64-hex name for an anonymous volume. */
  readonly name: string | undefined;
  /**
   * The user did not name it (`-v /x`, `--mount` without src, image VOLUME, and
   * anonymous volumes inherited through --volumes-from). `rm -v` removes these.
   */
  readonly anonymous: boolean;
  /**
   * Cleaned destination. For Config.Volumes/image volumes it is not validated at
   * all (`-v ab` → "ab", `-v x:/data` → "x:/data"); the runtime mounts a
   * relative one under "/" ("/ab").
   */
  readonly target: string;
  readonly readOnly: boolean;
  /** Copy-up disabled: `nocopy`, `volume-nocopy`, and always for --volumes-from. */
  readonly noCopy: boolean;
  /** Driver asked for (`volume-driver`, `--volume-driver`); undefined = daemon default. */
  readonly driver?: string;
  /** `volume-opt`s, applied only if the volume is created now. */
  readonly driverOptions?: Readonly<Record<string, string>>;
  /** `volume-label`s, applied only if the volume is created now. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Raw `-v` mode string ("" when none); see `renderedMode` for inspect's Mode. */
  readonly mode: string;
  readonly origin: VolumeOrigin;
}

export interface BindMountSpec {
  readonly kind: 'bind';
  /** Cleaned absolute host path. */
  readonly source: string;
  /** Cleaned absolute destination. */
  readonly target: string;
  readonly readOnly: boolean;
  /** Effective propagation: given, `rslave` inside the daemon root, else `rprivate`. */
  readonly propagation: Propagation;
  /** `bind-recursive=disabled` / `bind-nonrecursive`: plain bind instead of rbind. */
  readonly nonRecursive: boolean;
  /**
   * A missing source is created (mkdir -p, 0755, root) at start: true for `-v`
   * and --volumes-from. False for `--mount`, whose source must exist at create
   * and again at start (`bindSourceMissingError`).
   */
  readonly createSource: boolean;
  /** Raw `-v` mode string ("" when none). */
  readonly mode: string;
  readonly origin: BindOrigin;
}

export interface TmpfsMountSpec {
  readonly kind: 'tmpfs';
  /** Destination. For `--tmpfs` it is the HostConfig.Tmpfs key verbatim (dockerd does not clean it). */
  readonly target: string;
  /** `tmpfs-size` (--mount only; a --tmpfs size stays inside `options`). */
  readonly sizeBytes?: number;
  /** `tmpfs-mode` permission bits (--mount only), e.g. 0o1770. */
  readonly mode?: number;
  /**
   * The comma-separated option string dockerd hands to MergeTmpfsOptions at
   * start: the `--tmpfs` options verbatim, or `tmpfsOptionsFromApi(...)` for
   * --mount ("ro,mode=1770,size=64m"). `mergeTmpfsOptions(options)` gives the
   * final list with the noexec,nosuid,nodev,rprivate defaults (and validates it).
   */
  readonly options: string;
  readonly readOnly: boolean;
  readonly origin: TmpfsOrigin;
}

export type MountSpec = VolumeMountSpec | BindMountSpec | TmpfsMountSpec;

/**
 * `.Mounts[].Mode` as dockerd 20.10 renders it: a named or anonymous volume from
 * Binds or Mounts that has no mode and uses the `local` driver gets "z"
 * (setBindModeIfNull); every other mount shows its raw mode ("" for
 * Config.Volumes, image volumes, --volumes-from copies, --mount binds and tmpfs).
 * `driverName` is the driver of the volume actually used.
 */
export function renderedMode(spec: MountSpec, driverName?: string): string {
  if (spec.kind === 'tmpfs') return '';
  if (spec.kind === 'volume' && (spec.origin === 'binds' || spec.origin === 'mounts') && driverName === 'local' && spec.mode === '') {
    return 'z';
  }
  return spec.mode;
}

/** `.Mounts[].Propagation`: bind propagation, "" for volumes and tmpfs. */
export function renderedPropagation(spec: MountSpec): string {
  return spec.kind === 'bind' ? spec.propagation : '';
}
