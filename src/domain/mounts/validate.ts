/**
 * Daemon-side validation of API mounts (`HostConfig.Mounts`), as dockerd 20.10's
 * `validateMountConfigImpl` + `parseMountSpec` (moby volume/mounts/linux_parser.go).
 *
 * dockerd runs it at create and again at start. The one check that needs the
 * disk — a `--mount` bind source must exist — is left to the caller:
 * `needsExistingSource` says when, `bindSourceMissingError` builds the error.
 */
import { EngineError, invalidArgument } from '../errors.js';
import type { ApiMount } from './api-types.js';
import { goPathClean, goQuote } from './go.js';
import { absoluteError, notRootError } from './paths.js';
import {
  DEFAULT_PROPAGATION,
  isPropagation,
  type BindOrigin,
  type MountSpec,
  type VolumeOrigin,
} from './spec.js';
import { tmpfsOptionsFromApi } from './tmpfs.js';

/** `invalid mount config for type "<t>": <detail>` — Go's `%q` of the type. */
export function mountConfigMessage(type: string, detail: string): string {
  return `invalid mount config for type ${goQuote(type)}: ${detail}`;
}

/**
 * The first rule an API mount breaks, as dockerd words it (prefix included), or
 * undefined. Never checks the disk. Fields unknown to API 1.41 are ignored, as
 * 20.10 ignores them.
 */
export function mountConfigError(m: ApiMount): string | undefined {
  const type = m.Type ?? '';
  const fail = (detail: string): string => mountConfigMessage(type, detail);
  const target = m.Target ?? '';
  if (target === '') return fail('field Target must not be empty');
  const targetErr = notRootError(target) ?? absoluteError(target);
  if (targetErr !== undefined) return fail(targetErr);
  const source = m.Source ?? '';

  switch (type) {
    case 'bind': {
      if (source === '') return fail('field Source must not be empty');
      const propagation = m.BindOptions?.Propagation ?? '';
      if (propagation !== '' && !isPropagation(propagation)) return fail(`invalid propagation mode: ${propagation}`);
      if (m.VolumeOptions) return fail('field VolumeOptions must not be specified');
      const sourceErr = absoluteError(source);
      if (sourceErr !== undefined) return fail(sourceErr);
      return undefined;
    }
    case 'volume':
      if (m.BindOptions) return fail('field BindOptions must not be specified');
      // 20.10 only; current moby allows it.
      if (source === '' && m.ReadOnly) return fail('must not set ReadOnly mode when using anonymous volumes');
      return undefined;
    case 'tmpfs':
      if (m.BindOptions) return fail('field BindOptions must not be specified');
      if (source !== '') return fail('field Source must not be specified');
      return undefined;
    default:
      // image, npipe, cluster and anything else: 20.10 knows none of them.
      return fail('mount type unknown');
  }
}

/** `invalid mount config for type "bind": bind source path does not exist: <s>` (400). */
export function bindSourceMissingError(source: string): EngineError {
  return invalidArgument(mountConfigMessage('bind', `bind source path does not exist: ${source}`));
}

export interface ValidatedApiMount {
  readonly spec: MountSpec;
  /**
   * A `--mount` bind: the engine must check that `ApiMount.Source` (verbatim, not
   * cleaned) exists, at create and again at start, and throw
   * `bindSourceMissingError(source)` if not. dockerd never creates it.
   */
  readonly needsExistingSource: boolean;
}

/** Validates one `HostConfig.Mounts` entry (throws invalidArgument, 400) and converts it. */
export function validateApiMount(m: ApiMount): ValidatedApiMount {
  const err = mountConfigError(m);
  if (err !== undefined) throw invalidArgument(err);
  const spec = mountSpecFromApi(m, 'mounts', '');
  return { spec, needsExistingSource: spec.kind === 'bind' };
}

/**
 * `parseMountSpec` after validation: an already valid API mount → MountSpec.
 * `origin` is 'mounts' for HostConfig.Mounts and 'binds' for a parsed `-v`;
 * `mode` is the raw `-v` mode ("" for --mount).
 */
export function mountSpecFromApi(m: ApiMount, origin: 'mounts' | 'binds', mode: string): MountSpec {
  const target = goPathClean(m.Target ?? '');
  const readOnly = m.ReadOnly === true;
  const source = m.Source ?? '';
  switch (m.Type) {
    case 'volume': {
      const vo = m.VolumeOptions;
      const driver = vo?.DriverConfig?.Name ?? '';
      const driverOptions = vo?.DriverConfig?.Options;
      const labels = vo?.Labels;
      return {
        kind: 'volume',
        name: source === '' ? undefined : source,
        anonymous: source === '',
        target,
        readOnly,
        noCopy: vo?.NoCopy === true,
        ...(driver !== '' ? { driver } : {}),
        ...(driverOptions && Object.keys(driverOptions).length > 0 ? { driverOptions: { ...driverOptions } } : {}),
        ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
        mode,
        origin: origin satisfies VolumeOrigin,
      };
    }
    case 'bind': {
      const p = m.BindOptions?.Propagation ?? '';
      return {
        kind: 'bind',
        source: goPathClean(source),
        target,
        readOnly,
        propagation: isPropagation(p) ? p : DEFAULT_PROPAGATION,
        nonRecursive: m.BindOptions?.NonRecursive === true,
        createSource: origin === 'binds',
        mode,
        origin: origin satisfies BindOrigin,
      };
    }
    case 'tmpfs': {
      const size = m.TmpfsOptions?.SizeBytes ?? 0;
      const fileMode = m.TmpfsOptions?.Mode ?? 0;
      return {
        kind: 'tmpfs',
        target,
        ...(size !== 0 ? { sizeBytes: size } : {}),
        ...(fileMode !== 0 ? { mode: fileMode } : {}),
        options: tmpfsOptionsFromApi(m.TmpfsOptions, readOnly),
        readOnly,
        origin: 'mounts',
      };
    }
    default:
      throw new EngineError('internal', mountConfigMessage(m.Type ?? '', 'mount type unknown'));
  }
}
