/** A tiny raw HTTP client over a unix socket, for API-level checks (status codes, JSON bodies, headers). */
import { request, type IncomingHttpHeaders } from 'node:http';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw body as text ('' for HEAD and 204). */
  body: string;
}

export interface ApiRequestOptions {
  /** A string is sent as-is; anything else is JSON-encoded with Content-Type application/json. */
  body?: Json | string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function apiRequest(
  socketPath: string,
  method: string,
  path: string,
  opts: ApiRequestOptions = {},
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: 'api.moby.localhost', ...opts.headers };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string') {
        payload = Buffer.from(opts.body);
      } else {
        payload = Buffer.from(JSON.stringify(opts.body));
        headers['Content-Type'] ??= 'application/json';
      }
      headers['Content-Length'] = String(payload.length);
    }
    const req = request({ socketPath, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Parse a response body as JSON, with the body in the error when it is not JSON. */
export function jsonBody(res: ApiResponse): Json {
  try {
    return JSON.parse(res.body) as Json;
  } catch {
    throw new Error(`expected a JSON body, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** True when something answers GET /_ping with 200 on the socket. */
export async function pingOk(socketPath: string): Promise<boolean> {
  try {
    const r = await apiRequest(socketPath, 'GET', '/_ping', { timeoutMs: 2_000 });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** A small typed view over one daemon's API. */
export class ApiClient {
  constructor(readonly socketPath: string) {}

  request(method: string, path: string, opts: ApiRequestOptions = {}): Promise<ApiResponse> {
    return apiRequest(this.socketPath, method, path, opts);
  }

  async json(method: string, path: string, opts: ApiRequestOptions = {}): Promise<Json> {
    return jsonBody(await this.request(method, path, opts));
  }
}
