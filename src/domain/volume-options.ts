/**
 * The `local` volume driver's options (`docker volume create -o k=v`):
 * `type`, `o`, `device`, `size`. Pure validation in moby's order
 * (volume/local/local_unix.go validateOpts); the engine prefixes
 * "create <name>: " to the messages.
 */
import { invalidArgument } from './errors.js';
import { ramInBytes } from './units.js';

export type VolumeOptionMap = Readonly<Record<string, string>>;

export const LOCAL_VOLUME_OPTION_KEYS: readonly string[] = ['type', 'o', 'device', 'size'];

/** The smallest size ballast's size-limited volumes accept (an ext4 image below this is impractical). */
export const MIN_SIZE_LIMIT_BYTES = 1024 * 1024;

/** Which options each option needs (moby's mandatoryOpts, with the same slice order). */
const MANDATORY: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['device', ['type']],
  ['type', ['device']],
  ['o', ['device', 'type']],
];

export interface LocalVolumeOptions {
  /** Filesystem type for mount(2) (`none` with o=bind for a bind). */
  readonly type: string;
  /** Comma-separated mount options: flags and fs-specific data, split at mount time. */
  readonly o: string;
  readonly device: string;
  /** Bytes from `size` (0 when absent or zero). */
  readonly sizeBytes: number;
}

export interface ValidateOptions {
  /**
   * Whether a positive `size` can be honoured for a volume without
   * type/device/o. Docker needs xfs project quotas; ballast backs such a
   * volume with a size-limited filesystem image instead. When false, a
   * positive size fails exactly as in Docker.
   */
  readonly sizeLimit: boolean;
}

/**
 * Validates and normalises. Errors, in Docker's order:
 * invalid option → (cifs device port) → size → missing required option.
 */
export function validateLocalVolumeOptions(
  options: VolumeOptionMap | null,
  { sizeLimit }: ValidateOptions = { sizeLimit: false },
): LocalVolumeOptions | null {
  if (options === null) return null;
  const keys = Object.keys(options);
  if (keys.length === 0) return null;
  for (const k of keys) {
    // Docker reports the first invalid key in Go map order (random); we report the first given.
    if (!LOCAL_VOLUME_OPTION_KEYS.includes(k)) throw invalidArgument(`invalid option: ${goQuote(k)}`);
  }
  const type = options['type'];
  const device = options['device'];
  if (type === 'cifs' && device !== undefined && device !== '') {
    // Current moby: the port goes into o=port=…, never into the URL.
    if (cifsUrlPort(device) !== '') {
      throw invalidArgument("port not allowed in CIFS device URL, include 'port' in 'o='");
    }
  }
  let sizeBytes = 0;
  const size = options['size'];
  if (size !== undefined) {
    sizeBytes = ramInBytes(size);
    const plain = type === undefined && device === undefined && options['o'] === undefined;
    if (sizeBytes > 0 && !(sizeLimit && plain)) {
      throw invalidArgument('quota size requested but no quota support');
    }
    if (sizeBytes > 0 && sizeBytes < MIN_SIZE_LIMIT_BYTES) {
      throw invalidArgument(`invalid size: '${size}': a size-limited volume needs at least 1MiB`);
    }
  }
  for (const [opt, required] of MANDATORY) {
    if (!(opt in options)) continue;
    for (const r of required) {
      if (!(r in options)) throw invalidArgument(`missing required option: ${goQuote(r)}`);
    }
  }
  return { type: type ?? '', o: options['o'] ?? '', device: device ?? '', sizeBytes };
}

/**
 * True when the volume's data lives on a mount (moby's needsMount: device or
 * type given), or on ballast's size-limited image.
 */
export function localVolumeNeedsMount(options: VolumeOptionMap | null): boolean {
  if (options === null) return false;
  if (nonEmpty(options['device']) || nonEmpty(options['type'])) return true;
  const size = options['size'];
  if (size === undefined) return false;
  try {
    return ramInBytes(size) > 0;
  } catch {
    return false;
  }
}

/** A positive `size` on a volume without type/device/o: ballast's size-limited volume. */
export function isSizeLimitedVolume(options: VolumeOptionMap | null): boolean {
  if (options === null) return false;
  if (options['type'] !== undefined || options['device'] !== undefined || options['o'] !== undefined) return false;
  const size = options['size'];
  if (size === undefined) return false;
  try {
    return ramInBytes(size) > 0;
  } catch {
    return false;
  }
}

function nonEmpty(s: string | undefined): boolean {
  return s !== undefined && s !== '';
}

/** Go's %q for the plain ASCII keys users type; escapes quote, backslash and control characters. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** The port of a cifs device URL such as //host:445/share (Go url.Parse(...).Port()). */
function cifsUrlPort(device: string): string {
  const m = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/([^/?#]*)/.exec(device);
  if (!m) return '';
  const authority = (m[1] ?? '').replace(/^.*@/, '');
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  return hostPort?.[2] ?? '';
}
