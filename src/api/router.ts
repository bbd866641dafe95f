/**
 * A small router for Docker's API paths. Paths may carry a `/vX.Y` prefix;
 * handlers see the path without it and the negotiated version as a number
 * (1.41 → 1041) for version-dependent behaviour.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { invalidArgument } from '../domain/errors.js';

export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** e.g. "1.41" */
  readonly apiVersion: string;
  /** e.g. 1041, for comparisons */
  readonly apiLevel: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Parsed JSON body ({} when absent). */
  json<T>(): Promise<T>;
}

/** What a handler returns: a JSON reply, an empty reply, or "I wrote the response myself". */
export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { streamed: true };

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

/** Hijacked (Upgrade: tcp) requests get the raw socket. */
export interface UpgradeContext extends Omit<RequestContext, 'res' | 'json'> {
  readonly socket: Duplex;
  readonly head: Buffer;
}
export type UpgradeHandler = (ctx: UpgradeContext) => Promise<void> | void;

interface Route<H> {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: H;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  // ":name" matches one segment; ":name*" matches the rest (image refs contain slashes).
  const src = path.replace(/:(\w+)(\*?)/g, (_m, name: string, rest: string) => {
    names.push(name);
    return rest ? '(.+)' : '([^/]+)';
  });
  return { pattern: new RegExp(`^${src}$`), names };
}

export class Router {
  private readonly routes: Route<Handler>[] = [];
  private readonly upgrades: Route<UpgradeHandler>[] = [];

  add(method: string, path: string, handler: Handler): this {
    this.routes.push({ method, ...compile(path), handler });
    return this;
  }

  addUpgrade(method: string, path: string, handler: UpgradeHandler): this {
    this.upgrades.push({ method, ...compile(path), handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | 'wrong-method' | undefined {
    return matchIn(this.routes, method, path);
  }

  matchUpgrade(method: string, path: string): { handler: UpgradeHandler; params: Record<string, string> } | undefined {
    const m = matchIn(this.upgrades, method, path);
    return m === 'wrong-method' ? undefined : m;
  }
}

function matchIn<H>(
  routes: Route<H>[],
  method: string,
  path: string,
): { handler: H; params: Record<string, string> } | 'wrong-method' | undefined {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => {
      params[n] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { handler: r.handler, params };
  }
  return pathMatched ? 'wrong-method' : undefined;
}

/** dockerd's boolean query parsing: "", 0, no, false, none are false. */
export function boolParam(query: URLSearchParams, name: string, dflt = false): boolean {
  const v = query.get(name);
  if (v === null) return dflt;
  return !['', '0', 'no', 'false', 'none'].includes(v.toLowerCase());
}

export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalidArgument(`invalid value for ${name}: ${v}`);
  return n;
}
