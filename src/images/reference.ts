/**
 * Image references, after docker/distribution's `reference` package:
 * grammar, normalisation (`busybox` → `docker.io/library/busybox`, tag
 * `latest` by default) and the "familiar" form users see. Error texts are the
 * package's, since Docker prints them verbatim.
 */
import { EngineError } from '../domain/errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO = 'library';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_MAX = 255;

const alphaNumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]*)';
const nameComponent = `${alphaNumeric}(?:${separator}${alphaNumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const namePat = `(?:${domain}/)?${nameComponent}(?:/${nameComponent})*`;
const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const TAG_RE = new RegExp(`^${tagPat}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const SHORT_IDENTIFIER_RE = /^[a-f0-9]{6,64}$/;

export interface ImageRef {
  /** Registry domain, "docker.io" for Docker Hub. */
  domain: string;
  /** Repository path inside the domain, "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

export class ReferenceError extends EngineError {
  constructor(message: string) {
    super('invalidArgument', message);
  }
}

function invalid(message: string): never {
  throw new ReferenceError(message);
}

/** reference.Parse on an already-normalised string. */
function parse(s: string): ImageRef {
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    if (s === '') invalid('repository name must have at least one component');
    if (REFERENCE_RE.test(s.toLowerCase())) invalid('invalid reference format: repository name must be lowercase');
    invalid('invalid reference format');
  }
  const name = m[1] ?? '';
  if (name.length > NAME_TOTAL_MAX) invalid(`repository name must not be more than ${NAME_TOTAL_MAX} characters`);
  const slash = name.indexOf('/');
  const ref: ImageRef = { domain: name.slice(0, slash), path: name.slice(slash + 1) };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = m[3];
  return ref;
}

function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let d: string;
  let remainder: string;
  const first = i >= 0 ? name.slice(0, i) : '';
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    d = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    d = first;
    remainder = name.slice(i + 1);
  }
  if (d === LEGACY_DEFAULT_DOMAIN) d = DEFAULT_DOMAIN;
  if (d === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `${OFFICIAL_REPO}/${remainder}`;
  return [d, remainder];
}

/** reference.ParseNormalizedNamed: "busybox:1" → docker.io/library/busybox:1. */
export function parseNormalizedNamed(s: string): ImageRef {
  if (IDENTIFIER_RE.test(s)) invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const [d, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remoteName = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remoteName.toLowerCase() !== remoteName) invalid('invalid reference format: repository name must be lowercase');
  return parse(`${d}/${remainder}`);
}

export type AnyReference = { kind: 'named'; ref: ImageRef } | { kind: 'id'; id: string };

/** reference.ParseAnyReference: a 64-hex id, a "sha256:<hex>" digest, or a name. */
export function parseAnyReference(s: string): AnyReference {
  if (IDENTIFIER_RE.test(s)) return { kind: 'id', id: `sha256:${s}` };
  if (/^sha256:[a-f0-9]{64}$/.test(s)) return { kind: 'id', id: s };
  return { kind: 'named', ref: parseNormalizedNamed(s) };
}

export function validateTag(tag: string): void {
  if (!TAG_RE.test(tag)) invalid('invalid tag format');
}

export function withTag(ref: ImageRef, tag: string): ImageRef {
  validateTag(tag);
  const out: ImageRef = { domain: ref.domain, path: ref.path, tag };
  return out;
}

/** TagNameOnly: add ":latest" when there is neither tag nor digest. */
export function withDefaultTag(ref: ImageRef): ImageRef {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return { ...ref, tag: DEFAULT_TAG };
}

export function isNameOnly(ref: ImageRef): boolean {
  return ref.tag === undefined && ref.digest === undefined;
}

export function fullName(ref: ImageRef): string {
  return `${ref.domain}/${ref.path}`;
}

export function familiarName(ref: ImageRef): string {
  if (ref.domain !== DEFAULT_DOMAIN) return fullName(ref);
  const p = ref.path;
  if (p.startsWith(`${OFFICIAL_REPO}/`) && !p.slice(OFFICIAL_REPO.length + 1).includes('/')) {
    return p.slice(OFFICIAL_REPO.length + 1);
  }
  return p;
}

function suffix(ref: ImageRef): string {
  return `${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** "docker.io/library/busybox:latest" */
export function fullString(ref: ImageRef): string {
  return `${fullName(ref)}${suffix(ref)}`;
}

/** "busybox:latest" */
export function familiarString(ref: ImageRef): string {
  return `${familiarName(ref)}${suffix(ref)}`;
}

/** Could this string be (a prefix of) an image id? */
export function looksLikeIdPrefix(s: string): boolean {
  const hex = s.startsWith('sha256:') ? s.slice(7) : s;
  return SHORT_IDENTIFIER_RE.test(hex) || /^[a-f0-9]{1,64}$/.test(hex);
}

/**
 * Docker's reference filter (`docker images busy*`): a path.Match pattern
 * against the familiar "name:tag" and against the familiar name alone.
 */
export function familiarMatch(pattern: string, ref: ImageRef): boolean {
  const re = globToRegExp(pattern);
  return re.test(familiarString(ref)) || re.test(familiarName(ref));
}

function globToRegExp(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      out += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      out += (pattern[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${out}$`);
}
