/**
 * Bridges, per-container named network namespaces and veth pairs
 * (network-recipe §2.1): two spawns to plug a container into a network,
 * one `ip netns del` to unplug it (the kernel reaps the pair by itself).
 */
import { existsSync } from 'node:fs';
import { run } from '../lib/exec.js';
import { ipBatch, KernelError, writeSysctl } from './kernel.js';

export interface BridgeSpec {
  name: string;
  alias: string;
  gateway: string;
  prefix: number;
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Creates the bridge if missing; (re)applies address, up, route_localnet. Idempotent. */
export async function ensureBridge(b: BridgeSpec): Promise<void> {
  const lines: string[] = [];
  if (!linkExists(b.name)) lines.push(`link add ${b.name} type bridge`);
  lines.push(`link set dev ${b.name} alias ${b.alias}`);
  lines.push(`addr replace ${b.gateway}/${b.prefix} dev ${b.name}`);
  lines.push(`link set dev ${b.name} up`);
  await ipBatch(lines);
  // Host 127.0.0.1 → published port needs route_localnet on the bridge; the
  // table's raw_prerouting drop keeps containers off the host's loopback.
  await writeSysctl(`net.ipv4.conf.${b.name}.route_localnet`, '1');
}

export async function deleteLink(name: string): Promise<void> {
  if (!linkExists(name)) return;
  const r = await run('ip', ['link', 'del', 'dev', name]);
  if (r.code !== 0 && linkExists(name)) throw new KernelError(`ip link del ${name}`, r.stderr);
}

export interface EndpointSpec {
  netns: string;
  /** Create the namespace in the same batch (the container's first network). */
  newNetns: boolean;
  hostVeth: string;
  alias: string;
  bridge: string;
  ifname: string;
  mac: string;
  ip: string;
  prefix: number;
  /** Default route via this gateway (the first network), or none. */
  gateway?: string;
}

function hostLines(ep: EndpointSpec): string[] {
  const host: string[] = [];
  if (ep.newNetns) host.push(`netns add ${ep.netns}`);
  host.push(
    `link add ${ep.hostVeth} master ${ep.bridge} up alias ${ep.alias} type veth peer name ${ep.ifname} netns ${ep.netns} address ${ep.mac}`,
    `link set ${ep.hostVeth} type bridge_slave hairpin on`,
  );
  return host;
}

/**
 * Plugs endpoints in with one host batch (netns, veths, hairpin); the
 * namespace batch (namespaceLines) follows. On failure what the batch made is
 * removed again.
 */
export async function plugEndpoints(eps: readonly EndpointSpec[]): Promise<void> {
  if (eps.length === 0) return;
  try {
    await ipBatch(eps.flatMap(hostLines));
  } catch (e) {
    for (const ep of eps) await deleteLink(ep.hostVeth).catch(() => undefined);
    for (const ep of eps) if (ep.newNetns) await deleteNetns(ep.netns).catch(() => undefined);
    throw e;
  }
}

export function plugEndpoint(ep: EndpointSpec): Promise<void> {
  return plugEndpoints([ep]);
}

/** The addresses and routes inside the namespace (run after plugEndpoint). */
export function namespaceLines(ep: EndpointSpec): string[] {
  const lines = [`addr add ${ep.ip}/${ep.prefix} dev ${ep.ifname}`, `link set ${ep.ifname} up`];
  if (ep.newNetns) lines.push('link set lo up');
  if (ep.gateway) lines.push(`route add default via ${ep.gateway}`);
  return lines;
}

export async function configureNamespace(netns: string, lines: readonly string[]): Promise<void> {
  await ipBatch(lines, netns);
}

/** Creates an empty named namespace (a container whose networks are all gone). */
export async function createNetns(netns: string): Promise<void> {
  await ipBatch([`netns add ${netns}`]);
  await ipBatch(['link set lo up'], netns);
}

export async function deleteNetns(netns: string): Promise<void> {
  if (!existsSync(`/run/netns/${netns}`)) return;
  const r = await run('ip', ['netns', 'del', netns]);
  if (r.code !== 0 && existsSync(`/run/netns/${netns}`)) throw new KernelError(`ip netns del ${netns}`, r.stderr);
}
