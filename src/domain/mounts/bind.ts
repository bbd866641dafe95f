/**
 * Daemon-side parsing of one `HostConfig.Binds` entry (`-v src:dst[:mode]` as
 * the client sent it): moby 20.10 `linuxParser.ParseMountRaw`.
 *
 * Every error here is untyped in dockerd, so HTTP 500: kind `internal`.
 */
import { EngineError } from '../errors.js';
import type { ApiMount } from './api-types.js';
import { goPathIsAbs, goSplitN } from './go.js';
import { isValidMountMode, modeHasNoCopy, modeIsReadWrite, modePropagation } from './modes.js';
import type { BindMountSpec, VolumeMountSpec } from './spec.js';
import { mountConfigError, mountSpecFromApi } from './validate.js';

function invalidSpec(raw: string, detail?: string): EngineError {
  const base = `invalid volume specification: '${raw}'`;
  return new EngineError('internal', detail === undefined ? base : `${base}: ${detail}`);
}

/**
 * The API mount dockerd derives from a Binds entry (its MountPoint.Spec) plus the
 * raw mode. Throws like `parseBind`, except for the config validation.
 */
export function bindToApiMount(raw: string, volumeDriver = ''): { mount: ApiMount; mode: string } {
  // 20.10 counts colons; master splits into at most 4 fields and rejects 4: same outcome.
  if (raw.split(':').length - 1 > 2) throw invalidSpec(raw);
  const arr = goSplitN(raw, ':', 3);
  if ((arr[0] ?? '') === '') throw invalidSpec(raw);

  let source = '';
  let target = '';
  let mode = '';
  if (arr.length === 1) {
    target = arr[0] ?? '';
  } else if (arr.length === 2) {
    // "/data:ro": a destination with a mode but no source is not a volume.
    if (isValidMountMode(arr[1] ?? '')) throw invalidSpec(raw);
    source = arr[0] ?? '';
    target = arr[1] ?? '';
  } else {
    source = arr[0] ?? '';
    target = arr[1] ?? '';
    mode = arr[2] ?? '';
  }
  if (!isValidMountMode(mode)) throw new EngineError('internal', `invalid mode: ${mode}`);

  const type = goPathIsAbs(source) ? 'bind' : 'volume';
  const mount: ApiMount = { Type: type, Source: source, Target: target, ReadOnly: !modeIsReadWrite(mode) };
  // --volume-driver never applies to binds.
  if (volumeDriver !== '' && type === 'volume') mount.VolumeOptions = { DriverConfig: { Name: volumeDriver } };
  if (modeHasNoCopy(mode)) mount.VolumeOptions = { ...(mount.VolumeOptions ?? {}), NoCopy: true };
  const propagation = modePropagation(mode);
  if (propagation !== undefined) mount.BindOptions = { Propagation: propagation };
  return { mount, mode };
}

/**
 * `ParseMountRaw`: `spec-v1:/data:ro` → volume, `/host:/data:rslave` → bind,
 * `/data` → anonymous volume. Target (and bind source) are path-cleaned; the
 * bind source is not checked (created at start). Errors, all `internal` (500):
 * `invalid volume specification: '<raw>'`, `invalid mode: <mode>`, and
 * `invalid volume specification: '<raw>': invalid mount config for type "<t>": …`.
 */
export function parseBind(raw: string, volumeDriver = ''): VolumeMountSpec | BindMountSpec {
  const { mount, mode } = bindToApiMount(raw, volumeDriver);
  const err = mountConfigError(mount);
  if (err !== undefined) throw invalidSpec(raw, err);
  const spec = mountSpecFromApi(mount, 'binds', mode);
  if (spec.kind === 'tmpfs') throw invalidSpec(raw); // unreachable: Binds are volumes or binds
  return spec;
}
