/**
 * Wire types of the Docker Engine API for mounts (`HostConfig.Mounts[]`,
 * github.com/docker/docker/api/types/mount). Field names are the API's.
 *
 * Fields are optional and nullable because clients send both absent and
 * `null` values (compose sends `"Source": null, "ReadOnly": null`); Go decodes
 * both as the zero value, and so do the validators here.
 *
 * Fields marked (API ≥ x) are unknown to dockerd 20.10 (API 1.41), which drops
 * them when it stores the config; see `normalizeApiMount`.
 */

export type ApiMountType = 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';

export interface ApiBindOptions {
  Propagation?: string | null;
  NonRecursive?: boolean | null;
  /** (API ≥ 1.44) create a missing source. */
  CreateMountpoint?: boolean | null;
  /** (API ≥ 1.44) `bind-recursive=writable`. */
  ReadOnlyNonRecursive?: boolean | null;
  /** (API ≥ 1.44) `bind-recursive=readonly`. */
  ReadOnlyForceRecursive?: boolean | null;
}

export interface ApiDriver {
  Name?: string | null;
  Options?: Record<string, string> | null;
}

export interface ApiVolumeOptions {
  NoCopy?: boolean | null;
  Labels?: Record<string, string> | null;
  /** (API ≥ 1.45) `volume-subpath`. */
  Subpath?: string | null;
  DriverConfig?: ApiDriver | null;
}

export interface ApiImageOptions {
  /** (API ≥ 1.48) */
  Subpath?: string | null;
}

export interface ApiTmpfsOptions {
  /** Size in bytes; 0 = kernel default (half of RAM). */
  SizeBytes?: number | null;
  /** Permission bits as a number (os.FileMode), e.g. 1016 for 01770. */
  Mode?: number | null;
  /** (API ≥ 1.46) extra flags, e.g. [["exec"]]. */
  Options?: string[][] | null;
}

/** One entry of `HostConfig.Mounts`. */
export interface ApiMount {
  Type?: ApiMountType | string | null;
  Source?: string | null;
  Target?: string | null;
  ReadOnly?: boolean | null;
  Consistency?: string | null;
  BindOptions?: ApiBindOptions | null;
  VolumeOptions?: ApiVolumeOptions | null;
  /** (API ≥ 1.48) */
  ImageOptions?: ApiImageOptions | null;
  TmpfsOptions?: ApiTmpfsOptions | null;
  /** (API ≥ 1.42) swarm cluster volumes; never valid here. */
  ClusterOptions?: Record<string, unknown> | null;
}

/** `.Mounts[]` of `docker inspect` (types.MountPoint), for the API layer to render. */
export interface ApiMountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/**
 * The form dockerd 20.10 stores and returns in `HostConfig.Mounts`: zero values
 * and nulls dropped (Go's `omitempty`), fields unknown to API 1.41 dropped, key
 * order as Go marshals it. An empty but present options object stays (`"BindOptions":{}`).
 */
export function normalizeApiMount(m: ApiMount): ApiMount {
  const out: ApiMount = {};
  if (m.Type) out.Type = m.Type;
  if (m.Source) out.Source = m.Source;
  if (m.Target) out.Target = m.Target;
  if (m.ReadOnly) out.ReadOnly = true;
  if (m.Consistency) out.Consistency = m.Consistency;
  if (m.BindOptions) {
    const b: ApiBindOptions = {};
    if (m.BindOptions.Propagation) b.Propagation = m.BindOptions.Propagation;
    if (m.BindOptions.NonRecursive) b.NonRecursive = true;
    out.BindOptions = b;
  }
  if (m.VolumeOptions) {
    const v: ApiVolumeOptions = {};
    if (m.VolumeOptions.NoCopy) v.NoCopy = true;
    if (m.VolumeOptions.Labels && Object.keys(m.VolumeOptions.Labels).length > 0) v.Labels = { ...m.VolumeOptions.Labels };
    if (m.VolumeOptions.DriverConfig) {
      const d: ApiDriver = {};
      if (m.VolumeOptions.DriverConfig.Name) d.Name = m.VolumeOptions.DriverConfig.Name;
      const opts = m.VolumeOptions.DriverConfig.Options;
      if (opts && Object.keys(opts).length > 0) d.Options = { ...opts };
      v.DriverConfig = d;
    }
    out.VolumeOptions = v;
  }
  if (m.TmpfsOptions) {
    const t: ApiTmpfsOptions = {};
    if (m.TmpfsOptions.SizeBytes) t.SizeBytes = m.TmpfsOptions.SizeBytes;
    if (m.TmpfsOptions.Mode) t.Mode = m.TmpfsOptions.Mode;
    out.TmpfsOptions = t;
  }
  return out;
}
