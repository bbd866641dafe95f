/**
 * Network use cases: the builtin `bridge`, `host` and `none` networks and
 * user-defined bridge networks (create, inspect, ls, rm, prune, connect,
 * disconnect), and the per-container work the container service calls: record
 * what a container asks for at create, plug it in before the runtime creates
 * it, unplug it when it exits. The state (SQLite) is the truth; the kernel
 * objects (network-recipe: bridges, named netns + veths, one nftables table,
 * reservation sockets, the embedded DNS) follow it and are reconciled at
 * start-up.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EngineError, conflict, internal, invalidArgument, messageOf, notFound } from '../../domain/errors.js';
import type { ContainerConfig, HostConfig } from '../../domain/container.js';
import type { Filters } from '../../domain/filters.js';
import { labelTermMatches } from '../../domain/filters.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import type { Logger } from '../../lib/logger.js';
import type { ContainerRecord, ContainerRepository } from '../../state/container-repository.js';
import type { AttachmentRecord, NetworkRecord, NetworkRepository, PortMappingRecord } from '../../state/network-repository.js';
import { EmbeddedDns } from '../../network/dns-server.js';
import { broadcast, contains, formatCidr, formatIp, macFromIp, overlaps, parseCidr, parseIp, type Cidr } from '../../network/ipv4.js';
import { nftApply, writeSysctl } from '../../network/kernel.js';
import { NetNaming } from '../../network/names.js';
import { NftTable } from '../../network/nft-table.js';
import { configureNamespace, createNetns, deleteLink, deleteNetns, ensureBridge, linkExists, namespaceLines, plugEndpoint, plugEndpoints, type EndpointSpec } from '../../network/plumbing.js';
import { collectDeadInstances, registerInstance, removeInstanceObjectsSync, removeOrphans, unregisterInstance } from '../../network/reconcile.js';
import { PortReservations } from '../../network/reservations.js';
import { containerDnsTable, type BridgeEntry, type Proto, type PublishEntry } from '../../network/ruleset.js';
import { DOCKER_DEFAULT_POOLS, firstFree, hostSubnets, withAllocationLock, type AddressPool } from '../../network/subnets.js';
import type { EventSink } from '../events.js';
import { findContainer, findNetwork, getContainer, getNetwork, modeOf, networkNameOfMode } from './lookup.js';
import { portRequests } from './port-requests.js';
import { parseResolv, renderResolv, upstreamsFor, type ParsedResolv } from './resolv.js';

export type { NetworkRecord };

export interface NetworkServiceDeps {
  root: string;
  repo: NetworkRepository;
  containers: ContainerRepository;
  events: EventSink;
  log: Logger;
  pools?: readonly AddressPool[];
}

/** Docker's EndpointSettings as clients send them (create's EndpointsConfig, connect's EndpointConfig). */
export interface EndpointConfigInput {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Links?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  [key: string]: unknown;
}

export interface NetworkingConfigInput {
  EndpointsConfig?: Record<string, EndpointConfigInput | null> | null;
}

export interface CreateNetworkRequest {
  Name?: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** One planned attachment (validated at create, recorded in the create transaction). */
export interface AttachmentPlan {
  /** Undefined when the network does not exist (yet): Docker fails the start, not the create. */
  network: NetworkRecord | undefined;
  networkName: string;
  aliases: string[];
  ipv4Request: string;
  endpointConfig: Record<string, unknown>;
}

/** What the container service needs to build the OCI spec and the /etc files. */
export interface NetworkSetup {
  namespace: 'host' | 'none' | { path: string };
  sysctls: Record<string, string>;
  /** `<ip> <hostname>` lines for /etc/hosts. */
  selfHosts: Array<{ ip: string; names: string[] }>;
  /** Rendered /etc/resolv.conf; undefined keeps the host's (host mode). */
  resolvConf?: string;
  /** The address `--add-host NAME:host-gateway` stands for: the default bridge's gateway. */
  hostGateway: string;
}

export interface EndpointView {
  networkName: string;
  networkId: string;
  aliases: string[] | null;
  endpointConfig: Record<string, unknown>;
  endpointId: string;
  gateway: string;
  ip: string;
  prefix: number;
  mac: string;
}

export interface ContainerNetView {
  endpoints: EndpointView[];
  /** inspect's NetworkSettings.Ports. */
  ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  /** the list's Ports. */
  listPorts: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
  sandboxKey: string;
  sandboxId: string;
}

export interface NetworkEndpointInfo {
  containerId: string;
  name: string;
  endpointId: string;
  mac: string;
  ipv4: string;
}

const BUILTIN = ['bridge', 'host', 'none'] as const;
/** network_id of an attachment to a network that did not exist at create. */
const PENDING = 'pending:';

const nowRfc3339Nano = (): string => {
  const d = new Date();
  const ns = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return d.toISOString().replace(/\.(\d{3})Z$/, `.$1${ns}Z`);
};

const newId = (): string => randomBytes(32).toString('hex');

export class NetworkService {
  readonly naming: NetNaming;
  private readonly table: NftTable;
  private readonly reservations = new PortReservations();
  private readonly dns: EmbeddedDns;
  private readonly lock = new KeyedMutex();
  private readonly pools: readonly AddressPool[];
  private hostResolv: { at: number; value: ParsedResolv } | undefined;
  /** Why the kernel side could not be set up at start-up, if it could not. */
  private broken: string | undefined;

  constructor(private readonly d: NetworkServiceDeps) {
    this.naming = NetNaming.forRoot(d.root);
    this.table = new NftTable(this.naming.table);
    this.pools = d.pools ?? DOCKER_DEFAULT_POOLS;
    this.dns = new EmbeddedDns(
      {
        lookup: (source, name) => this.dnsLookup(source, name),
        reverse: (source, ip) => this.dnsReverse(source, ip),
        upstreams: (source) => this.dnsUpstreams(source),
      },
      d.log,
    );
  }

  // ================================================================ start-up

  /**
   * Before containers are reconciled: builtin networks, bridges, DNS
   * listeners, and the table rebuilt atomically from the state, so restarts
   * during container reconciliation find everything in place.
   */
  async init(): Promise<void> {
    try {
      await this.initKernel();
    } catch (e) {
      // Without ip/nft (or their permissions) the engine still serves host and none networking.
      this.broken = messageOf(e);
      this.d.log.error('networking is unavailable; bridge networks will not work', { error: this.broken });
    }
  }

  private usable(): void {
    if (this.broken) throw new EngineError('unavailable', `networking is unavailable: ${this.broken}`);
  }

  private async initKernel(): Promise<void> {
    registerInstance(this.naming, this.d.root);
    const collected = await collectDeadInstances(this.naming, this.d.log).catch((e: unknown) => {
      this.d.log.warn('collecting dead network instances failed', { error: messageOf(e) });
      return [];
    });
    if (collected.length > 0) this.d.log.info('removed network objects of engines whose root is gone', { instances: collected });
    await this.ensureForwarding();
    await this.ensureBuiltins();
    for (const n of this.bridgeNetworks()) await this.bringUpBridge(n);
    await this.rebuildTable();
    for (const p of this.d.repo.allPorts()) {
      const c = this.d.containers.get(p.containerId);
      if (!c?.state.Running) continue;
      await this.reservations.reserve(p.containerId, p.proto as Proto, p.hostIp, p.hostPort).catch((e: unknown) =>
        this.d.log.warn('re-binding a published port failed; its DNAT still works', { container: p.containerId, port: p.hostPort, error: messageOf(e) }),
      );
    }
  }

  /**
   * After containers are reconciled: endpoints of containers that no longer
   * run are freed, kernel objects the state does not own are removed, and the
   * table is rebuilt once more.
   */
  async reconcile(): Promise<void> {
    if (this.broken) return;
    const running = new Set(this.d.containers.list().filter((c) => c.state.Running).map((c) => c.id));
    for (const a of this.d.repo.allAttachments()) {
      if (a.state !== 'down' && !running.has(a.containerId)) this.d.repo.clearEndpoint(a.containerId, a.networkId);
    }
    for (const p of this.d.repo.allPorts()) {
      if (running.has(p.containerId)) continue;
      this.reservations.releaseOwner(p.containerId);
      this.d.repo.deletePortsOf(p.containerId);
    }
    const netns = new Set<string>();
    const endpoints = new Set<string>();
    for (const a of this.d.repo.allAttachments()) {
      if (a.state !== 'up' || !running.has(a.containerId)) continue;
      netns.add(this.naming.netnsName(a.containerId));
      endpoints.add(`${a.containerId}:${a.networkId}`);
    }
    for (const id of running) {
      const c = this.d.containers.get(id);
      if (c && modeOf(c.hostConfig.NetworkMode).kind === 'networks') netns.add(this.naming.netnsName(id));
    }
    const networks = new Set(this.d.repo.listNetworks().map((n) => n.id));
    const removed = await removeOrphans(this.naming, { netns, networks, endpoints }, this.d.log);
    if (removed.netns.length + removed.veths.length + removed.bridges.length > 0) {
      this.d.log.info('removed network objects the state does not own', { ...removed });
    }
    await this.rebuildTable();
  }

  /**
   * Engine shutdown: listeners and reservations close (DNAT keeps published
   * ports of running containers working). An engine on a non-default root
   * (tests, mostly) with nothing running also removes its bridges and table,
   * so finished test daemons leave nothing behind; start-up re-creates them.
   */
  close(): void {
    this.dns.closeAll();
    this.reservations.closeAll();
    if (!this.naming.tag || this.d.containers.list().some((c) => c.state.Running)) return;
    try {
      removeInstanceObjectsSync(this.naming);
      unregisterInstance(this.naming);
    } catch (e) {
      this.d.log.warn('removing network objects at shutdown failed', { error: messageOf(e) });
    }
  }

  /** Bridged containers need IPv4 forwarding, as Docker ensures at start-up. */
  private async ensureForwarding(): Promise<void> {
    try {
      if (readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() !== '1') {
        await writeSysctl('net.ipv4.ip_forward', '1');
        this.d.log.info('enabled net.ipv4.ip_forward');
      }
    } catch (e) {
      this.d.log.warn('cannot enable net.ipv4.ip_forward; containers will not reach beyond their bridge', { error: messageOf(e) });
    }
  }

  private async ensureBuiltins(): Promise<void> {
    for (const name of BUILTIN) {
      if (this.d.repo.networkByName(name)) continue;
      const id = newId();
      const base: NetworkRecord = {
        id,
        name,
        driver: name === 'none' ? 'null' : name,
        created: nowRfc3339Nano(),
        builtin: true,
        subnet: null,
        gateway: null,
        ipRange: null,
        userIpam: false,
        bridge: null,
        internal: false,
        attachable: false,
        enableIpv6: false,
        labels: {},
        options: {},
        ipamOptions: {},
        dnsPort: 0,
      };
      if (name !== 'bridge') {
        this.d.repo.insertNetwork(base);
        continue;
      }
      const bridge = this.naming.bridgeName(id, true);
      await withAllocationLock(async () => {
        const subnet = await this.freeSubnet();
        const rec: NetworkRecord = {
          ...base,
          subnet: formatCidr(subnet),
          gateway: formatIp(subnet.base + 1),
          bridge,
          options: {
            'com.docker.network.bridge.default_bridge': 'true',
            'com.docker.network.bridge.enable_icc': 'true',
            'com.docker.network.bridge.enable_ip_masquerade': 'true',
            'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
            'com.docker.network.bridge.name': bridge,
            'com.docker.network.driver.mtu': '1500',
          },
        };
        this.d.repo.insertNetwork(rec);
        await this.bringUpBridge(rec);
      });
    }
  }

  private bridgeNetworks(): NetworkRecord[] {
    return this.d.repo.listNetworks().filter((n) => n.driver === 'bridge' && n.bridge && n.subnet && n.gateway);
  }

  /** Subnets the engine owns plus what the host routes: a new subnet must overlap none. */
  private async freeSubnet(): Promise<Cidr> {
    const taken = [...(await hostSubnets())];
    for (const n of this.d.repo.listNetworks()) {
      const c = n.subnet ? parseCidr(n.subnet, true) : undefined;
      if (c) taken.push(c);
    }
    const free = firstFree(this.pools, taken);
    if (!free) throw new EngineError('forbidden', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
    return free;
  }

  private async bringUpBridge(n: NetworkRecord): Promise<void> {
    const cidr = parseCidr(n.subnet ?? '', true);
    if (!cidr || !n.bridge || !n.gateway) return;
    await ensureBridge({ name: n.bridge, alias: this.naming.bridgeAlias(n.id), gateway: n.gateway, prefix: cidr.prefix });
    await this.listenDns(n);
  }

  /** The embedded DNS on the gateway: port 53 if free, else any; remembered so containers' DNAT stays right. */
  private async listenDns(n: NetworkRecord): Promise<void> {
    if (!n.gateway) return;
    const tries = n.dnsPort ? [n.dnsPort, 53, 0] : [53, 0];
    for (const port of tries) {
      try {
        const actual = await this.dns.listen(n.gateway, port);
        if (actual !== n.dnsPort) this.d.repo.setDnsPort(n.id, actual);
        return;
      } catch (e) {
        this.d.log.debug('dns listen failed', { network: n.name, port, error: messageOf(e) });
      }
    }
    this.d.log.warn('embedded DNS could not listen', { network: n.name, gateway: n.gateway });
  }

  private tableState(): { bridges: BridgeEntry[]; published: PublishEntry[] } {
    const bridges = this.bridgeNetworks().map((n) => ({ name: n.bridge as string, subnet: formatCidr(parseCidr(n.subnet as string, true) as Cidr), internal: n.internal }));
    const published: PublishEntry[] = [];
    for (const p of this.d.repo.allPorts()) {
      if (!this.d.containers.get(p.containerId)?.state.Running) continue;
      published.push(toPublish(p));
    }
    return { bridges, published };
  }

  private async rebuildTable(): Promise<void> {
    await this.table.rebuild(this.tableState());
  }

  // ================================================================ networks

  list(filters: Filters): NetworkRecord[] {
    for (const key of filters.keys()) {
      if (!['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling'].includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
    }
    return this.d.repo.listNetworks().filter((n) => this.matches(n, filters));
  }

  private matches(n: NetworkRecord, filters: Filters): boolean {
    for (const [key, values] of filters) {
      if (values.length === 0) continue;
      switch (key) {
        case 'driver':
          if (!values.includes(n.driver)) return false;
          break;
        case 'id':
          if (!values.some((v) => n.id.includes(v))) return false;
          break;
        case 'name':
          if (!values.some((v) => n.name.includes(v))) return false;
          break;
        case 'label':
          if (!values.every((t) => labelTermMatches(n.labels, t))) return false;
          break;
        case 'scope':
          if (!values.includes('local')) return false;
          break;
        case 'type': {
          const t = n.builtin ? 'builtin' : 'custom';
          for (const v of values) if (v !== 'builtin' && v !== 'custom') throw invalidArgument(`invalid filter: 'type'='${v}'`);
          if (!values.includes(t)) return false;
          break;
        }
        case 'dangling': {
          const want = values.some((v) => v === 'true' || v === '1');
          const dangling = !n.builtin && this.d.repo.attachmentsOn(n.id).length === 0;
          if (dangling !== want) return false;
          break;
        }
      }
    }
    return true;
  }

  inspect(ref: string): NetworkRecord {
    return getNetwork(this.d.repo, ref);
  }

  /** Running containers' endpoints on the network (inspect's Containers). */
  endpointsOn(networkId: string): NetworkEndpointInfo[] {
    const out: NetworkEndpointInfo[] = [];
    const n = this.d.repo.getNetwork(networkId);
    const prefix = n?.subnet ? (parseCidr(n.subnet, true)?.prefix ?? 0) : 0;
    for (const a of this.d.repo.attachmentsOn(networkId)) {
      if (a.state !== 'up' || !a.ip) continue;
      const c = this.d.containers.get(a.containerId);
      if (!c) continue;
      out.push({ containerId: c.id, name: c.name.slice(1), endpointId: a.endpointId ?? '', mac: a.mac ?? '', ipv4: `${a.ip}/${prefix}` });
    }
    // Containers sharing another's namespace or the host's are listed on host.
    if (n?.name === 'host') {
      for (const c of this.d.containers.list()) {
        if (c.state.Running && modeOf(c.hostConfig.NetworkMode).kind === 'host') {
          out.push({ containerId: c.id, name: c.name.slice(1), endpointId: '', mac: '', ipv4: '' });
        }
      }
    }
    return out;
  }

  async create(req: CreateNetworkRequest): Promise<{ id: string; warning: string }> {
    const name = req.Name ?? '';
    if (!name) throw invalidArgument('network name must not be empty');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidArgument(`invalid network name: ${name}`);
    const driver = req.Driver || 'bridge';
    if (driver === 'host' || driver === 'null') throw new EngineError('forbidden', `only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    if (req.IPAM?.Driver && req.IPAM.Driver !== 'default') throw notFound(`plugin "${req.IPAM.Driver}" not found`);
    this.usable();
    return this.lock.run('networks', async () => {
      if (this.d.repo.networkByName(name)) throw conflict(`network with name ${name} already exists`);
      const id = newId();
      const options = { ...(req.Options ?? {}) };
      const bridge = options['com.docker.network.bridge.name'] || this.naming.bridgeName(id, false);
      if (bridge.length > 15) throw invalidArgument(`bridge name ${bridge} is too long (at most 15 characters)`);
      const config = (req.IPAM?.Config ?? []).find((c) => c.Subnet && !c.Subnet.includes(':'));
      const rec = await withAllocationLock(async () => {
        let subnet: Cidr;
        let gateway: number;
        let ipRange: Cidr | undefined;
        if (config?.Subnet) {
          const s = parseCidr(config.Subnet, true);
          if (!s) throw invalidArgument(`invalid subnet ${config.Subnet}: invalid CIDR address: ${config.Subnet}`);
          if (s.prefix > 30) throw invalidArgument(`invalid subnet ${config.Subnet}: too small`);
          subnet = s;
          for (const n of this.d.repo.listNetworks()) {
            const other = n.subnet ? parseCidr(n.subnet, true) : undefined;
            if (other && overlaps(other, s)) throw new EngineError('forbidden', 'Pool overlaps with other one on this address space');
          }
          if (config.Gateway) {
            const g = parseIp(config.Gateway);
            if (g === undefined || !contains(s, g) || g === s.base || g === broadcast(s)) {
              throw invalidArgument(`Invalid gateway ${config.Gateway}: it is not in the subnet ${formatCidr(s)}`);
            }
            gateway = g;
          } else {
            gateway = s.base + 1;
          }
          if (config.IPRange) {
            const r = parseCidr(config.IPRange, true);
            if (!r || !contains(s, r.base) || r.prefix < s.prefix) throw invalidArgument(`Invalid ip range ${config.IPRange}: it is not in the subnet ${formatCidr(s)}`);
            ipRange = r;
          }
        } else {
          subnet = await this.freeSubnet();
          gateway = subnet.base + 1;
        }
        if (linkExists(bridge)) throw conflict(`bridge ${bridge} already exists on the host`);
        const r: NetworkRecord = {
          id,
          name,
          driver: 'bridge',
          created: nowRfc3339Nano(),
          builtin: false,
          subnet: formatCidr(subnet),
          gateway: formatIp(gateway),
          ipRange: ipRange ? formatCidr(ipRange) : null,
          userIpam: Boolean(config?.Subnet),
          bridge,
          internal: req.Internal ?? false,
          attachable: req.Attachable ?? false,
          enableIpv6: req.EnableIPv6 ?? false,
          labels: { ...(req.Labels ?? {}) },
          options,
          ipamOptions: { ...(req.IPAM?.Options ?? {}) },
          dnsPort: 0,
        };
        // Intent first: a crash from here on leaves a row whose bridge start-up re-creates.
        this.d.repo.insertNetwork(r);
        try {
          await this.bringUpBridge(r);
        } catch (e) {
          this.d.repo.deleteNetwork(id);
          await deleteLink(bridge).catch(() => undefined);
          throw internal(`failed to create bridge ${bridge}: ${messageOf(e)}`, e);
        }
        return r;
      });
      await this.table.addBridge({ name: bridge, subnet: rec.subnet as string, internal: rec.internal });
      this.d.events.emit({ type: 'network', action: 'create', id, attributes: { name, type: 'bridge' } });
      return { id, warning: '' };
    });
  }

  private activeEndpoints(n: NetworkRecord): AttachmentRecord[] {
    return this.d.repo.attachmentsOn(n.id).filter((a) => a.state !== 'down' && this.d.containers.get(a.containerId)?.state.Running);
  }

  async remove(ref: string): Promise<void> {
    const n = getNetwork(this.d.repo, ref);
    if (n.builtin) throw new EngineError('forbidden', `${n.name} is a pre-defined network and cannot be removed`);
    await this.lock.run('networks', async () => {
      if (this.activeEndpoints(n).length > 0) {
        throw new EngineError('forbidden', `error while removing network: network ${n.name} id ${n.id} has active endpoints`);
      }
      await this.destroy(n);
    });
  }

  private async destroy(n: NetworkRecord): Promise<void> {
    if (n.gateway) this.dns.close(n.gateway);
    if (n.bridge && n.subnet) await this.table.removeBridge({ name: n.bridge, subnet: n.subnet, internal: n.internal });
    if (n.bridge) await deleteLink(n.bridge);
    this.d.repo.deleteNetwork(n.id);
    this.d.events.emit({ type: 'network', action: 'destroy', id: n.id, attributes: { name: n.name, type: n.driver } });
  }

  async prune(filters: Filters): Promise<string[]> {
    for (const key of filters.keys()) {
      if (!['label', 'label!', 'until'].includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
    }
    const until = filters.get('until')?.[0];
    const cutoff = until ? parseUntil(until) : undefined;
    const deleted: string[] = [];
    await this.lock.run('networks', async () => {
      for (const n of this.d.repo.listNetworks()) {
        if (n.builtin || this.activeEndpoints(n).length > 0) continue;
        if (!(filters.get('label') ?? []).every((t) => labelTermMatches(n.labels, t))) continue;
        if ((filters.get('label!') ?? []).some((t) => labelTermMatches(n.labels, t))) continue;
        if (cutoff !== undefined && Date.parse(n.created) >= cutoff) continue;
        await this.destroy(n);
        deleted.push(n.name);
      }
    });
    return deleted;
  }

  // ================================================================ container create

  /**
   * Validates what a new container asks for (Docker's errors at create) and
   * returns the attachments to record. No state is changed.
   */
  planAttachments(config: ContainerConfig, hostConfig: HostConfig, networking: NetworkingConfigInput | undefined): AttachmentPlan[] {
    const mode = modeOf(hostConfig.NetworkMode);
    const endpoints = networking?.EndpointsConfig ?? {};
    if (mode.kind === 'container') {
      if (!findContainer(this.d.containers, mode.ref)) throw notFound(`No such container: ${mode.ref}`);
      return [];
    }
    if (mode.kind !== 'networks') return [];
    void config;
    const primaryName = networkNameOfMode(hostConfig.NetworkMode);
    const names = [primaryName, ...Object.keys(endpoints).filter((k) => k !== primaryName && !(k === 'default' && primaryName === 'bridge'))];
    const plans: AttachmentPlan[] = [];
    for (const [i, netName] of names.entries()) {
      const n = findNetwork(this.d.repo, netName);
      if (n && n.driver !== 'bridge') {
        throw invalidArgument('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
      }
      const ep = (i === 0 ? (endpoints[netName] ?? endpoints['default'] ?? (n ? endpoints[n.name] : undefined)) : endpoints[netName]) ?? {};
      plans.push(this.planOne(n, ep, netName, false));
    }
    return plans;
  }

  private planOne(n: NetworkRecord | undefined, ep: EndpointConfigInput, name: string, strictAliases: boolean): AttachmentPlan {
    const aliases = (ep.Aliases ?? []).filter((a) => a !== '');
    if (strictAliases && n?.builtin && aliases.length > 0) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
    const ipv4 = ep.IPAMConfig?.IPv4Address ?? '';
    if (ipv4 && n) {
      if (!n.userIpam) throw invalidArgument('user specified IP address is supported only when connecting to networks with user configured subnets');
      const ip = parseIp(ipv4);
      const subnet = parseCidr(n.subnet ?? '', true);
      if (ip === undefined || !subnet || !contains(subnet, ip)) throw invalidArgument(`no configured subnet or ip-range contain the IP address ${ipv4}`);
    }
    const endpointConfig: Record<string, unknown> = {};
    if (ep.IPAMConfig) endpointConfig['IPAMConfig'] = ep.IPAMConfig;
    if (ep.Links) endpointConfig['Links'] = ep.Links;
    if (ep.DriverOpts) endpointConfig['DriverOpts'] = ep.DriverOpts;
    return { network: n, networkName: n?.name ?? name, aliases, ipv4Request: ipv4, endpointConfig };
  }

  /** Records the plan (call inside the create transaction, after the container row). */
  recordAttachments(containerId: string, plans: readonly AttachmentPlan[]): void {
    plans.forEach((p, i) => this.insertAttachment(containerId, p, i));
  }

  private insertAttachment(containerId: string, p: AttachmentPlan, position: number): void {
    const short = containerId.slice(0, 12);
    // On user networks the short id is an alias from the start (compose checks for it).
    const aliases = p.network?.builtin ? p.aliases : p.aliases.includes(short) ? p.aliases : [...p.aliases, short];
    this.d.repo.insertAttachment({
      containerId,
      // A network that does not exist yet is looked up by name again at start.
      networkId: p.network?.id ?? `${PENDING}${p.networkName}`,
      networkName: p.networkName,
      position,
      aliases,
      ipv4Request: p.ipv4Request,
      endpointConfig: p.endpointConfig,
      state: 'down',
      endpointId: null,
      ip: null,
      mac: null,
      hostVeth: null,
      ifname: null,
    });
  }

  // ================================================================ container start / exit

  /** Plugs a container in before the runtime creates it. On failure nothing is left behind. */
  async setUp(c: ContainerRecord): Promise<NetworkSetup> {
    const mode = modeOf(c.hostConfig.NetworkMode);
    if (mode.kind === 'host') return { namespace: 'host', sysctls: {}, selfHosts: [], hostGateway: this.hostGateway() };
    if (mode.kind === 'none') return { namespace: 'none', sysctls: {}, selfHosts: [], resolvConf: this.resolvFor(c, false, ''), hostGateway: this.hostGateway() };
    if (mode.kind === 'container') return this.joinContainer(c, mode.ref);
    this.usable();
    return this.lock.run(`ctr:${c.id}`, () => this.plugContainer(c));
  }

  private joinContainer(c: ContainerRecord, ref: string): NetworkSetup {
    const other = getContainer(this.d.containers, ref);
    if (!other.state.Running) throw conflict(`cannot join network of a non running container: ${ref}`);
    const otherMode = modeOf(other.hostConfig.NetworkMode);
    if (otherMode.kind === 'host') return { namespace: 'host', sysctls: {}, selfHosts: [], hostGateway: this.hostGateway() };
    const path = otherMode.kind === 'networks' ? this.naming.netnsPath(other.id) : `/proc/${other.state.Pid}/ns/net`;
    const otherAtts = this.d.repo.attachmentsOf(other.id).filter((a) => a.ip);
    const embedded = otherAtts.some((a) => !this.d.repo.getNetwork(a.networkId)?.builtin);
    let resolv: string | undefined;
    try {
      // The joined container's file, so both resolve alike.
      resolv = readFileSync(`${this.d.root}/containers/${other.id}/resolv.conf`, 'utf8');
    } catch {
      resolv = this.resolvFor(c, embedded, '');
    }
    return { namespace: { path }, sysctls: {}, selfHosts: [], resolvConf: resolv, hostGateway: this.hostGateway() };
  }

  private async plugContainer(c: ContainerRecord): Promise<NetworkSetup> {
    this.resolvePending(c.id);
    const atts = this.d.repo.attachmentsOf(c.id);
    const nets = atts.map((a) => {
      const n = this.d.repo.getNetwork(a.networkId);
      if (!n) throw notFound(`network ${a.networkName} not found`);
      return n;
    });
    const netns = this.naming.netnsName(c.id);
    const netnsPath = this.naming.netnsPath(c.id);
    // A namespace left by a crash mid-start: start from nothing.
    await deleteNetns(netns);
    // Intent first: addresses and endpoint rows in one transaction.
    const specs: Array<EndpointSpec & { networkId: string; internal: boolean; builtin: boolean; dnsPort: number; endpointId: string }> = [];
    this.d.repo.transaction(() => {
      let routed = false;
      atts.forEach((a, i) => {
        const n = nets[i] as NetworkRecord;
        const ip = this.allocate(n, a.ipv4Request);
        const cidr = parseCidr(n.subnet as string, true) as Cidr;
        const ipText = formatIp(ip);
        const spec = {
          netns,
          newNetns: i === 0,
          hostVeth: NetNaming.vethName(),
          alias: this.naming.vethAlias(c.id, n.id),
          bridge: n.bridge as string,
          ifname: `eth${i}`,
          mac: macFromIp(ip),
          ip: ipText,
          prefix: cidr.prefix,
          ...(!routed && !n.internal ? { gateway: n.gateway as string } : {}),
          networkId: n.id,
          internal: n.internal,
          builtin: n.builtin,
          dnsPort: n.dnsPort,
          endpointId: newId(),
        };
        if (!n.internal) routed = true;
        specs.push(spec);
        this.d.repo.setEndpoint(c.id, n.id, { state: 'creating', endpointId: spec.endpointId, ip: ipText, mac: spec.mac, hostVeth: spec.hostVeth, ifname: spec.ifname });
      });
    });
    const ports: PortMappingRecord[] = [];
    try {
      const publishVia = specs.find((s) => !s.internal);
      if (publishVia) ports.push(...(await this.reservePorts(c, publishVia.ip, publishVia.endpointId)));
      if (specs.length === 0) {
        await createNetns(netns);
      } else {
        await plugEndpoints(specs);
        const lines = specs.flatMap((s) => namespaceLines(s));
        const dnsVia = specs.find((s) => !s.builtin);
        await Promise.all([
          configureNamespace(netns, lines),
          dnsVia ? nftApply(containerDnsTable(nets[specs.indexOf(dnsVia)]?.gateway as string, dnsVia.dnsPort || 53, dnsVia.ip, dnsVia.ifname), netnsPath) : undefined,
          this.table.publish(ports.map(toPublish)),
        ]);
      }
    } catch (e) {
      this.reservations.releaseOwner(c.id);
      await this.table.unpublish(ports.map(toPublish)).catch(() => undefined);
      await deleteNetns(netns).catch(() => undefined);
      this.d.repo.transaction(() => {
        this.d.repo.deletePortsOf(c.id);
        for (const s of specs) this.d.repo.clearEndpoint(c.id, s.networkId);
      });
      throw e instanceof EngineError ? e : internal(messageOf(e), e);
    }
    this.d.repo.transaction(() => {
      for (const s of specs) this.d.repo.markUp(c.id, s.networkId);
    });
    const dnsVia = specs.find((s) => !s.builtin);
    const hostname = c.config.Hostname || c.id.slice(0, 12);
    const domain = typeof c.config.Domainname === 'string' && c.config.Domainname ? c.config.Domainname : '';
    const names = domain ? [`${hostname}.${domain}`, hostname] : [hostname];
    const defaultNet = specs.find((s) => s.builtin);
    return {
      namespace: { path: netnsPath },
      sysctls: {
        'net.ipv4.ping_group_range': '0 2147483647',
        ...(dnsVia ? { [`net.ipv4.conf.${dnsVia.ifname}.route_localnet`]: '1' } : {}),
      },
      selfHosts: specs.map((s) => ({ ip: s.ip, names })),
      resolvConf: this.resolvFor(c, Boolean(dnsVia), defaultNet ? (nets[specs.indexOf(defaultNet)]?.gateway ?? '') : ''),
      hostGateway: this.hostGateway(),
    };
  }

  private hostGateway(): string {
    return this.d.repo.networkByName('bridge')?.gateway ?? '';
  }

  /** Attachments recorded for networks that did not exist at create: bind them by name now. */
  private resolvePending(containerId: string): void {
    for (const a of this.d.repo.attachmentsOf(containerId)) {
      if (!a.networkId.startsWith(PENDING)) continue;
      const n = findNetwork(this.d.repo, a.networkName);
      if (!n) throw notFound(`network ${a.networkName} not found`);
      this.d.repo.transaction(() => {
        this.d.repo.deleteAttachment(containerId, a.networkId);
        this.d.repo.insertAttachment({ ...a, networkId: n.id, networkName: n.name });
      });
    }
  }

  /** Lowest free address of the network (or the requested one); never one already handed out. */
  private allocate(n: NetworkRecord, requested: string): number {
    const subnet = parseCidr(n.subnet ?? '', true);
    const gw = parseIp(n.gateway ?? '');
    if (!subnet || gw === undefined) throw internal(`network ${n.name} has no subnet`);
    const used = new Set(this.d.repo.usedAddresses(n.id));
    if (requested) {
      const ip = parseIp(requested) as number;
      if (used.has(requested) || ip === gw) throw conflict(`Address already in use`);
      return ip;
    }
    const range = n.ipRange ? (parseCidr(n.ipRange, true) as Cidr) : subnet;
    const last = broadcast(range);
    for (let ip = range.base; ip <= last; ip++) {
      if (ip === subnet.base || ip === broadcast(subnet) || ip === gw) continue;
      if (!used.has(formatIp(ip))) return ip;
    }
    throw new EngineError('unavailable', `no available IPv4 addresses on this network's address pools: ${n.name} (${n.id})`);
  }

  /** Binds the host ports (reservation sockets) and records the mappings. */
  private async reservePorts(c: ContainerRecord, ctrIp: string, endpointId: string): Promise<PortMappingRecord[]> {
    const out: PortMappingRecord[] = [];
    for (const r of portRequests(c.config, c.hostConfig)) {
      let hostPort: number;
      try {
        hostPort =
          r.hostStart === 0
            ? await this.reservations.reserve(c.id, r.proto, r.hostIp, 0)
            : await this.reservations.reserveInRange(c.id, r.proto, r.hostIp, r.hostStart, r.hostEnd);
      } catch (e) {
        this.reservations.releaseOwner(c.id);
        throw internal(`driver failed programming external connectivity on endpoint ${c.name.slice(1)} (${endpointId}): ${messageOf(e)}`, e);
      }
      const m: PortMappingRecord = { containerId: c.id, proto: r.proto, containerPort: r.containerPort, hostIp: r.hostIp, hostPort, containerIp: ctrIp };
      this.d.repo.insertPort(m);
      out.push(m);
    }
    return out;
  }

  /** Unplugs a container that exited or is removed. Idempotent. */
  async tearDown(containerId: string): Promise<void> {
    await this.lock.run(`ctr:${containerId}`, async () => {
      const ports = this.d.repo.portsOf(containerId);
      this.reservations.releaseOwner(containerId);
      await Promise.all([
        this.table.unpublish(ports.map(toPublish)).catch((e: unknown) => this.d.log.warn('unpublishing failed', { id: containerId, error: messageOf(e) })),
        deleteNetns(this.naming.netnsName(containerId)).catch((e: unknown) => this.d.log.warn('netns delete failed', { id: containerId, error: messageOf(e) })),
      ]);
      this.d.repo.transaction(() => {
        this.d.repo.deletePortsOf(containerId);
        for (const a of this.d.repo.attachmentsOf(containerId)) if (a.state !== 'down') this.d.repo.clearEndpoint(containerId, a.networkId);
      });
    });
  }

  // ================================================================ connect / disconnect

  async connect(netRef: string, ctrRef: string, ep: EndpointConfigInput): Promise<void> {
    const n = getNetwork(this.d.repo, netRef);
    const c = getContainer(this.d.containers, ctrRef);
    const mode = modeOf(c.hostConfig.NetworkMode);
    if (n.driver === 'host' || mode.kind === 'host') {
      throw invalidArgument('container cannot be disconnected from host network or connected to host network');
    }
    if (n.driver === 'null' || mode.kind === 'none') {
      throw new EngineError('forbidden', 'container cannot be connected to multiple networks with one of the networks in private (none) mode');
    }
    if (mode.kind === 'container') throw new EngineError('forbidden', 'container sharing network namespace with another container or host cannot be connected to any other network');
    await this.lock.run(`ctr:${c.id}`, async () => {
      if (this.d.repo.attachmentsOf(c.id).some((a) => a.networkId === n.id)) {
        throw new EngineError('forbidden', `endpoint with name ${c.name.slice(1)} already exists in network ${n.name}`);
      }
      const plan = this.planOne(n, ep, n.name, true);
      const position = this.d.repo.nextPosition(c.id);
      this.insertAttachment(c.id, plan, position);
      const fresh = this.d.containers.get(c.id);
      if (fresh?.state.Running) {
        try {
          await this.hotPlug(fresh, n);
        } catch (e) {
          this.d.repo.deleteAttachment(c.id, n.id);
          throw e instanceof EngineError ? e : internal(messageOf(e), e);
        }
      }
    });
    this.d.events.emit({ type: 'network', action: 'connect', id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } });
  }

  /** network connect on a running container: a new ethN in its namespace (no default route). */
  private async hotPlug(c: ContainerRecord, n: NetworkRecord): Promise<void> {
    const a = this.d.repo.attachmentsOf(c.id).find((x) => x.networkId === n.id) as AttachmentRecord;
    const used = new Set(this.d.repo.attachmentsOf(c.id).map((x) => x.ifname).filter(Boolean));
    let idx = 0;
    while (used.has(`eth${idx}`)) idx++;
    const cidr = parseCidr(n.subnet as string, true) as Cidr;
    let spec: EndpointSpec | undefined;
    this.d.repo.transaction(() => {
      const ip = this.allocate(n, a.ipv4Request);
      spec = {
        netns: this.naming.netnsName(c.id),
        newNetns: false,
        hostVeth: NetNaming.vethName(),
        alias: this.naming.vethAlias(c.id, n.id),
        bridge: n.bridge as string,
        ifname: `eth${idx}`,
        mac: macFromIp(ip),
        ip: formatIp(ip),
        prefix: cidr.prefix,
      };
      this.d.repo.setEndpoint(c.id, n.id, { state: 'creating', endpointId: newId(), ip: spec.ip, mac: spec.mac, hostVeth: spec.hostVeth, ifname: spec.ifname });
    });
    const s = spec as EndpointSpec;
    try {
      await plugEndpoint(s);
      await configureNamespace(s.netns, namespaceLines(s));
    } catch (e) {
      await deleteLink(s.hostVeth).catch(() => undefined);
      this.d.repo.clearEndpoint(c.id, n.id);
      throw e;
    }
    this.d.repo.markUp(c.id, n.id);
  }

  async disconnect(netRef: string, ctrRef: string, force: boolean): Promise<void> {
    const n = getNetwork(this.d.repo, netRef);
    const c = findContainer(this.d.containers, ctrRef);
    if (!c) {
      if (force) return;
      throw notFound(`No such container: ${ctrRef}`);
    }
    if (n.driver === 'host' || modeOf(c.hostConfig.NetworkMode).kind === 'host') {
      throw invalidArgument('container cannot be disconnected from host network or connected to host network');
    }
    await this.lock.run(`ctr:${c.id}`, async () => {
      const a = this.d.repo.attachmentsOf(c.id).find((x) => x.networkId === n.id);
      if (!a) throw internal(`container ${c.id} is not connected to network ${n.name}`);
      if (a.state !== 'down') {
        const ports = this.d.repo.portsOf(c.id).filter((p) => p.containerIp === a.ip);
        for (const p of ports) this.reservations.release(p.proto as Proto, p.hostIp, p.hostPort);
        await this.table.unpublish(ports.map(toPublish));
        if (a.hostVeth) await deleteLink(a.hostVeth);
      }
      this.d.repo.transaction(() => {
        for (const p of this.d.repo.portsOf(c.id)) if (p.containerIp === a.ip) this.d.repo.deletePort(p.hostIp, p.proto, p.hostPort);
        this.d.repo.deleteAttachment(c.id, n.id);
      });
    });
    this.d.events.emit({ type: 'network', action: 'disconnect', id: n.id, attributes: { container: c.id, name: n.name, type: n.driver } });
  }

  // ================================================================ views

  /** NetworkSettings of a container for inspect and ps. */
  containerView(c: ContainerRecord): ContainerNetView {
    const mode = modeOf(c.hostConfig.NetworkMode);
    const endpoints: EndpointView[] = [];
    if (mode.kind === 'host' || mode.kind === 'none') {
      const n = this.d.repo.networkByName(mode.kind);
      endpoints.push({ networkName: mode.kind, networkId: n?.id ?? '', aliases: null, endpointConfig: {}, endpointId: '', gateway: '', ip: '', prefix: 0, mac: '' });
    }
    for (const a of this.d.repo.attachmentsOf(c.id)) {
      const n = this.d.repo.getNetwork(a.networkId);
      const up = a.state === 'up' && c.state.Running;
      endpoints.push({
        networkName: n?.name ?? a.networkName,
        networkId: a.networkId.startsWith(PENDING) ? '' : a.networkId,
        aliases: a.aliases.length > 0 ? a.aliases : null,
        endpointConfig: a.endpointConfig,
        endpointId: up ? (a.endpointId ?? '') : '',
        gateway: up && n?.gateway ? n.gateway : '',
        ip: up ? (a.ip ?? '') : '',
        prefix: up && n?.subnet ? (parseCidr(n.subnet, true)?.prefix ?? 0) : 0,
        mac: up ? (a.mac ?? '') : '',
      });
    }
    const ports: ContainerNetView['ports'] = {};
    const listPorts: ContainerNetView['listPorts'] = [];
    if (c.state.Running && mode.kind !== 'host') {
      const mappings = this.d.repo.portsOf(c.id);
      const keys = new Set([...Object.keys(c.config.ExposedPorts ?? {}), ...mappings.map((m) => `${m.containerPort}/${m.proto}`)]);
      for (const key of [...keys].sort()) {
        const list = mappings.filter((m) => `${m.containerPort}/${m.proto}` === key);
        ports[key] = list.length > 0 ? list.map((m) => ({ HostIp: m.hostIp, HostPort: String(m.hostPort) })) : null;
        const [p, proto] = key.split('/');
        if (list.length === 0) listPorts.push({ PrivatePort: Number(p), Type: proto ?? 'tcp' });
        for (const m of list) listPorts.push({ IP: m.hostIp, PrivatePort: m.containerPort, PublicPort: m.hostPort, Type: m.proto });
      }
    }
    const sandboxed = c.state.Running && mode.kind === 'networks';
    return {
      endpoints,
      ports,
      listPorts,
      sandboxKey: sandboxed ? this.naming.netnsPath(c.id) : '',
      sandboxId: sandboxed ? (this.d.repo.attachmentsOf(c.id)[0]?.endpointId ?? '') : '',
    };
  }

  // ================================================================ DNS

  private dnsLookup(source: string, qname: string): string[] | undefined {
    const asking = this.attachmentsAt(source);
    if (asking.length === 0) return undefined;
    const name = qname.toLowerCase();
    const ips: string[] = [];
    for (const a of asking) {
      const n = this.d.repo.getNetwork(a.networkId);
      if (!n || n.builtin) continue; // the default bridge has no name resolution (Docker)
      const suffix = `.${n.name.toLowerCase()}`;
      const bare = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
      for (const peer of this.d.repo.attachmentsOn(n.id)) {
        if (peer.state !== 'up' || !peer.ip) continue;
        const c = this.d.containers.get(peer.containerId);
        if (!c) continue;
        const names = [c.name.slice(1), ...peer.aliases].map((x) => x.toLowerCase());
        if ((names.includes(name) || names.includes(bare)) && !ips.includes(peer.ip)) ips.push(peer.ip);
      }
    }
    return ips.length > 0 ? ips : undefined;
  }

  private dnsReverse(source: string, ip: string): string | undefined {
    const asking = this.attachmentsAt(source);
    for (const a of asking) {
      const n = this.d.repo.getNetwork(a.networkId);
      if (!n || n.builtin) continue;
      const peer = this.d.repo.attachmentsOn(n.id).find((p) => p.ip === ip && p.state === 'up');
      const c = peer ? this.d.containers.get(peer.containerId) : undefined;
      if (c) return `${c.name.slice(1)}.${n.name}`;
    }
    return undefined;
  }

  /** The attachments of the container whose address is `source` (all its networks). */
  private attachmentsAt(source: string): AttachmentRecord[] {
    const hit = this.d.repo.allAttachments().find((a) => a.ip === source && a.state === 'up');
    return hit ? this.d.repo.attachmentsOf(hit.containerId).filter((a) => a.state === 'up') : [];
  }

  private dnsUpstreams(source: string): string[] {
    const hit = this.d.repo.allAttachments().find((a) => a.ip === source && a.state === 'up');
    const c = hit ? this.d.containers.get(hit.containerId) : undefined;
    const dns = (c?.hostConfig.Dns ?? []).filter((x) => typeof x === 'string' && x !== '');
    return upstreamsFor(dns, this.hostResolvConf());
  }

  private hostResolvConf(): ParsedResolv {
    const now = Date.now();
    if (this.hostResolv && now - this.hostResolv.at < 5000) return this.hostResolv.value;
    let text = '';
    try {
      text = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      /* none */
    }
    const value = parseResolv(text);
    this.hostResolv = { at: now, value };
    return value;
  }

  private resolvFor(c: ContainerRecord, embedded: boolean, fallback: string): string {
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);
    return renderResolv({
      host: this.hostResolvConf(),
      embedded,
      dns: strings(c.hostConfig.Dns),
      dnsSearch: strings(c.hostConfig['DnsSearch']),
      dnsOptions: strings(c.hostConfig['DnsOptions']),
      fallbackNameserver: fallback || '8.8.8.8',
    });
  }
}

function toPublish(p: PortMappingRecord): PublishEntry {
  return { hostIp: p.hostIp, proto: p.proto as Proto, hostPort: p.hostPort, ctrIp: p.containerIp, ctrPort: p.containerPort };
}

/** prune's until: a Unix timestamp, an RFC 3339 time, or a Go duration ago ("24h", "10m"). */
function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const m = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(v);
  if (m) {
    const mult = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
    return Date.now() - Number(m[1]) * mult;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${v}'`);
  return t;
}
