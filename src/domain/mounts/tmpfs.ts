/**
 * tmpfs mounts: `--tmpfs <dst>[:<options>]` (HostConfig.Tmpfs) and the option
 * handling shared with `--mount type=tmpfs`.
 *
 * Stages, as in Docker:
 *  - client: split at the first ':' (parseTmpfsFlagClient); last value per destination wins;
 *  - create: only the destinations are validated (parseTmpfsMap);
 *  - start: options are merged with the defaults and validated (mergeTmpfsOptions),
 *    so a bad option leaves the container `created` with exit code 128.
 */
import { EngineError, invalidArgument } from '../errors.js';
import type { ApiTmpfsOptions } from './api-types.js';
import { goQuoteList, goSplitN } from './go.js';
import { absoluteError, notRootError } from './paths.js';
import type { TmpfsMountSpec } from './spec.js';

/** Options dockerd prepends to every tmpfs (oci_linux.go); user options override them. */
export const TMPFS_DEFAULT_OPTIONS: readonly string[] = ['noexec', 'nosuid', 'nodev', 'rprivate'];

/** `--tmpfs` value → [destination, options], split at the first ':' (docker CLI). */
export function parseTmpfsFlagClient(value: string): [string, string] {
  const i = value.indexOf(':');
  return i < 0 ? [value, ''] : [value.slice(0, i), value.slice(i + 1)];
}

/** All `--tmpfs` flags → HostConfig.Tmpfs; a repeated destination keeps the last options (T-30). */
export function parseTmpfsFlagsClient(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const [dst, opts] = parseTmpfsFlagClient(v);
    out[dst] = opts;
  }
  return out;
}

/** `ValidateTmpfsMountDestination`, run at create (and start): invalidArgument (400). */
export function validateTmpfsDestination(dest: string): void {
  const err = notRootError(dest) ?? absoluteError(dest);
  if (err !== undefined) throw invalidArgument(err);
}

/**
 * HostConfig.Tmpfs → tmpfs specs, destinations validated (create time).
 * Targets are the map keys verbatim; options are not looked at yet.
 */
export function parseTmpfsMap(tmpfs: Readonly<Record<string, string>> | null | undefined): TmpfsMountSpec[] {
  const out: TmpfsMountSpec[] = [];
  for (const [dest, options] of Object.entries(tmpfs ?? {})) {
    validateTmpfsDestination(dest);
    out.push({ kind: 'tmpfs', target: dest, options, readOnly: tmpfsOptionsReadOnly(options), origin: 'tmpfs-flag' });
  }
  return out;
}

/** Whether an option string mounts read-only (last `ro`/`rw` wins, as in the merge). */
export function tmpfsOptionsReadOnly(options: string): boolean {
  let ro = false;
  for (const o of options.split(',')) {
    if (o === 'ro') ro = true;
    else if (o === 'rw') ro = false;
  }
  return ro;
}

// moby/sys mount flags: every keyword MergeTmpfsOptions accepts, keyed by the
// mount(2) flag it sets or clears; a later keyword of the same key replaces an
// earlier one. All propagation keywords share one key.
const PROPAGATION_KEY = 'propagation';
const FLAG_KEYS: Readonly<Record<string, string>> = {
  ro: 'rdonly', rw: 'rdonly',
  suid: 'nosuid', nosuid: 'nosuid',
  dev: 'nodev', nodev: 'nodev',
  exec: 'noexec', noexec: 'noexec',
  sync: 'sync', async: 'sync',
  dirsync: 'dirsync',
  remount: 'remount',
  mand: 'mand', nomand: 'mand',
  atime: 'noatime', noatime: 'noatime',
  diratime: 'nodiratime', nodiratime: 'nodiratime',
  bind: PROPAGATION_KEY, rbind: PROPAGATION_KEY,
  unbindable: PROPAGATION_KEY, runbindable: PROPAGATION_KEY,
  private: PROPAGATION_KEY, rprivate: PROPAGATION_KEY,
  shared: PROPAGATION_KEY, rshared: PROPAGATION_KEY,
  slave: PROPAGATION_KEY, rslave: PROPAGATION_KEY,
  relatime: 'relatime', norelatime: 'relatime',
  strictatime: 'strictatime', nostrictatime: 'strictatime',
};
// Data keys tmpfs accepts; "" is in Go's table too, so "=x" passes.
const DATA_KEYS = new Set(['', 'size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/**
 * `mount.MergeTmpfsOptions`: drops `defaults`, keeps the last keyword per flag
 * and the last value per data key, in their original order. Anything else throws
 * `invalid tmpfs option ["k" "v"]` (the Debian 20.10 build's lower-case text).
 * Kind `internal`: dockerd fails the start with an untyped (500) error.
 */
export function mergeTmpfsOptionList(options: readonly string[]): string[] {
  const flagSeen = new Set<string>();
  const dataSeen = new Set<string>();
  const out: string[] = [];
  for (let i = options.length - 1; i >= 0; i--) {
    const option = options[i] ?? '';
    if (option === 'defaults') continue;
    const key = Object.hasOwn(FLAG_KEYS, option) ? FLAG_KEYS[option] : undefined;
    if (key !== undefined) {
      if (!flagSeen.has(key)) {
        out.unshift(option);
        flagSeen.add(key);
      }
      continue;
    }
    const kv = goSplitN(option, '=', 2);
    const dataKey = kv[0] ?? '';
    if (kv.length !== 2 || !DATA_KEYS.has(dataKey)) {
      throw new EngineError('internal', `invalid tmpfs option ${goQuoteList(kv)}`);
    }
    if (!dataSeen.has(dataKey)) {
      out.unshift(option);
      dataSeen.add(dataKey);
    }
  }
  return out;
}

/**
 * The final option list of a tmpfs at start: defaults, then the user's options
 * (`TmpfsMountSpec.options`), merged. `--tmpfs /t:exec` → nosuid,nodev,rprivate,exec.
 */
export function mergeTmpfsOptions(options: string): string[] {
  const all = [...TMPFS_DEFAULT_OPTIONS];
  if (options !== '') all.push(...options.split(','));
  return mergeTmpfsOptionList(all);
}

/**
 * `ConvertTmpfsOptions`: API TmpfsOptions (+ ReadOnly) → option string:
 * `ro`, `mode=%o`, `size=` with the largest of g/m/k dividing evenly, else bytes.
 * (1572864 → "size=1536k", 1000 → "size=1000", 0o1770 → "mode=1770".)
 */
export function tmpfsOptionsFromApi(opts: ApiTmpfsOptions | null | undefined, readOnly: boolean): string {
  const raw: string[] = [];
  if (readOnly) raw.push('ro');
  const mode = opts?.Mode ?? 0;
  if (mode !== 0) raw.push(`mode=${(mode >>> 0).toString(8)}`);
  const size = opts?.SizeBytes ?? 0;
  if (size !== 0) {
    let value = size;
    let suffix = '';
    for (const [sfx, div] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
      if (size % div === 0) {
        value = size / div;
        suffix = sfx;
        break;
      }
    }
    raw.push(`size=${value}${suffix}`);
  }
  return raw.join(',');
}
