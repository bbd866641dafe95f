/**
 * Container endpoints, typed (engine-api-surface §2.3). Request shapes are the
 * docker CLI's; responses keep the raw bytes too where the CLI re-prints them
 * (inspect), so key order and escapes survive.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { ApiError, errorMessage, type ApiClient, type Query } from './api-client.js';
import { encodeFilters, type FilterArgs } from './volumes.js';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** `Config` of a create request (container.Config). */
export interface ContainerConfig {
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
  Healthcheck?: JsonObject;
  Image: string;
  Volumes: Record<string, Record<string, never>> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  MacAddress?: string;
  OnBuild: null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
}

export interface ContainerCreateBody extends ContainerConfig {
  HostConfig: JsonObject;
  NetworkingConfig: { EndpointsConfig: Record<string, JsonObject> };
  Platform?: string;
}

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[] | null;
}

export interface PortJson {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

export interface MountPointJson {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
  Mode?: string;
  RW?: boolean;
  Propagation?: string;
}

/** One entry of GET /containers/json. */
export interface ContainerSummary {
  Id: string;
  Names: string[] | null;
  Image: string;
  ImageID?: string;
  Command: string;
  Created: number;
  Ports: PortJson[] | null;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string> | null;
  State: string;
  Status: string;
  NetworkSettings?: { Networks?: Record<string, JsonObject> | null } | null;
  Mounts?: MountPointJson[] | null;
}

/** The parts of GET /containers/{id}/json the CLI reads; the rest stays in `raw`. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: { Tty: boolean; OpenStdin: boolean; Image?: string } & JsonObject;
  HostConfig: { AutoRemove?: boolean } & JsonObject;
  State: { Running?: boolean; Status?: string } & JsonObject;
  NetworkSettings?: { Ports?: Record<string, PortBinding[] | null> | null } & JsonObject;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export interface ChangeJson {
  Kind: number;
  Path: string;
}

/** X-Docker-Container-Path-Stat, decoded. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface ListOptions {
  all?: boolean;
  size?: boolean;
  limit?: number;
  filters?: FilterArgs;
}

export interface LogsOptions {
  follow?: boolean;
  timestamps?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  details?: boolean;
}

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  detachKeys?: string;
  logs?: boolean;
}

/** A wait that may be abandoned (docker run -d closes it after start). */
export interface PendingWait {
  result: Promise<WaitResult>;
  cancel(): void;
}

const enc = encodeURIComponent;

export async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Rejects non-2xx answers of a streamed request with the daemon's message. */
export async function expectOk(res: IncomingMessage): Promise<IncomingMessage> {
  const status = res.statusCode ?? 0;
  if (status < 400) return res;
  throw new ApiError(status, errorMessage(await readBody(res)));
}

export function decodePathStat(header: string | string[] | undefined): PathStat {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) throw new Error('unable to decode container path stat header: EOF');
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as PathStat;
  } catch (e) {
    throw new Error(`unable to decode container path stat header: ${(e as Error).message}`);
  }
}

export class ContainersApi {
  constructor(readonly client: ApiClient) {}

  create(body: ContainerCreateBody, name: string | undefined, platform?: string): Promise<ContainerCreateResponse> {
    const query: Query = { name: name || undefined, platform: platform || undefined };
    return this.client.call('POST', '/containers/create', { query, body });
  }

  /** The parsed object and the daemon's bytes (re-printed verbatim by inspect). */
  async inspectRaw(id: string, size = false): Promise<{ json: ContainerInspect; raw: Buffer }> {
    const r = await this.client.raw('GET', `/containers/${enc(id)}/json`, { query: { size: size || undefined } });
    if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body));
    return { json: JSON.parse(r.body.toString('utf8')) as ContainerInspect, raw: r.body };
  }

  async inspect(id: string): Promise<ContainerInspect> {
    return (await this.inspectRaw(id)).json;
  }

  list(opts: ListOptions): Promise<ContainerSummary[]> {
    const query: Query = {
      all: opts.all || undefined,
      limit: opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined,
      size: opts.size || undefined,
      filters: opts.filters ? encodeFilters(opts.filters) : undefined,
    };
    return this.client.call('GET', '/containers/json', { query });
  }

  /** 204 or 304 (already started) are both success. */
  async start(id: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/start`);
  }

  async stop(id: string, timeout?: number, signal?: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/stop`, { query: { t: timeout, signal: signal || undefined } });
  }

  async restart(id: string, timeout?: number, signal?: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/restart`, { query: { t: timeout, signal: signal || undefined } });
  }

  async kill(id: string, signal?: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/kill`, { query: { signal: signal || undefined } });
  }

  async pause(id: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/pause`);
  }

  async unpause(id: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/unpause`);
  }

  async remove(id: string, opts: { force?: boolean; volumes?: boolean; link?: boolean }): Promise<void> {
    await this.client.callStatus('DELETE', `/containers/${enc(id)}`, {
      query: { force: opts.force || undefined, link: opts.link || undefined, v: opts.volumes || undefined },
    });
  }

  async rename(id: string, name: string): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/rename`, { query: { name } });
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await this.client.callStatus('POST', `/containers/${enc(id)}/resize`, { query: { h: height, w: width } });
  }

  changes(id: string): Promise<ChangeJson[] | null> {
    return this.client.call('GET', `/containers/${enc(id)}/changes`);
  }

  prune(filters: FilterArgs): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    return this.client.call('POST', '/containers/prune', { query: { filters: encodeFilters(filters) } });
  }

  /**
   * POST /containers/{id}/wait: the headers come at once, the body when the
   * condition is met. Resolves `result` with the body; cancel() drops the connection.
   */
  async wait(id: string, condition: 'next-exit' | 'removed' | 'not-running' | undefined): Promise<PendingWait> {
    const res = await expectOk(await this.client.open('POST', `/containers/${enc(id)}/wait`, { query: { condition } }));
    const result = readBody(res).then((body) => {
      const text = body.toString('utf8').trim();
      if (!text) throw new Error('unexpected EOF');
      return JSON.parse(text) as WaitResult;
    });
    // Keep an unobserved rejection (after cancel) from crashing the process.
    result.catch(() => undefined);
    return {
      result,
      cancel: () => {
        res.destroy();
        res.socket?.destroy();
      },
    };
  }

  /** Hijacked attach (101): the raw socket and any bytes that came with the response head. */
  attach(id: string, opts: AttachOptions): Promise<{ socket: Socket; head: Buffer }> {
    const query: Query = {
      detachKeys: opts.detachKeys || undefined,
      logs: opts.logs || undefined,
      stderr: opts.stderr || undefined,
      stdin: opts.stdin || undefined,
      stdout: opts.stdout || undefined,
      stream: 1,
    };
    return this.client.hijack('POST', `/containers/${enc(id)}/attach`, { query });
  }

  async logs(id: string, opts: LogsOptions & { stdout: boolean; stderr: boolean }): Promise<IncomingMessage> {
    const query: Query = {
      details: opts.details || undefined,
      follow: opts.follow || undefined,
      since: opts.since || undefined,
      stderr: opts.stderr || undefined,
      stdout: opts.stdout || undefined,
      tail: opts.tail,
      timestamps: opts.timestamps || undefined,
      until: opts.until || undefined,
    };
    return expectOk(await this.client.open('GET', `/containers/${enc(id)}/logs`, { query }));
  }

  /** HEAD …/archive: the stat of a path in the container. */
  async statPath(id: string, path: string): Promise<PathStat> {
    const r = await this.client.raw('HEAD', `/containers/${enc(id)}/archive`, { query: { path } });
    if (r.status >= 400) throw new ApiError(r.status, statErrorMessage(r.status, id, path, r.body));
    return decodePathStat(r.headers['x-docker-container-path-stat']);
  }

  /** GET …/archive: a tar stream of the path and its stat. */
  async getArchive(id: string, path: string): Promise<{ stream: IncomingMessage; stat: PathStat }> {
    const res = await expectOk(await this.client.open('GET', `/containers/${enc(id)}/archive`, { query: { path } }));
    return { stream: res, stat: decodePathStat(res.headers['x-docker-container-path-stat']) };
  }

  /** PUT …/archive: extracts a tar stream into a directory of the container. */
  async putArchive(id: string, path: string, tar: Readable, opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean }): Promise<void> {
    const query: Query = {
      copyUIDGID: opts.copyUIDGID || undefined,
      noOverwriteDirNonDir: opts.noOverwriteDirNonDir || undefined,
      path,
    };
    const res = await this.client.open('PUT', `/containers/${enc(id)}/archive`, {
      query,
      stream: tar,
      headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' },
    });
    await expectOk(res);
    await readBody(res);
  }
}

/**
 * A HEAD answer has no body, so the Go client builds the message itself
 * (client/container_copy.go): 404 → "Could not find the file … in container …".
 */
function statErrorMessage(status: number, id: string, path: string, body: Buffer): string {
  if (body.length > 0) return errorMessage(body);
  if (status === 404) return `Could not find the file ${path} in container ${id}`;
  return `Error response from daemon: ${status}`;
}
