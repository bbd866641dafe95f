/**
 * The Docker Engine API over HTTP/1.1 on a unix socket. Strips the optional
 * /vX.Y prefix, checks the version range, decodes JSON bodies, maps errors to
 * {"message": …} with Docker's statuses, and hands Upgrade requests (attach,
 * exec start) their raw socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { EngineError, invalidArgument, messageOf } from '../domain/errors.js';
import type { Logger } from '../lib/logger.js';
import { STATUS_OF_KIND } from './status.js';
import { MAX_API_VERSION, MIN_API_VERSION, compareVersions, versionNumber } from './version.js';
import type { Reply, RequestContext, Router } from './router.js';

export interface ApiServerOptions {
  router: Router;
  log: Logger;
  /** Advertised version (headers, /version). */
  apiVersion: string;
  serverHeader: string;
}

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

export function commonHeaders(opts: ApiServerOptions): Record<string, string> {
  return {
    'Api-Version': opts.apiVersion,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: opts.serverHeader,
  };
}

interface ParsedTarget {
  path: string;
  query: URLSearchParams;
  apiVersion: string;
}

function parseTarget(rawUrl: string, dflt: string): ParsedTarget {
  const url = new URL(rawUrl, 'http://ballast');
  let path = url.pathname;
  let apiVersion = dflt;
  const m = VERSION_PREFIX.exec(path);
  if (m) {
    apiVersion = m[1] ?? dflt;
    path = m[2] ?? '/';
    if (compareVersions(apiVersion, MAX_API_VERSION) > 0) {
      throw invalidArgument(
        `client version ${apiVersion} is too new. Maximum supported API version is ${MAX_API_VERSION}`,
      );
    }
    if (compareVersions(apiVersion, MIN_API_VERSION) < 0) {
      throw invalidArgument(
        `client version ${apiVersion} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
      );
    }
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { path, query: url.searchParams, apiVersion };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function sendError(res: ServerResponse, e: unknown, log: Logger): void {
  const err = e instanceof EngineError ? e : new EngineError('internal', messageOf(e), { cause: e });
  if (!(e instanceof EngineError)) log.error('unexpected error', { error: messageOf(e), stack: (e as Error)?.stack });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = STATUS_OF_KIND[err.kind];
  if (status === 304) {
    res.writeHead(304).end();
    return;
  }
  const body = JSON.stringify({ message: err.message }) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendReply(res: ServerResponse, reply: Reply, method: string): void {
  if ('streamed' in reply) return;
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body) + '\n';
  headers['Content-Type'] ??= 'application/json';
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : text);
}

export function createApiServer(opts: ApiServerOptions): Server {
  const { router, log } = opts;
  const server = createServer({ keepAlive: true }, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(commonHeaders(opts))) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    try {
      const target = parseTarget(req.url ?? '/', opts.apiVersion);
      const match = router.match(method, target.path);
      if (match === undefined || match === 'wrong-method') {
        // Docker answers both unknown paths and unknown methods with this.
        drain(req);
        throw new EngineError('notFound', 'page not found');
      }
      let bodyPromise: Promise<unknown> | undefined;
      const ctx: RequestContext = {
        method,
        path: target.path,
        params: match.params,
        query: target.query,
        apiVersion: target.apiVersion,
        apiLevel: versionNumber(target.apiVersion),
        req,
        res,
        json: <T>() => {
          bodyPromise ??= readJson(req);
          return bodyPromise as Promise<T>;
        },
      };
      const reply = await match.handler(ctx);
      sendReply(res, reply, method);
    } catch (e) {
      sendError(res, e, log);
    }
  }

  // Streams (logs -f, events, attach, backup and restore of large volumes) may run for hours:
  // no whole-request deadline; only the headers must arrive in time.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void handleUpgrade(req, socket, head);
  });

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const method = req.method ?? 'POST';
    try {
      const target = parseTarget(req.url ?? '/', opts.apiVersion);
      const match = router.matchUpgrade(method, target.path);
      if (!match) throw new EngineError('notFound', 'page not found');
      await match.handler({
        method,
        path: target.path,
        params: match.params,
        query: target.query,
        apiVersion: target.apiVersion,
        apiLevel: versionNumber(target.apiVersion),
        req,
        socket,
        head,
      });
    } catch (e) {
      writeUpgradeError(socket, e, log);
    }
  }

  return server;
}

/** An error answer on a raw socket whose request asked for an upgrade (before any 101 was sent). */
export function writeUpgradeError(socket: Duplex, e: unknown, log: Logger): void {
  const err = e instanceof EngineError ? e : new EngineError('internal', messageOf(e));
  if (!(e instanceof EngineError)) log.error('upgrade handler failed', { error: messageOf(e) });
  if (!socket.writable) return;
  const body = JSON.stringify({ message: err.message }) + '\n';
  socket.end(
    `HTTP/1.1 ${STATUS_OF_KIND[err.kind]} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function drain(req: IncomingMessage): void {
  req.resume();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const ct = req.headers['content-type'];
  const body = await readBody(req);
  if (body.length === 0) return {};
  if (ct && !ct.startsWith('application/json')) {
    throw invalidArgument(`Content-Type specified (${ct}) must be 'application/json'`);
  }
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v === null ? {} : v;
  } catch (e) {
    throw invalidArgument(`invalid JSON: ${messageOf(e)}`);
  }
}
