/**
 * Image references as the docker CLI reads them (github.com/distribution/reference):
 * normalising "busybox" to "docker.io/library/busybox", adding ":latest", and the
 * familiar form the CLI prints ("Unable to find image 'busybox:latest' locally").
 * The messages are the library's.
 */

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const NAME_MAX = 255;

const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const host = `(?:${domainName}|${ipv6})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_HEX64 = /^[a-f0-9]{64}$/;
/** go-digest Parse succeeds only for a known algorithm with an encoded part of the right length. */
const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

export class ReferenceFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceFormatError';
  }
}

export interface NamedReference {
  kind: 'named';
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

export interface DigestReference {
  kind: 'digest';
  digest: string;
}

export type ImageReference = NamedReference | DigestReference;

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i >= 0 ? name.slice(0, i) : '';
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

/** reference.Parse on an already-normalised string. */
function parse(s: string): NamedReference {
  const m = REFERENCE.exec(s);
  if (!m) {
    if (s === '') throw new ReferenceFormatError('repository name must have at least one component');
    if (REFERENCE.test(s.toLowerCase())) throw new ReferenceFormatError('repository name must be lowercase');
    throw new ReferenceFormatError('invalid reference format');
  }
  const name = m[1] ?? '';
  if (name.length > NAME_MAX) throw new ReferenceFormatError(`repository name must not be more than ${NAME_MAX} characters`);
  const slash = name.indexOf('/');
  const ref: NamedReference = { kind: 'named', domain: name.slice(0, slash), path: name.slice(slash + 1) };
  if (m[2]) ref.tag = m[2];
  if (m[3]) ref.digest = m[3];
  return ref;
}

/** reference.ParseNormalizedNamed. */
export function parseNormalizedNamed(s: string): NamedReference {
  if (ANCHORED_HEX64.test(s)) {
    throw new ReferenceFormatError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon >= 0 ? remainder.slice(0, colon) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new ReferenceFormatError(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parse(`${domain}/${remainder}`);
}

/** reference.ParseAnyReference: a bare 64-hex id or a digest is not a name. */
export function parseAnyReference(s: string): ImageReference {
  if (ANCHORED_HEX64.test(s)) return { kind: 'digest', digest: `sha256:${s}` };
  if (DIGEST.test(s)) return { kind: 'digest', digest: s };
  return parseNormalizedNamed(s);
}

/** reference.TagNameOnly: add ":latest" when there is neither tag nor digest. */
export function tagNameOnly(ref: NamedReference): NamedReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** Name without tag or digest: "docker.io/library/busybox". */
export function fullName(ref: NamedReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** reference.FamiliarName: "busybox", "me/app", "quay.io/x/y". */
export function familiarName(ref: NamedReference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  if (ref.path.startsWith(OFFICIAL_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** reference.FamiliarString. */
export function familiarString(ref: NamedReference): string {
  return familiarName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The `tag` query of a pull: the digest, else the tag (":latest" added). */
export function apiTag(ref: NamedReference): string {
  if (ref.digest !== undefined) return ref.digest;
  return tagNameOnly(ref).tag ?? '';
}
