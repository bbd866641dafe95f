/**
 * A typed client of the Docker Engine API over a unix socket: JSON requests,
 * streaming bodies, and hijacked (Upgrade: tcp) connections. Keep-alive so a
 * CLI invocation's several requests share one connection.
 */
import { Agent, request, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The socket did not answer at all (no daemon). */
export class ConnectionError extends Error {
  constructor(
    readonly socketPath: string,
    readonly code: string,
  ) {
    super(`cannot connect to ${socketPath}: ${code}`);
    this.name = 'ConnectionError';
  }
}

export type QueryValue = string | number | boolean | undefined;
export type Query = Record<string, QueryValue | readonly string[]>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Raw body stream (tar uploads); sent chunked. */
  stream?: Readable;
  headers?: OutgoingHttpHeaders;
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function encodeQuery(q: Query | undefined): string {
  if (!q) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, String(item));
    else params.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export class ApiClient {
  private readonly agent: Agent;

  constructor(
    readonly socketPath: string,
    readonly apiVersion = '1.41',
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 8 });
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string, query?: Query): string {
    const prefix = path.startsWith('/_ping') || path.startsWith('/ballast/') ? '' : `/v${this.apiVersion}`;
    return `${prefix}${path}${encodeQuery(query)}`;
  }

  /** Sends a request and returns the response stream (for logs, events, tar downloads). */
  open(method: string, path: string, opts: RequestOptions = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { 'User-Agent': 'ballast-cli', ...opts.headers };
      let payload: Buffer | undefined;
      if (opts.body !== undefined) {
        payload = Buffer.from(JSON.stringify(opts.body));
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      }
      const req = request(
        { socketPath: this.socketPath, method, path: this.url(path, opts.query), headers, agent: this.agent },
        resolve,
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new ConnectionError(this.socketPath, e.code));
        else reject(e);
      });
      if (opts.stream) opts.stream.pipe(req);
      else req.end(payload);
    });
  }

  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse> {
    const res = await this.open(method, path, opts);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
  }

  /** JSON request; non-2xx answers become ApiError with the daemon's message. */
  async call<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const r = await this.raw(method, path, opts);
    if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body));
    if (r.body.length === 0) return undefined as T;
    return JSON.parse(r.body.toString('utf8')) as T;
  }

  /** Like call, but also reports 304 (Docker's "nothing to do") instead of hiding it. */
  async callStatus(method: string, path: string, opts: RequestOptions = {}): Promise<number> {
    const r = await this.raw(method, path, opts);
    if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body));
    return r.status;
  }

  /** Opens a hijacked connection (attach, exec start): resolves with the raw socket after 101. */
  hijack(method: string, path: string, opts: RequestOptions = {}): Promise<{ socket: Socket; head: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = {
        'User-Agent': 'ballast-cli',
        Connection: 'Upgrade',
        Upgrade: 'tcp',
        ...opts.headers,
      };
      let payload: Buffer | undefined;
      if (opts.body !== undefined) {
        payload = Buffer.from(JSON.stringify(opts.body) + '\n');
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      } else {
        headers['Content-Type'] = 'text/plain';
        headers['Content-Length'] = 0;
      }
      const req = request({ socketPath: this.socketPath, method, path: this.url(path, opts.query), headers });
      req.on('upgrade', (_res, socket: Socket, head: Buffer) => resolve({ socket, head }));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(new ApiError(res.statusCode ?? 0, errorMessage(Buffer.concat(chunks)))));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new ConnectionError(this.socketPath, e.code));
        else reject(e);
      });
      req.end(payload);
    });
  }
}

export function errorMessage(body: Buffer): string {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* not JSON */
  }
  return text.trim();
}
