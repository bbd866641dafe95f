/**
 * Client side of `-v` / `--volume` (docker CLI 28: cli/compose/loader/volume.go
 * `ParseVolume` and the routing in cli/command/container/opts.go). The CLI
 * only splits the spec to decide where it goes:
 *  - one token → an anonymous volume in `Config.Volumes` (not validated at all);
 *  - with a source → the string, nearly verbatim, in `HostConfig.Binds`
 *    (the daemon parses it again: parseBind).
 * Errors are thrown as invalidArgument with the CLI's bare text; `bin/ballast`
 * prints `docker: <msg>` and exits 125.
 */
import { invalidArgument } from '../errors.js';
import { goFilepathAbs, goPathIsAbs } from './go.js';

export type VolumeFlagResult =
  | { readonly anonymousTarget: string; readonly bind?: never }
  | { readonly bind: string; readonly anonymousTarget?: never };

const END = '\u0000';

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}

/** A ':' right after a single letter is a Windows drive colon ("c:/data" is one token). */
function isWindowsDrive(buffer: readonly string[], ch: string): boolean {
  return ch === ':' && buffer.length === 1 && isLetter(buffer[0] ?? '');
}

/** compose loader `isFilePath`: decides bind vs volume for the relative-path rewrite. */
function isFilePath(source: string): boolean {
  const first = source.charAt(0);
  if (first === '.' || first === '/' || first === '~') return true;
  const runes = [...source];
  if (runes.length === 1) return false;
  if (source.startsWith('\\\\')) return true; // Windows named pipes
  return isWindowsDrive([runes[0] ?? ''], runes[1] ?? '');
}

/** The three sections of a `-v` spec, as the compose loader splits them. */
export interface VolumeFlagParts {
  readonly source: string;
  readonly target: string;
  readonly options: string;
}

/**
 * `ParseVolume`'s splitting. Throws `invalid empty volume spec`,
 * `invalid spec: <spec>: empty section between colons`,
 * `invalid spec: <spec>: too many colons`.
 */
export function splitVolumeFlag(spec: string): VolumeFlagParts {
  const byteLength = new TextEncoder().encode(spec).length;
  if (byteLength === 0) throw invalidArgument('invalid empty volume spec');
  if (byteLength <= 2) return { source: '', target: spec, options: '' };

  let source = '';
  let target = '';
  let options = '';
  let buffer: string[] = [];
  for (const ch of [...spec, END]) {
    if (isWindowsDrive(buffer, ch)) {
      buffer.push(ch);
    } else if (ch === ':' || ch === END) {
      const text = buffer.join('');
      if (buffer.length === 0) throw invalidArgument(`invalid spec: ${spec}: empty section between colons`);
      if (source === '' && ch === END) target = text;
      else if (source === '') source = text;
      else if (target === '') target = text;
      else if (ch === ':') throw invalidArgument(`invalid spec: ${spec}: too many colons`);
      else options = text; // unknown options are the daemon's business
      buffer = [];
    } else {
      buffer.push(ch);
    }
  }
  return { source, target, options };
}

/**
 * One `-v` value → where the CLI puts it. A bind source starting with '.'
 * (".", "./x", "../x") is made absolute against `cwd` (CLI ≥ 23); `~` is not
 * expanded. `a:b:c:d` passes (drive-letter rule) and fails in the daemon.
 */
export function parseVolumeFlagClient(spec: string, cwd: string): VolumeFlagResult {
  const parts = splitVolumeFlag(spec);
  if (parts.source === '') return { anonymousTarget: spec };
  if (isFilePath(parts.source)) {
    // The CLI rewrites the text before the first ':' of the raw spec, not the parsed source.
    const i = spec.indexOf(':');
    if (i >= 0) {
      let host = spec.slice(0, i);
      if (!goPathIsAbs(host) && host.startsWith('.')) host = goFilepathAbs(host, cwd);
      return { bind: `${host}:${spec.slice(i + 1)}` };
    }
  }
  return { bind: spec };
}

/**
 * All `-v` flags → `HostConfig.Binds` and `Config.Volumes`. Identical strings
 * count once (the CLI keeps them in a map); order is first occurrence.
 */
export function parseVolumeFlagsClient(
  specs: readonly string[],
  cwd: string,
): { binds: string[]; volumes: Record<string, Record<string, never>> } {
  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const spec of new Set(specs)) {
    const r = parseVolumeFlagClient(spec, cwd);
    if (r.bind !== undefined) binds.push(r.bind);
    else volumes[r.anonymousTarget] = {};
  }
  return { binds, volumes };
}
