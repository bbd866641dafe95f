/** Rows of the networks, network_attachments and port_mappings tables. */
import type { Db } from './database.js';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: string;
  created: string;
  builtin: boolean;
  subnet: string | null;
  gateway: string | null;
  ipRange: string | null;
  userIpam: boolean;
  bridge: string | null;
  internal: boolean;
  attachable: boolean;
  enableIpv6: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  ipamOptions: Record<string, string>;
  dnsPort: number;
}

export type AttachmentState = 'down' | 'creating' | 'up';

export interface AttachmentRecord {
  containerId: string;
  networkId: string;
  networkName: string;
  position: number;
  aliases: string[];
  ipv4Request: string;
  endpointConfig: Record<string, unknown>;
  state: AttachmentState;
  endpointId: string | null;
  ip: string | null;
  mac: string | null;
  hostVeth: string | null;
  ifname: string | null;
}

export interface PortMappingRecord {
  containerId: string;
  proto: string;
  containerPort: number;
  hostIp: string;
  hostPort: number;
  containerIp: string;
}

interface NetworkRow {
  id: string;
  name: string;
  driver: string;
  created: string;
  builtin: number;
  subnet: string | null;
  gateway: string | null;
  ip_range: string | null;
  user_ipam: number;
  bridge: string | null;
  internal: number;
  attachable: number;
  enable_ipv6: number;
  labels: string;
  options: string;
  ipam_options: string;
  dns_port: number;
}

interface AttachmentRow {
  container_id: string;
  network_id: string;
  network_name: string;
  position: number;
  aliases: string;
  ipv4_request: string;
  endpoint_config: string;
  state: AttachmentState;
  endpoint_id: string | null;
  ip: string | null;
  mac: string | null;
  host_veth: string | null;
  ifname: string | null;
}

interface PortRow {
  container_id: string;
  proto: string;
  container_port: number;
  host_ip: string;
  host_port: number;
  container_ip: string;
}

const toNetwork = (r: NetworkRow): NetworkRecord => ({
  id: r.id,
  name: r.name,
  driver: r.driver,
  created: r.created,
  builtin: r.builtin === 1,
  subnet: r.subnet,
  gateway: r.gateway,
  ipRange: r.ip_range,
  userIpam: r.user_ipam === 1,
  bridge: r.bridge,
  internal: r.internal === 1,
  attachable: r.attachable === 1,
  enableIpv6: r.enable_ipv6 === 1,
  labels: JSON.parse(r.labels) as Record<string, string>,
  options: JSON.parse(r.options) as Record<string, string>,
  ipamOptions: JSON.parse(r.ipam_options) as Record<string, string>,
  dnsPort: r.dns_port,
});

const toAttachment = (r: AttachmentRow): AttachmentRecord => ({
  containerId: r.container_id,
  networkId: r.network_id,
  networkName: r.network_name,
  position: r.position,
  aliases: JSON.parse(r.aliases) as string[],
  ipv4Request: r.ipv4_request,
  endpointConfig: JSON.parse(r.endpoint_config) as Record<string, unknown>,
  state: r.state,
  endpointId: r.endpoint_id,
  ip: r.ip,
  mac: r.mac,
  hostVeth: r.host_veth,
  ifname: r.ifname,
});

const toPort = (r: PortRow): PortMappingRecord => ({
  containerId: r.container_id,
  proto: r.proto,
  containerPort: r.container_port,
  hostIp: r.host_ip,
  hostPort: r.host_port,
  containerIp: r.container_ip,
});

export class NetworkRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- networks

  insertNetwork(n: NetworkRecord): void {
    this.db
      .prepare(
        `INSERT INTO networks (id, name, driver, created, builtin, subnet, gateway, ip_range, user_ipam, bridge, internal,
           attachable, enable_ipv6, labels, options, ipam_options, dns_port)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        n.id, n.name, n.driver, n.created, n.builtin ? 1 : 0, n.subnet, n.gateway, n.ipRange, n.userIpam ? 1 : 0, n.bridge,
        n.internal ? 1 : 0, n.attachable ? 1 : 0, n.enableIpv6 ? 1 : 0, JSON.stringify(n.labels), JSON.stringify(n.options),
        JSON.stringify(n.ipamOptions), n.dnsPort,
      );
  }

  getNetwork(id: string): NetworkRecord | undefined {
    const r = this.db.prepare('SELECT * FROM networks WHERE id = ?').get(id) as NetworkRow | undefined;
    return r && toNetwork(r);
  }

  networkByName(name: string): NetworkRecord | undefined {
    const r = this.db.prepare('SELECT * FROM networks WHERE name = ?').get(name) as NetworkRow | undefined;
    return r && toNetwork(r);
  }

  networkIdsWithPrefix(prefix: string): string[] {
    return (this.db.prepare("SELECT id FROM networks WHERE id LIKE ? || '%'").all(prefix) as Array<{ id: string }>).map((r) => r.id);
  }

  listNetworks(): NetworkRecord[] {
    return (this.db.prepare('SELECT * FROM networks ORDER BY name').all() as NetworkRow[]).map(toNetwork);
  }

  setDnsPort(id: string, port: number): void {
    this.db.prepare('UPDATE networks SET dns_port = ? WHERE id = ?').run(port, id);
  }

  deleteNetwork(id: string): void {
    this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
  }

  // --- attachments

  insertAttachment(a: AttachmentRecord): void {
    this.db
      .prepare(
        `INSERT INTO network_attachments (container_id, network_id, network_name, position, aliases, ipv4_request, endpoint_config, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'down')`,
      )
      .run(a.containerId, a.networkId, a.networkName, a.position, JSON.stringify(a.aliases), a.ipv4Request, JSON.stringify(a.endpointConfig));
  }

  attachmentsOf(containerId: string): AttachmentRecord[] {
    return (
      this.db.prepare('SELECT * FROM network_attachments WHERE container_id = ? ORDER BY position').all(containerId) as AttachmentRow[]
    ).map(toAttachment);
  }

  attachmentsOn(networkId: string): AttachmentRecord[] {
    return (
      this.db.prepare('SELECT * FROM network_attachments WHERE network_id = ? ORDER BY container_id').all(networkId) as AttachmentRow[]
    ).map(toAttachment);
  }

  allAttachments(): AttachmentRecord[] {
    return (this.db.prepare('SELECT * FROM network_attachments').all() as AttachmentRow[]).map(toAttachment);
  }

  usedAddresses(networkId: string): string[] {
    return (
      this.db.prepare('SELECT ip FROM network_attachments WHERE network_id = ? AND ip IS NOT NULL').all(networkId) as Array<{ ip: string }>
    ).map((r) => r.ip);
  }

  nextPosition(containerId: string): number {
    const r = this.db.prepare('SELECT MAX(position) AS m FROM network_attachments WHERE container_id = ?').get(containerId) as { m: number | null };
    return (r.m ?? -1) + 1;
  }

  /** Records the live endpoint (state 'creating' before the kernel work, 'up' after). */
  setEndpoint(
    containerId: string,
    networkId: string,
    ep: { state: AttachmentState; endpointId: string; ip: string; mac: string; hostVeth: string; ifname: string },
  ): void {
    this.db
      .prepare(
        `UPDATE network_attachments SET state = ?, endpoint_id = ?, ip = ?, mac = ?, host_veth = ?, ifname = ?
         WHERE container_id = ? AND network_id = ?`,
      )
      .run(ep.state, ep.endpointId, ep.ip, ep.mac, ep.hostVeth, ep.ifname, containerId, networkId);
  }

  markUp(containerId: string, networkId: string): void {
    this.db.prepare("UPDATE network_attachments SET state = 'up' WHERE container_id = ? AND network_id = ?").run(containerId, networkId);
  }

  /** Frees the address and forgets the live endpoint. */
  clearEndpoint(containerId: string, networkId: string): void {
    this.db
      .prepare(
        `UPDATE network_attachments SET state = 'down', endpoint_id = NULL, ip = NULL, mac = NULL, host_veth = NULL, ifname = NULL
         WHERE container_id = ? AND network_id = ?`,
      )
      .run(containerId, networkId);
  }

  setAliases(containerId: string, networkId: string, aliases: string[]): void {
    this.db.prepare('UPDATE network_attachments SET aliases = ? WHERE container_id = ? AND network_id = ?').run(JSON.stringify(aliases), containerId, networkId);
  }

  deleteAttachment(containerId: string, networkId: string): void {
    this.db.prepare('DELETE FROM network_attachments WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
  }

  deleteAttachmentsOf(containerId: string): void {
    this.db.prepare('DELETE FROM network_attachments WHERE container_id = ?').run(containerId);
  }

  // --- published ports

  insertPort(p: PortMappingRecord): void {
    this.db
      .prepare('INSERT INTO port_mappings (container_id, proto, container_port, host_ip, host_port, container_ip) VALUES (?, ?, ?, ?, ?, ?)')
      .run(p.containerId, p.proto, p.containerPort, p.hostIp, p.hostPort, p.containerIp);
  }

  portsOf(containerId: string): PortMappingRecord[] {
    return (
      this.db.prepare('SELECT * FROM port_mappings WHERE container_id = ? ORDER BY container_port, proto, host_ip').all(containerId) as PortRow[]
    ).map(toPort);
  }

  allPorts(): PortMappingRecord[] {
    return (this.db.prepare('SELECT * FROM port_mappings').all() as PortRow[]).map(toPort);
  }

  portHolder(hostIp: string, proto: string, hostPort: number): string | undefined {
    const r = this.db.prepare('SELECT container_id FROM port_mappings WHERE host_ip = ? AND proto = ? AND host_port = ?').get(hostIp, proto, hostPort) as
      | { container_id: string }
      | undefined;
    return r?.container_id;
  }

  deletePort(hostIp: string, proto: string, hostPort: number): void {
    this.db.prepare('DELETE FROM port_mappings WHERE host_ip = ? AND proto = ? AND host_port = ?').run(hostIp, proto, hostPort);
  }

  deletePortsOf(containerId: string): void {
    this.db.prepare('DELETE FROM port_mappings WHERE container_id = ?').run(containerId);
  }
}
