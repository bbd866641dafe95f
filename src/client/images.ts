/** Image endpoints, typed (engine-api-surface §2.5). */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { ApiError, errorMessage, type ApiClient, type Query } from './api-client.js';
import { expectOk } from './containers.js';
import { encodeFilters, type FilterArgs } from './volumes.js';

/** One entry of GET /images/json. */
export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize?: number;
  VirtualSize?: number;
  Labels?: Record<string, string> | null;
  Containers?: number;
}

export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ImportOptions {
  /** `repo` query: the whole NAME[:TAG] (the CLI does not split it). */
  repo?: string;
  tag?: string;
  message?: string;
  changes: string[];
  platform?: string;
  /** "-" (the body) or a URL the daemon fetches. */
  fromSrc?: string;
}

/** An image reference in a path: '/' stays a separator (library/busybox:1). */
const ref = (r: string): string => r.split('/').map(encodeURIComponent).join('/');

export class ImagesApi {
  constructor(readonly client: ApiClient) {}

  list(opts: { all?: boolean; filters?: FilterArgs }): Promise<ImageSummary[]> {
    const query: Query = { all: opts.all || undefined, filters: opts.filters ? encodeFilters(opts.filters) : undefined };
    return this.client.call('GET', '/images/json', { query });
  }

  async inspectRaw(name: string): Promise<{ json: { Id: string } & Record<string, unknown>; raw: Buffer }> {
    const r = await this.client.raw('GET', `/images/${ref(name)}/json`);
    if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body));
    return { json: JSON.parse(r.body.toString('utf8')) as { Id: string }, raw: r.body };
  }

  remove(name: string, opts: { force?: boolean; noPrune?: boolean }): Promise<ImageDeleteItem[] | null> {
    return this.client.call('DELETE', `/images/${ref(name)}`, {
      query: { force: opts.force || undefined, noprune: opts.noPrune || undefined },
    });
  }

  async tag(source: string, repo: string, tag: string): Promise<void> {
    await this.client.callStatus('POST', `/images/${ref(source)}/tag`, { query: { repo, tag: tag || undefined } });
  }

  history(name: string): Promise<HistoryItem[] | null> {
    return this.client.call('GET', `/images/${ref(name)}/history`);
  }

  prune(filters: FilterArgs): Promise<{ ImagesDeleted: ImageDeleteItem[] | null; SpaceReclaimed: number }> {
    return this.client.call('POST', '/images/prune', { query: { filters: encodeFilters(filters) } });
  }

  /** POST /images/create?fromSrc=-: the tar goes up chunked; the answer is a JSON message stream. */
  async importImage(source: Readable | undefined, opts: ImportOptions): Promise<IncomingMessage> {
    const query: Query = {
      changes: opts.changes,
      fromSrc: opts.fromSrc ?? '-',
      message: opts.message || undefined,
      platform: opts.platform || undefined,
      repo: opts.repo || undefined,
      tag: opts.tag || undefined,
    };
    return expectOk(
      await this.client.open('POST', '/images/create', {
        query,
        ...(source ? { stream: source, headers: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' } } : {}),
      }),
    );
  }

  /** POST /images/create?fromImage=…&tag=…: a pull; the answer is a JSON message stream. */
  async pull(fromImage: string, tag: string, platform?: string): Promise<IncomingMessage> {
    const query: Query = { fromImage, platform: platform || undefined, tag: tag || undefined };
    return expectOk(await this.client.open('POST', '/images/create', { query, headers: { 'X-Registry-Auth': 'e30=' } }));
  }

  async load(source: Readable, quiet: boolean): Promise<IncomingMessage> {
    return expectOk(
      await this.client.open('POST', '/images/load', {
        query: { quiet: quiet ? 1 : 0 },
        stream: source,
        headers: { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' },
      }),
    );
  }

  async save(names: string[]): Promise<IncomingMessage> {
    return expectOk(await this.client.open('GET', '/images/get', { query: { names } }));
  }
}
