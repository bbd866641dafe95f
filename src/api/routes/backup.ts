/**
 * Volume backup extensions (issue 5), under /ballast/ so they never collide
 * with Docker's API. Archives are streamed, never held in memory:
 *
 *   POST /ballast/volumes/{name}/backup    archive in the response (trailer X-Ballast-Result),
 *                                          or, with targetDir, written by the daemon (ndjson progress)
 *   GET  /ballast/volumes/{name}/export    plain tar in the response
 *   POST /ballast/volumes/{name}/import    tar (or backup) in the body, or source=path → ndjson
 *   POST /ballast/volumes/restore          backup archive in the body, or source=path → ndjson
 *   POST /ballast/volumes/verify           backup archive in the body, or source=path → ndjson
 *   POST /ballast/volumes/{name}/clone     ?target=NAME → JSON
 *   POST /ballast/backups/prune            retention over a directory of archives → JSON
 *
 * Paths given to the daemon (source, targetDir) come with the device and
 * inode the client saw: the daemon only uses them when it sees the same
 * file, so a client in another mount namespace falls back to streaming.
 * Secrets travel in headers (base64), never in URLs: X-Ballast-Passphrase,
 * X-Ballast-Age-Identity (one or more).
 */
import { closeSync, openSync, fstatSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { EngineError, invalidArgument, messageOf } from '../../domain/errors.js';
import type { Engine } from '../../engine/engine.js';
import {
  backupServiceFor,
  mapError,
  parseCompression,
  parseDuration,
  parseHook,
  parseQuiesce,
  type BackupRequest,
  type Decryption,
  type Encryption,
} from '../../engine/backup/index.js';
import { boolParam, type RequestContext, type Router } from '../router.js';

const B64 = /^[A-Za-z0-9+/=]*$/;

function headerValues(ctx: RequestContext, name: string): string[] {
  const raw = ctx.req.headers[name.toLowerCase()];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : raw.split(',');
  return list.map((v) => v.trim()).filter((v) => v !== '');
}

function decodeB64(v: string, what: string): string {
  if (!B64.test(v)) throw invalidArgument(`${what} must be base64`);
  return Buffer.from(v, 'base64').toString('utf8');
}

function encryptionOf(ctx: RequestContext): Encryption | undefined {
  const recipients = ctx.query.getAll('recipient').filter((r) => r !== '');
  const pass = headerValues(ctx, 'X-Ballast-Passphrase')[0];
  if (recipients.length > 0 && pass !== undefined) throw invalidArgument('give either age recipients or a passphrase, not both');
  if (recipients.length > 0) return { kind: 'recipients', recipients };
  if (pass !== undefined) return { kind: 'passphrase', passphrase: decodeB64(pass, 'passphrase') };
  return undefined;
}

function decryptionOf(ctx: RequestContext): Decryption | undefined {
  const ids = headerValues(ctx, 'X-Ballast-Age-Identity').map((v) => decodeB64(v, 'identity'));
  const pass = headerValues(ctx, 'X-Ballast-Passphrase')[0];
  if (ids.length > 0) return { kind: 'identities', identities: ids };
  if (pass !== undefined) return { kind: 'passphrase', passphrase: decodeB64(pass, 'passphrase') };
  return undefined;
}

function backupRequest(ctx: RequestContext, volume: string): BackupRequest {
  let compression;
  try {
    compression = parseCompression(ctx.query.get('compress') ?? 'zstd');
  } catch (e) {
    throw invalidArgument(messageOf(e));
  }
  const checksum = ctx.query.get('checksum') ?? 'crc32';
  if (checksum !== 'crc32' && checksum !== 'sha256') throw invalidArgument(`invalid checksum "${checksum}": use crc32 or sha256`);
  return {
    volume,
    compression,
    checksum,
    encryption: encryptionOf(ctx),
    quiesce: parseQuiesce(ctx.query.get('quiesce')),
    preExec: ctx.query.getAll('preExec').map(parseHook),
    postExec: ctx.query.getAll('postExec').map(parseHook),
  };
}

/** A path the client named, used only if the daemon sees the same inode. */
function sameInode(path: string, dev: string | null, ino: string | null): boolean {
  if (!path.startsWith('/') || dev === null || ino === null) return false;
  try {
    const st = statSync(path, { bigint: true });
    return String(st.dev) === dev && String(st.ino) === ino;
  } catch {
    return false;
  }
}

const NOT_VISIBLE = 'not visible to the daemon';

/** Opens `source` when the client's dev/ino match; else a 400 the client recognises. */
function openSource(ctx: RequestContext): number | undefined {
  const source = ctx.query.get('source');
  if (source === null) return undefined;
  const fd = (() => {
    try {
      return openSync(source, 'r');
    } catch {
      throw invalidArgument(`source ${source}: ${NOT_VISIBLE}`);
    }
  })();
  const st = fstatSync(fd, { bigint: true });
  if (String(st.dev) !== ctx.query.get('sourceDev') || String(st.ino) !== ctx.query.get('sourceIno') || !st.isFile()) {
    closeSync(fd);
    throw invalidArgument(`source ${source}: ${NOT_VISIBLE}`);
  }
  return fd;
}

/** Newline-delimited JSON events: {"progress":…}, then {"result":…} or {"error":…}. */
class EventStream {
  private started = false;
  constructor(private readonly res: ServerResponse) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-cache' });
  }

  send(event: unknown): void {
    this.start();
    this.res.write(`${JSON.stringify(event)}\n`);
  }

  /** Ends with the result, or the error (as an event once streaming, as a status before). */
  async finish<T>(work: Promise<T>): Promise<{ streamed: true }> {
    try {
      const result = await work;
      this.send({ result });
      this.res.end();
    } catch (e) {
      const err = mapError(e);
      const ee = err instanceof EngineError ? err : new EngineError('internal', messageOf(err));
      if (!this.started) throw ee;
      this.send({ error: { message: ee.message, kind: ee.kind } });
      this.res.end();
    }
    return { streamed: true };
  }
}

function progressReporter(ev: EventStream, enabled: boolean, totals?: { bytes: number; entries: number }) {
  if (!enabled) return undefined;
  return (p: { bytes: number; entries: number }): void =>
    ev.send({ progress: { bytes: p.bytes, entries: p.entries, ...(totals ? { totalBytes: totals.bytes, totalEntries: totals.entries } : {}) } });
}

export function backupRoutes(router: Router, engine: Engine, engineVersion: string): void {
  const svc = (): ReturnType<typeof backupServiceFor> => backupServiceFor(engine, engineVersion);
  const warn = (msg: string): void => engine.log.warn(msg);

  router.add('POST', '/ballast/volumes/:name/backup', async (ctx) => {
    const name = ctx.params['name'] ?? '';
    const req = backupRequest(ctx, name);
    svc().precheckBackup(req);
    const targetDir = ctx.query.get('targetDir');
    if (targetDir !== null) {
      if (!sameInode(targetDir, ctx.query.get('targetDev'), ctx.query.get('targetIno'))) {
        throw invalidArgument(`target directory ${targetDir}: ${NOT_VISIBLE}`);
      }
      const ev = new EventStream(ctx.res);
      const progress = boolParam(ctx.query, 'progress');
      const totals = progress ? await svc().estimate(name) : undefined;
      ev.start();
      return ev.finish(
        svc().backupToDirectory(
          req,
          targetDir,
          ctx.query.get('targetName') ?? undefined,
          { receipt: boolParam(ctx.query, 'receipt') },
          progressReporter(ev, progress, totals),
        ),
      );
    }
    const { stream, result } = await svc().backupToStream(req);
    ctx.res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Transfer-Encoding': 'chunked',
      Trailer: 'X-Ballast-Result',
    });
    await pumpWithTrailer(ctx, stream, result, warn);
    return { streamed: true };
  });

  router.add('GET', '/ballast/volumes/:name/export', async (ctx) => {
    const { stream, result } = await svc().exportToStream(ctx.params['name'] ?? '');
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked', Trailer: 'X-Ballast-Result' });
    await pumpWithTrailer(ctx, stream, result, warn);
    return { streamed: true };
  });

  const restoreLike = (layout: 'backup' | 'auto', nameFrom: (ctx: RequestContext) => string | undefined) => async (ctx: RequestContext) => {
    const fd = openSource(ctx);
    const ev = new EventStream(ctx.res);
    const input = fd !== undefined ? ({ kind: 'fd', fd } as const) : ({ kind: 'stream', stream: ctx.req } as const);
    const work = svc()
      .restore(
        input,
        {
          name: nameFrom(ctx),
          layout,
          stopUsers: boolParam(ctx.query, 'stop'),
          allowDevices: boolParam(ctx.query, 'allowDevices'),
          decryption: decryptionOf(ctx),
          plain: boolParam(ctx.query, 'plain'),
        },
        progressReporter(ev, boolParam(ctx.query, 'progress')),
      )
      .finally(() => {
        if (fd !== undefined) closeSync(fd);
        ctx.req.resume();
      });
    return ev.finish(work);
  };

  router.add('POST', '/ballast/volumes/restore', restoreLike('backup', (ctx) => ctx.query.get('name') || undefined));
  router.add('POST', '/ballast/volumes/:name/import', restoreLike('auto', (ctx) => ctx.params['name']));

  router.add('POST', '/ballast/volumes/verify', async (ctx) => {
    const fd = openSource(ctx);
    const ev = new EventStream(ctx.res);
    const input = fd !== undefined ? ({ kind: 'fd', fd } as const) : ({ kind: 'stream', stream: ctx.req } as const);
    const work = svc()
      .verify(input, { decryption: decryptionOf(ctx), restoreTest: boolParam(ctx.query, 'restoreTest') }, progressReporter(ev, boolParam(ctx.query, 'progress')))
      .finally(() => {
        if (fd !== undefined) closeSync(fd);
        ctx.req.resume();
      });
    return ev.finish(work);
  });

  router.add('POST', '/ballast/volumes/:name/clone', async (ctx) => {
    const target = ctx.query.get('target');
    if (!target) throw invalidArgument('target is required');
    try {
      const r = await svc().clone(ctx.params['name'] ?? '', target, { quiesce: parseQuiesce(ctx.query.get('quiesce')) });
      return { status: 200, body: r };
    } catch (e) {
      throw mapError(e);
    }
  });

  router.add('POST', '/ballast/backups/prune', async (ctx) => {
    const body = await ctx.json<{ Dir?: string; Dev?: string; Ino?: string; KeepLast?: number; KeepWithin?: string; Volumes?: string[] }>();
    const dir = body.Dir ?? '';
    if (!sameInode(dir, body.Dev ?? null, body.Ino ?? null)) throw invalidArgument(`directory ${dir}: ${NOT_VISIBLE}`);
    let keepWithinMs: number | undefined;
    try {
      keepWithinMs = body.KeepWithin ? parseDuration(body.KeepWithin) : undefined;
    } catch (e) {
      throw invalidArgument(messageOf(e));
    }
    if (body.KeepLast !== undefined && (!Number.isInteger(body.KeepLast) || body.KeepLast < 0)) {
      throw invalidArgument('KeepLast must be a non-negative integer');
    }
    const r = await svc().prune(dir, { keepLast: body.KeepLast, keepWithinMs }, { volumes: body.Volumes, decryption: decryptionOf(ctx) });
    return { status: 200, body: r };
  });
}

/**
 * Streams an archive into the response; the job's outcome goes into the
 * X-Ballast-Result trailer. A failure after the first byte destroys the
 * response, so a client never mistakes a cut archive for a whole one.
 */
async function pumpWithTrailer<T>(
  ctx: RequestContext,
  stream: NodeJS.ReadableStream & { destroy(): void },
  result: Promise<T>,
  log: (msg: string) => void,
): Promise<void> {
  const res = ctx.res;
  const gone = (): void => stream.destroy();
  res.on('close', gone);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!res.write(chunk)) await new Promise<void>((r) => res.once('drain', () => r()));
    }
    const r = await result;
    res.addTrailers({ 'X-Ballast-Result': Buffer.from(JSON.stringify(r)).toString('base64') });
    res.end();
  } catch (e) {
    // Already streaming: the only way to say "this archive is not whole" is to cut it.
    log(`archive stream failed: ${messageOf(e)}`);
    res.destroy();
  } finally {
    res.off('close', gone);
  }
}
