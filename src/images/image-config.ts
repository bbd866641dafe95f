/**
 * Docker's image config (the JSON whose sha256 is the image id) and the
 * container config inside it, with the field order and defaults Go's encoder
 * produces, so inspect output reads like Docker's.
 */
import { createHash } from 'node:crypto';

export interface HealthConfig {
  Test?: string[] | null;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** container.Config as Docker serialises it (omitempty fields optional). */
export interface DockerContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, Record<string, never>>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild: string[] | null;
  Labels: Record<string, string> | null;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  author?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The parts of the image config JSON the engine reads. */
export interface ImageConfigJson {
  architecture?: string;
  variant?: string;
  os?: string;
  'os.version'?: string;
  author?: string;
  comment?: string;
  created?: string;
  container?: string;
  docker_version?: string;
  parent?: string;
  config?: Partial<DockerContainerConfig> | null;
  container_config?: Partial<DockerContainerConfig> | null;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

export function emptyContainerConfig(): DockerContainerConfig {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown): boolean => v === true;
const strList = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : null);
function objOrNull<T>(v: unknown): T | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : null;
}

/** Full container config in Go's field order from whatever an image carried (OCI configs have a subset). */
export function normalizeContainerConfig(raw: unknown): DockerContainerConfig {
  const r = (objOrNull<Record<string, unknown>>(raw) ?? {}) as Record<string, unknown>;
  const out = {} as DockerContainerConfig;
  out.Hostname = str(r['Hostname']);
  out.Domainname = str(r['Domainname']);
  out.User = str(r['User']);
  out.AttachStdin = bool(r['AttachStdin']);
  out.AttachStdout = bool(r['AttachStdout']);
  out.AttachStderr = bool(r['AttachStderr']);
  const ports = objOrNull<Record<string, Record<string, never>>>(r['ExposedPorts']);
  if (ports && Object.keys(ports).length) out.ExposedPorts = ports;
  out.Tty = bool(r['Tty']);
  out.OpenStdin = bool(r['OpenStdin']);
  out.StdinOnce = bool(r['StdinOnce']);
  out.Env = strList(r['Env']);
  out.Cmd = strList(r['Cmd']);
  const hc = objOrNull<HealthConfig>(r['Healthcheck']);
  if (hc) out.Healthcheck = hc;
  if (r['ArgsEscaped'] === true) out.ArgsEscaped = true;
  out.Image = str(r['Image']);
  out.Volumes = objOrNull<Record<string, Record<string, never>>>(r['Volumes']);
  out.WorkingDir = str(r['WorkingDir']);
  out.Entrypoint = strList(r['Entrypoint']);
  if (r['NetworkDisabled'] === true) out.NetworkDisabled = true;
  if (typeof r['MacAddress'] === 'string' && r['MacAddress']) out.MacAddress = r['MacAddress'];
  out.OnBuild = strList(r['OnBuild']);
  out.Labels = objOrNull<Record<string, string>>(r['Labels']);
  if (typeof r['StopSignal'] === 'string' && r['StopSignal']) out.StopSignal = r['StopSignal'];
  if (typeof r['StopTimeout'] === 'number') out.StopTimeout = r['StopTimeout'];
  if (Array.isArray(r['Shell']) && r['Shell'].length) out.Shell = r['Shell'].map(String);
  return out;
}

/** Go's json.Marshal of a value whose map keys are sorted (objects built in order keep their order). */
function sortKeys(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = v[k];
  return out;
}

/** Go's encoding/json escapes <, > and & in strings. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface NewImageConfig {
  config: DockerContainerConfig;
  created: string;
  comment: string;
  diffIds: string[];
  architecture: string;
  os: string;
  history: HistoryEntry[];
}

/** Serialise a new image config like moby's image.Image.MarshalJSON (top-level keys sorted). */
export function serializeImageConfig(c: NewImageConfig): Buffer {
  const top: Record<string, unknown> = {
    architecture: c.architecture,
    config: c.config,
    container_config: emptyContainerConfig(),
    created: c.created,
    history: c.history,
    os: c.os,
    rootfs: { type: 'layers', diff_ids: c.diffIds },
  };
  if (c.comment) top['comment'] = c.comment;
  return Buffer.from(goJson(sortKeys(top)), 'utf8');
}

export function imageIdOf(raw: Buffer): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** Go's runtime.GOARCH for this machine. */
export function goArch(): string {
  switch (process.arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return 'ppc64le';
    default:
      return process.arch;
  }
}

/** RFC 3339 with nanosecond-style fraction, trailing zeros trimmed (Go's RFC3339Nano). */
export function rfc3339Nano(d: Date): string {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.678Z
  return iso.replace(/\.(\d+)Z$/, (_m, frac: string) => {
    const t = frac.replace(/0+$/, '');
    return t ? `.${t}Z` : 'Z';
  });
}

export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let prev: string | undefined;
  for (const d of diffIds) {
    prev = prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`;
    out.push(prev);
  }
  return out;
}
