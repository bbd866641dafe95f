/**
 * Client side of `--mount` (docker CLI 28.2: opts/mount.go `MountOpt.Set`):
 * one CSV record of `key=value` fields → the API mount the CLI sends in
 * `HostConfig.Mounts`, in Go's omitempty shape.
 *
 * Errors are thrown as invalidArgument with the bare message; the CLI prints
 * `invalid argument "<value>" for "--mount" flag: <msg>` and exits 125.
 * Daemon-side rules (propagation names, absolute paths, source existence…)
 * are not checked here, exactly like the docker CLI: see validateApiMount.
 */
import { invalidArgument } from '../errors.js';
import { ramInBytes } from '../units.js';
import type { ApiBindOptions, ApiMount, ApiTmpfsOptions, ApiVolumeOptions } from './api-types.js';
import { CsvParseError, readCsvRecord } from './csv.js';
import { goCut, goFilepathAbs, goParseBool, goParseOctalUint32, goPathIsAbs } from './go.js';

export const BIND_NONRECURSIVE_WARNING = 'bind-nonrecursive is deprecated, use bind-recursive=disabled instead';

export interface ParsedMountFlag {
  readonly mount: ApiMount;
  /** Warnings the docker CLI logs (`level=warning msg="…"`) while accepting the value. */
  readonly warnings: readonly string[];
}

/** One `--mount` value → API mount. `cwd` resolves sources starting with '.'. */
export function parseMountFlagClient(value: string, cwd: string): ParsedMountFlag {
  let fields: string[];
  try {
    fields = readCsvRecord(value);
  } catch (e) {
    if (e instanceof CsvParseError) throw invalidArgument(e.message);
    throw e;
  }

  const warnings: string[] = [];
  let type = 'volume';
  let source = '';
  let target = '';
  let readOnly = false;
  let consistency = '';
  let bind: ApiBindOptions | undefined;
  let volume: { NoCopy: boolean; Subpath: string; Labels: Record<string, string>; Name: string; Options?: Record<string, string> } | undefined;
  let imageSubpath: string | undefined;
  let tmpfs: ApiTmpfsOptions | undefined;

  const bindOptions = (): ApiBindOptions => (bind ??= {});
  // The CLI creates Labels and an empty DriverConfig on any volume-* key (hence
  // `"VolumeOptions":{"DriverConfig":{}}` on the wire).
  const volumeOptions = (): NonNullable<typeof volume> => (volume ??= { NoCopy: false, Subpath: '', Labels: {}, Name: '' });
  const tmpfsOptions = (): ApiTmpfsOptions => (tmpfs ??= {});
  const setOnMap = (map: Record<string, string>, kv: string): void => {
    const { before, after } = goCut(kv, '=');
    if (before !== '') map[before] = after;
  };
  const parseBool = (key: string, val: string, message = `invalid value for ${key}: ${val}`): boolean => {
    const b = goParseBool(val);
    if (b === undefined) throw invalidArgument(message);
    return b;
  };

  for (const field of fields) {
    const { before, after: val, found } = goCut(field, '=');
    const key = before.toLowerCase();
    if (!found) {
      switch (key) {
        case 'readonly':
        case 'ro':
          readOnly = true;
          continue;
        case 'volume-nocopy':
          volumeOptions().NoCopy = true;
          continue;
        case 'bind-nonrecursive':
          bindOptions().NonRecursive = true;
          continue;
        default:
          throw invalidArgument(`invalid field '${field}' must be a key=value pair`);
      }
    }
    switch (key) {
      case 'type':
        type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        source = !goPathIsAbs(val) && val.startsWith('.') ? goFilepathAbs(val, cwd) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        target = val;
        break;
      case 'readonly':
      case 'ro':
        readOnly = parseBool(key, val);
        break;
      case 'consistency':
        consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bindOptions().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        bindOptions().NonRecursive = parseBool(key, val);
        warnings.push(BIND_NONRECURSIVE_WARNING);
        break;
      case 'bind-recursive':
        switch (val) {
          case 'enabled':
            break;
          case 'disabled':
            bindOptions().NonRecursive = true;
            break;
          case 'writable':
            bindOptions().ReadOnlyNonRecursive = true;
            break;
          case 'readonly':
            bindOptions().ReadOnlyForceRecursive = true;
            break;
          default:
            throw invalidArgument(
              `invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`,
            );
        }
        break;
      case 'volume-subpath':
        volumeOptions().Subpath = val;
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = parseBool(key, val, `invalid value for volume-nocopy: ${val}`);
        break;
      case 'volume-label':
        setOnMap(volumeOptions().Labels, val);
        break;
      case 'volume-driver':
        volumeOptions().Name = val;
        break;
      case 'volume-opt':
        setOnMap((volumeOptions().Options ??= {}), val);
        break;
      case 'image-subpath':
        imageSubpath = val;
        break;
      case 'tmpfs-size': {
        let size: number;
        try {
          size = ramInBytes(val);
        } catch {
          throw invalidArgument(`invalid value for ${key}: ${val}`);
        }
        tmpfsOptions().SizeBytes = size;
        break;
      }
      case 'tmpfs-mode': {
        const mode = goParseOctalUint32(val);
        if (mode === undefined) throw invalidArgument(`invalid value for ${key}: ${val}`);
        tmpfsOptions().Mode = mode;
        break;
      }
      default:
        throw invalidArgument(`unexpected key '${key}' in '${field}'`);
    }
  }

  if (type === '') throw invalidArgument('type is required');
  if (target === '') throw invalidArgument('target is required');
  if (volume !== undefined && type !== 'volume') throw invalidArgument(`cannot mix 'volume-*' options with mount type '${type}'`);
  if (imageSubpath !== undefined && type !== 'image') throw invalidArgument(`cannot mix 'image-*' options with mount type '${type}'`);
  if (bind !== undefined && type !== 'bind') throw invalidArgument(`cannot mix 'bind-*' options with mount type '${type}'`);
  if (tmpfs !== undefined && type !== 'tmpfs') throw invalidArgument(`cannot mix 'tmpfs-*' options with mount type '${type}'`);
  if (bind?.ReadOnlyNonRecursive && !readOnly) {
    throw invalidArgument("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  }
  if (bind?.ReadOnlyForceRecursive) {
    if (!readOnly) throw invalidArgument("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (bind.Propagation !== 'rprivate') {
      throw invalidArgument("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
    }
  }

  // Assemble in Go's field order, omitting zero values (json omitempty).
  const mount: ApiMount = { Type: type };
  if (source !== '') mount.Source = source;
  mount.Target = target;
  if (readOnly) mount.ReadOnly = true;
  if (consistency !== '') mount.Consistency = consistency;
  if (bind !== undefined) {
    const b: ApiBindOptions = {};
    if (bind.Propagation) b.Propagation = bind.Propagation;
    if (bind.NonRecursive) b.NonRecursive = true;
    if (bind.ReadOnlyNonRecursive) b.ReadOnlyNonRecursive = true;
    if (bind.ReadOnlyForceRecursive) b.ReadOnlyForceRecursive = true;
    mount.BindOptions = b;
  }
  if (volume !== undefined) {
    const v: ApiVolumeOptions = {};
    if (volume.NoCopy) v.NoCopy = true;
    if (Object.keys(volume.Labels).length > 0) v.Labels = volume.Labels;
    if (volume.Subpath !== '') v.Subpath = volume.Subpath;
    v.DriverConfig = {
      ...(volume.Name !== '' ? { Name: volume.Name } : {}),
      ...(volume.Options && Object.keys(volume.Options).length > 0 ? { Options: volume.Options } : {}),
    };
    mount.VolumeOptions = v;
  }
  if (imageSubpath !== undefined) mount.ImageOptions = imageSubpath !== '' ? { Subpath: imageSubpath } : {};
  if (tmpfs !== undefined) {
    const t: ApiTmpfsOptions = {};
    if (tmpfs.SizeBytes) t.SizeBytes = tmpfs.SizeBytes;
    if (tmpfs.Mode) t.Mode = tmpfs.Mode;
    mount.TmpfsOptions = t;
  }
  return { mount, warnings };
}

/**
 * The CLI refuses to send `bind-recursive=readonly` to an engine older than API
 * 1.44 (it exits 1 with this text). undefined when the mount is fine for `apiVersion`.
 */
export function mountApiVersionError(m: ApiMount, apiVersion: string): string | undefined {
  if (m.BindOptions?.ReadOnlyForceRecursive && compareApiVersions(apiVersion, '1.44') < 0) {
    return 'bind-recursive=readonly requires API v1.44 or later';
  }
  return undefined;
}

function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
