/**
 * Volume backup extension endpoints (/ballast/…), typed. Archives stream in
 * both directions; long jobs answer with newline-delimited JSON events
 * ({"progress"}, then {"result"} or {"error"}).
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ApiError, errorMessage, type ApiClient, type Query } from './api-client.js';

export interface ProgressEvent {
  bytes: number;
  entries: number;
  totalBytes?: number;
  totalEntries?: number;
}

export interface QuiescedContainerJson {
  id: string;
  name: string;
  action: 'pause' | 'stop';
  frozenMs: number;
}

export interface BackupSummaryJson {
  volume: string;
  createdAt: string;
  compression: string;
  encrypted: boolean;
  entries: number;
  files: number;
  bytes: number;
  tarBytes: number;
  durationMs: number;
  quiesce: { mode: string; containers: QuiescedContainerJson[]; capture: string; windowMs: number };
  hooks: Array<{ phase: string; container: string; command: string; exitCode: number; durationMs: number }>;
  warnings: string[];
  file?: string;
  archiveBytes?: number;
  sha256?: string;
}

export interface RestoreSummaryJson {
  volume: string;
  created: boolean;
  layout: 'backup' | 'plain';
  verified: boolean;
  entries: number;
  files: number;
  bytes: number;
  durationMs: number;
  stopped: string[];
  atomic: boolean;
}

export interface VerifySummaryJson {
  verified: boolean;
  encrypted: boolean;
  compression: string;
  entries: number;
  files: number;
  bytes: number;
  header?: { volume: { name: string; driver: string; labels: Record<string, string> | null }; createdAt: string };
  restoreTest?: { ok: boolean; differences: string[] };
  durationMs: number;
}

export interface CloneSummaryJson {
  source: string;
  target: string;
  durationMs: number;
  atomic: boolean;
}

export interface PruneSummaryJson {
  deleted: string[];
  kept: string[];
  protected: Record<string, string | null>;
  warnings: string[];
}

/** Secrets and keys: headers, never the URL. */
export interface Secrets {
  passphrase?: string | undefined;
  identities?: readonly string[] | undefined;
}

/** A file the client can see, named with the device and inode it has. */
export interface LocalFile {
  path: string;
  dev: string;
  ino: string;
}

export interface BackupParams {
  compress?: string | undefined;
  checksum?: string | undefined;
  quiesce?: string | undefined;
  preExec?: readonly string[] | undefined;
  postExec?: readonly string[] | undefined;
  recipients?: readonly string[] | undefined;
  passphrase?: string | undefined;
}

export const NOT_VISIBLE = 'not visible to the daemon';

function secretHeaders(s: Secrets): Record<string, string> {
  const h: Record<string, string> = {};
  if (s.passphrase !== undefined) h['X-Ballast-Passphrase'] = Buffer.from(s.passphrase, 'utf8').toString('base64');
  if (s.identities && s.identities.length > 0) {
    h['X-Ballast-Age-Identity'] = s.identities.map((i) => Buffer.from(i, 'utf8').toString('base64')).join(', ');
  }
  return h;
}

function backupQuery(p: BackupParams): Query {
  return {
    compress: p.compress,
    checksum: p.checksum,
    quiesce: p.quiesce,
    preExec: p.preExec ? [...p.preExec] : undefined,
    postExec: p.postExec ? [...p.postExec] : undefined,
    recipient: p.recipients ? [...p.recipients] : undefined,
  };
}

async function failIfError(res: IncomingMessage): Promise<void> {
  if ((res.statusCode ?? 0) < 400) return;
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  throw new ApiError(res.statusCode ?? 0, errorMessage(Buffer.concat(chunks)));
}

/** Reads ndjson events until the result (or the error, thrown as ApiError). */
async function events<T>(res: IncomingMessage, onProgress?: (p: ProgressEvent) => void): Promise<T> {
  await failIfError(res);
  let buf = '';
  let result: T | undefined;
  let error: { message: string; kind?: string } | undefined;
  const handle = (line: string): void => {
    if (line.trim() === '') return;
    const ev = JSON.parse(line) as { progress?: ProgressEvent; result?: T; error?: { message: string; kind?: string } };
    if (ev.progress) onProgress?.(ev.progress);
    if (ev.result !== undefined) result = ev.result;
    if (ev.error) error = ev.error;
  };
  for await (const chunk of res) {
    buf += (chunk as Buffer).toString('utf8');
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      handle(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
  }
  handle(buf);
  if (error) throw new ApiError(statusOfKind(error.kind), error.message);
  if (result === undefined) throw new Error('the daemon ended the response without a result');
  return result;
}

function statusOfKind(kind: string | undefined): number {
  switch (kind) {
    case 'invalidArgument':
      return 400;
    case 'notFound':
      return 404;
    case 'conflict':
    case 'failedPrecondition':
      return 409;
    default:
      return 500;
  }
}

export interface ArchiveDownload {
  /** The archive bytes. */
  body: IncomingMessage;
  /** After body has ended: the job's summary (from the trailer); throws if the archive is not whole. */
  result(): Promise<BackupSummaryJson>;
}

function download(res: IncomingMessage): ArchiveDownload {
  let aborted = false;
  res.on('aborted', () => (aborted = true));
  res.on('error', () => (aborted = true));
  return {
    body: res,
    async result() {
      const t = res.trailers['x-ballast-result'];
      if (aborted || !res.complete || typeof t !== 'string') {
        throw new Error('the archive stream was cut short by the daemon (see its log)');
      }
      return JSON.parse(Buffer.from(t, 'base64').toString('utf8')) as BackupSummaryJson;
    },
  };
}

export class BackupApi {
  constructor(private readonly client: ApiClient) {}

  /** Archive bytes in the response. */
  async backupStream(name: string, p: BackupParams): Promise<ArchiveDownload> {
    const res = await this.client.open('POST', `/ballast/volumes/${encodeURIComponent(name)}/backup`, {
      query: backupQuery(p),
      headers: secretHeaders(p),
    });
    await failIfError(res);
    return download(res);
  }

  /** The daemon writes the archive into `dir` (which it must see as the same inode). */
  async backupToDirectory(
    name: string,
    p: BackupParams,
    dir: LocalFile,
    opts: { fileName?: string | undefined; receipt?: boolean; progress?: boolean },
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<BackupSummaryJson> {
    const res = await this.client.open('POST', `/ballast/volumes/${encodeURIComponent(name)}/backup`, {
      query: {
        ...backupQuery(p),
        targetDir: dir.path,
        targetDev: dir.dev,
        targetIno: dir.ino,
        targetName: opts.fileName,
        receipt: opts.receipt || undefined,
        progress: opts.progress || undefined,
      },
      headers: secretHeaders(p),
    });
    return events<BackupSummaryJson>(res, onProgress);
  }

  async exportStream(name: string): Promise<ArchiveDownload> {
    const res = await this.client.open('GET', `/ballast/volumes/${encodeURIComponent(name)}/export`);
    await failIfError(res);
    return download(res);
  }

  private async upload<T>(
    path: string,
    query: Query,
    input: LocalFile | Readable,
    secrets: Secrets,
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<T> {
    const isFile = 'path' in input && typeof (input as LocalFile).dev === 'string';
    const res = isFile
      ? await this.client.open('POST', path, {
          query: { ...query, source: (input as LocalFile).path, sourceDev: (input as LocalFile).dev, sourceIno: (input as LocalFile).ino },
          headers: secretHeaders(secrets),
        })
      : await this.client.open('POST', path, {
          query,
          stream: input as Readable,
          headers: { 'Content-Type': 'application/octet-stream', ...secretHeaders(secrets) },
        });
    return events<T>(res, onProgress);
  }

  restore(
    input: LocalFile | Readable,
    opts: { name?: string | undefined; stop?: boolean; allowDevices?: boolean; progress?: boolean; plain?: boolean } & Secrets,
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<RestoreSummaryJson> {
    return this.upload(
      '/ballast/volumes/restore',
      {
        name: opts.name,
        stop: opts.stop || undefined,
        allowDevices: opts.allowDevices || undefined,
        progress: opts.progress || undefined,
        plain: opts.plain || undefined,
      },
      input,
      opts,
      onProgress,
    );
  }

  importVolume(
    name: string,
    input: LocalFile | Readable,
    opts: { stop?: boolean; allowDevices?: boolean; progress?: boolean } & Secrets,
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<RestoreSummaryJson> {
    return this.upload(
      `/ballast/volumes/${encodeURIComponent(name)}/import`,
      { stop: opts.stop || undefined, allowDevices: opts.allowDevices || undefined, progress: opts.progress || undefined },
      input,
      opts,
      onProgress,
    );
  }

  verify(
    input: LocalFile | Readable,
    opts: { restoreTest?: boolean; progress?: boolean } & Secrets,
    onProgress?: (e: ProgressEvent) => void,
  ): Promise<VerifySummaryJson> {
    return this.upload(
      '/ballast/volumes/verify',
      { restoreTest: opts.restoreTest || undefined, progress: opts.progress || undefined },
      input,
      opts,
      onProgress,
    );
  }

  clone(source: string, target: string, quiesce?: string): Promise<CloneSummaryJson> {
    return this.client.call('POST', `/ballast/volumes/${encodeURIComponent(source)}/clone`, { query: { target, quiesce } });
  }

  prune(
    dir: LocalFile,
    policy: { keepLast?: number | undefined; keepWithin?: string | undefined; volumes?: string[] | undefined },
    secrets: Secrets,
  ): Promise<PruneSummaryJson> {
    return this.client.call('POST', '/ballast/backups/prune', {
      body: { Dir: dir.path, Dev: dir.dev, Ino: dir.ino, KeepLast: policy.keepLast, KeepWithin: policy.keepWithin, Volumes: policy.volumes },
      headers: secretHeaders(secrets),
    });
  }
}
