/** Volume endpoints, typed. The wire shapes are Docker's (see engine-api-surface §2.2). */
import type { ApiClient } from './api-client.js';

export interface VolumeJson {
  CreatedAt?: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
  Status?: Record<string, unknown>;
  UsageData?: { Size: number; RefCount: number };
}

export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** Docker's filters map form: {"label":{"a=b":true}}. */
export type FilterArgs = Map<string, string[]>;

export function encodeFilters(filters: FilterArgs): string | undefined {
  if (filters.size === 0) return undefined;
  const obj: Record<string, Record<string, boolean>> = {};
  for (const [k, vs] of filters) obj[k] = Object.fromEntries(vs.map((v) => [v, true]));
  return JSON.stringify(obj);
}

export class VolumesApi {
  constructor(private readonly client: ApiClient) {}

  create(body: VolumeCreateBody): Promise<VolumeJson> {
    return this.client.call('POST', '/volumes/create', { body });
  }

  list(filters: FilterArgs): Promise<{ Volumes: VolumeJson[] | null; Warnings: string[] | null }> {
    return this.client.call('GET', '/volumes', { query: { filters: encodeFilters(filters) } });
  }

  inspect(name: string): Promise<VolumeJson> {
    return this.client.call('GET', `/volumes/${encodeURIComponent(name)}`);
  }

  async remove(name: string, force: boolean): Promise<void> {
    await this.client.call('DELETE', `/volumes/${encodeURIComponent(name)}`, { query: { force: force || undefined } });
  }

  prune(filters: FilterArgs): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    return this.client.call('POST', '/volumes/prune', { query: { filters: encodeFilters(filters) } });
  }
}
