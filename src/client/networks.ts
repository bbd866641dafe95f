/** Network endpoints, typed. The wire shapes are Docker's (engine-api-surface §2.6). */
import { ApiError, errorMessage, type ApiClient } from './api-client.js';
import { encodeFilters, type FilterArgs } from './volumes.js';

export interface NetworkJson {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> | null };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }> | null;
  Options: Record<string, string> | null;
  Labels: Record<string, string> | null;
}

export interface NetworkCreateBody {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver: string; Config: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }>; Options: Record<string, string> };
  Options?: Record<string, string>;
  Labels?: Record<string, string>;
}

export interface EndpointConfigBody {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string };
}

export class NetworksApi {
  constructor(private readonly client: ApiClient) {}

  create(body: NetworkCreateBody): Promise<{ Id: string; Warning: string }> {
    return this.client.call('POST', '/networks/create', { body });
  }

  list(filters: FilterArgs): Promise<NetworkJson[]> {
    return this.client.call('GET', '/networks', { query: { filters: encodeFilters(filters) } });
  }

  inspect(ref: string): Promise<NetworkJson> {
    return this.client.call('GET', `/networks/${encodeURIComponent(ref)}`);
  }

  /** The daemon's bytes too, so inspect can print them as the docker CLI does. */
  async inspectRaw(ref: string): Promise<{ raw: Buffer; json: NetworkJson }> {
    const r = await this.client.raw('GET', `/networks/${encodeURIComponent(ref)}`);
    if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body));
    return { raw: r.body, json: JSON.parse(r.body.toString('utf8')) as NetworkJson };
  }

  async remove(ref: string): Promise<void> {
    await this.client.call('DELETE', `/networks/${encodeURIComponent(ref)}`);
  }

  prune(filters: FilterArgs): Promise<{ NetworksDeleted: string[] | null }> {
    return this.client.call('POST', '/networks/prune', { query: { filters: encodeFilters(filters) } });
  }

  async connect(ref: string, container: string, endpoint: EndpointConfigBody): Promise<void> {
    await this.client.call('POST', `/networks/${encodeURIComponent(ref)}/connect`, { body: { Container: container, EndpointConfig: endpoint } });
  }

  async disconnect(ref: string, container: string, force: boolean): Promise<void> {
    await this.client.call('POST', `/networks/${encodeURIComponent(ref)}/disconnect`, { body: { Container: container, Force: force } });
  }
}
