/** System endpoints: ping, version, info, df. */
import type { ApiClient } from './api-client.js';
import type { VolumeJson } from './volumes.js';

export interface VersionJson {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  GitCommit?: string;
  GoVersion?: string;
  Os?: string;
  Arch?: string;
  KernelVersion?: string;
}

export interface SystemDfJson {
  LayersSize: number;
  Images: Array<Record<string, unknown>> | null;
  Containers: Array<Record<string, unknown>> | null;
  Volumes: VolumeJson[] | null;
  BuildCache: unknown[] | null;
}

export class SystemApi {
  constructor(private readonly client: ApiClient) {}

  async ping(): Promise<{ apiVersion: string | undefined }> {
    const r = await this.client.raw('GET', '/_ping');
    const v = r.headers['api-version'];
    return { apiVersion: typeof v === 'string' ? v : undefined };
  }

  version(): Promise<VersionJson> {
    return this.client.call('GET', '/version');
  }

  info(): Promise<Record<string, unknown>> {
    return this.client.call('GET', '/info');
  }

  df(): Promise<SystemDfJson> {
    return this.client.call('GET', '/system/df');
  }
}
