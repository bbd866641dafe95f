/** Network records → Docker's NetworkResource JSON (inspect and list). */
import type { NetworkEndpointInfo, NetworkRecord } from '../../engine/networks/network-service.js';

export function networkJson(n: NetworkRecord, endpoints: readonly NetworkEndpointInfo[]): Record<string, unknown> {
  const config: Array<Record<string, string>> = [];
  if (n.subnet) {
    const c: Record<string, string> = { Subnet: n.subnet };
    if (n.ipRange) c['IPRange'] = n.ipRange;
    if (n.gateway) c['Gateway'] = n.gateway;
    config.push(c);
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: 'local',
    Driver: n.driver,
    EnableIPv6: n.enableIpv6,
    IPAM: { Driver: 'default', Options: n.builtin ? null : n.ipamOptions, Config: config },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(
      endpoints.map((e) => [e.containerId, { Name: e.name, EndpointID: e.endpointId, MacAddress: e.mac, IPv4Address: e.ipv4, IPv6Address: '' }]),
    ),
    Options: n.options,
    Labels: n.labels,
  };
}
