/**
 * `--volumes-from <container>[:<mode>]` (HostConfig.VolumesFrom): the spec
 * parser and the copy of a source container's mount points (moby 20.10
 * `ParseVolumesFrom` and `registerMountPoints` step 2).
 *
 * dockerd returns these errors untyped, so HTTP 500: kind `internal`.
 */
import { EngineError, notFound } from '../errors.js';
import { goSplitN } from './go.js';
import { isValidMountMode, modeHasNoCopy, modeIsReadWrite, modePropagation } from './modes.js';
import type { MountSpec } from './spec.js';

export interface VolumesFromSpec {
  readonly container: string;
  /** "rw" when none was given. */
  readonly mode: string;
}

/**
 * `ctr`, `ctr:ro`, `ctr:z`, `ctr:rw,Z` … Modes are the `-v` modes minus
 * propagation and `nocopy`. Throws `volumes-from specification cannot be an
 * empty string` or `invalid mode: <m>`.
 */
export function parseVolumesFrom(spec: string): VolumesFromSpec {
  if (spec === '') throw new EngineError('internal', 'volumes-from specification cannot be an empty string');
  const parts = goSplitN(spec, ':', 2);
  const container = parts[0] ?? '';
  if (parts.length < 2) return { container, mode: 'rw' };
  const mode = parts[1] ?? '';
  if (!isValidMountMode(mode) || modePropagation(mode) !== undefined || modeHasNoCopy(mode)) {
    throw new EngineError('internal', `invalid mode: ${mode}`);
  }
  return { container, mode };
}

/**
 * The mount points a container inherits from `source` (the source container's
 * mount points, not its HostConfig.Tmpfs): same destinations, read-only if the
 * source is read-only or the mode says `ro` (`:rw` cannot make a read-only
 * source writable), Mode not copied (""), propagation kept, no copy-up.
 *
 * Reproduces dockerd's bug: a source with a `--mount type=tmpfs` makes the copy
 * look up a volume with an empty name, so the create fails with
 * `get: no such volume` (404, and the docker CLI then tries to pull the image).
 */
export function inheritMounts(source: readonly MountSpec[], mode: string): MountSpec[] {
  const rw = modeIsReadWrite(mode);
  return source.map((m): MountSpec => {
    switch (m.kind) {
      case 'volume':
        return {
          kind: 'volume',
          name: m.name,
          anonymous: m.anonymous,
          target: m.target,
          readOnly: m.readOnly || !rw,
          noCopy: true,
          ...(m.driver !== undefined ? { driver: m.driver } : {}),
          mode: '',
          origin: 'volumes-from',
        };
      case 'bind':
        return {
          kind: 'bind',
          source: m.source,
          target: m.target,
          readOnly: m.readOnly || !rw,
          propagation: m.propagation,
          nonRecursive: m.nonRecursive,
          createSource: true,
          mode: '',
          origin: 'volumes-from',
        };
      case 'tmpfs':
        throw notFound('get: no such volume');
    }
  });
}
