/**
 * Port specs as the docker CLI handles them: `-p`/`--expose` parsing
 * (github.com/docker/go-connections/nat, with its messages) into ExposedPorts
 * and PortBindings, and the PORTS column of `ps` (formatter.DisplayablePorts).
 * The client only shapes the request; the daemon decides what is published.
 */
import { isIP } from 'node:net';
import type { PortBinding, PortJson } from '../../client/containers.js';

export class PortSpecError extends Error {}

/** nat.ParsePortRange: "80" or "8000-8010"; throws strconv-like errors. */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new PortSpecError('empty string specified for ports');
  const parseU16 = (s: string): number => {
    if (!/^\d+$/.test(s)) throw new PortSpecError(`strconv.ParseUint: parsing "${s}": invalid syntax`);
    const n = Number(s);
    if (n > 65535) throw new PortSpecError(`strconv.ParseUint: parsing "${s}": value out of range`);
    return n;
  };
  if (!ports.includes('-')) {
    const p = parseU16(ports);
    return [p, p];
  }
  const parts = ports.split('-');
  const start = parseU16(parts[0] ?? '');
  const end = parseU16(parts[1] ?? '');
  if (end < start) throw new PortSpecError(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** nat.SplitProtoPort: "80/udp" → ["udp", "80"]; no proto → tcp. */
export function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw.length === 0 || (parts[0] ?? '').length === 0) return ['', ''];
  if (parts.length === 1) return ['tcp', raw];
  if ((parts[1] ?? '').length === 0) return ['tcp', parts[0] ?? ''];
  return [parts[1] ?? '', parts[0] ?? ''];
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1] ?? '';
  if (n === 1) return ['', '', containerPort];
  if (n === 2) return ['', parts[0] ?? '', containerPort];
  if (n === 3) return [parts[0] ?? '', parts[1] ?? '', containerPort];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2] ?? '', containerPort];
}

export interface PortMapping {
  port: string;
  binding: PortBinding;
}

/** nat.ParsePortSpec. */
export function parsePortSpec(raw: string): PortMapping[] {
  let [ip, hostPort, containerPort] = splitParts(raw);
  const [proto, cport] = splitProtoPort(containerPort);
  containerPort = cport;
  if (ip !== '' && ip.startsWith('[')) {
    const close = ip.indexOf(']');
    if (close !== ip.length - 1) throw new PortSpecError(`invalid IP address ${ip}: address ${ip}:: missing port in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && isIP(ip) === 0) throw new PortSpecError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new PortSpecError(`no port specified: ${raw}<empty>`);
  let start: number;
  let end: number;
  try {
    [start, end] = parsePortRange(containerPort);
  } catch {
    throw new PortSpecError(`invalid containerPort: ${containerPort}`);
  }
  let hostStart = 0;
  let hostEnd = 0;
  if (hostPort !== '') {
    try {
      [hostStart, hostEnd] = parsePortRange(hostPort);
    } catch {
      throw new PortSpecError(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== '' && end - start !== hostEnd - hostStart && end !== start) {
    throw new PortSpecError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const lower = proto.toLowerCase();
  if (!['tcp', 'udp', 'sctp'].includes(lower)) throw new PortSpecError(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= end - start; i++) {
    let hp = hostPort;
    if (hostPort !== '') hp = String(hostStart + i);
    if (start === end && hostStart !== hostEnd) hp = `${hp}-${hostEnd}`;
    out.push({ port: `${start + i}/${lower}`, binding: { HostIp: ip, HostPort: hp } });
  }
  return out;
}

/** cli convertToStandardNotation: "published=8080,target=80,protocol=udp" → "8080:80/udp". */
export function convertToStandardNotation(specs: readonly string[]): string[] {
  return specs.map((spec) => {
    if (!spec.includes('=')) return spec;
    const params: Record<string, string> = { protocol: 'tcp' };
    for (const param of spec.split(',')) {
      const eq = param.indexOf('=');
      if (eq < 0) throw new PortSpecError(`invalid publish opts format (should be name=value but got '${param}')`);
      params[param.slice(0, eq)] = param.slice(eq + 1);
    }
    return `${params['published'] ?? ''}:${params['target'] ?? ''}/${params['protocol'] ?? ''}`;
  });
}

/** nat.ParsePortSpecs + --expose: the ExposedPorts and PortBindings maps of a create request. */
export function parsePorts(
  publish: readonly string[],
  expose: readonly string[],
): { exposed: Record<string, Record<string, never>>; bindings: Record<string, PortBinding[]> } {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const spec of convertToStandardNotation(publish)) {
    for (const m of parsePortSpec(spec)) {
      exposed[m.port] = {};
      (bindings[m.port] ??= []).push(m.binding);
    }
  }
  for (const e of expose) {
    if (e.includes(':')) throw new PortSpecError(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let start: number;
    let end: number;
    try {
      [start, end] = parsePortRange(port);
    } catch (err) {
      throw new PortSpecError(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = start; p <= end; p++) {
      const key = `${p}/${proto.toLowerCase()}`;
      exposed[key] ??= {};
    }
  }
  return { exposed: sortKeys(exposed), bindings: sortKeys(bindings) };
}

/** Go marshals maps with sorted keys. */
export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function joinHostPort(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatter.DisplayablePorts: "0.0.0.0:80->9090/tcp, 9988/tcp". */
export function displayablePorts(ports: readonly PortJson[] | null | undefined): string {
  const list = [...(ports ?? [])].sort((a, b) => {
    if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
    if ((a.IP ?? '') !== (b.IP ?? '')) return (a.IP ?? '') < (b.IP ?? '') ? -1 : 1;
    if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
    return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
  });
  const groups = new Map<string, { first: number; last: number }>();
  const order: string[] = [];
  const result: string[] = [];
  const hostMappings: string[] = [];
  const formGroup = (key: string, start: number, last: number): string => {
    const parts = key.split('/');
    let type = parts[0] ?? '';
    let ip = '';
    if (parts.length > 1) {
      ip = parts[0] ?? '';
      type = parts[1] ?? '';
    }
    let group = String(start);
    if (start !== last) group = `${group}-${last}`;
    if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
    return `${group}/${type}`;
  };
  for (const port of list) {
    const current = port.PrivatePort;
    let key = port.Type;
    if (port.IP) {
      if ((port.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(port.IP, String(port.PublicPort ?? 0))}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      order.push(key);
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    groups.set(key, { first: current, last: current });
  }
  for (const key of order) {
    const g = groups.get(key);
    if (g) result.push(formGroup(key, g.first, g.last));
  }
  return [...result, ...hostMappings].join(', ');
}
