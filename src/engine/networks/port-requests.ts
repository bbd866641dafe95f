/**
 * What a container asks to publish: HostConfig.PortBindings (-p), plus every
 * exposed port on a random host port with PublishAllPorts (-P), as dockerd
 * reads them. IPv6 host addresses are skipped: ports are published on IPv4.
 */
import type { ContainerConfig, HostConfig } from '../../domain/container.js';
import { invalidArgument } from '../../domain/errors.js';
import type { Proto } from '../../network/ruleset.js';

export interface PortRequest {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  /** 0: any free port. */
  hostStart: number;
  hostEnd: number;
}

function parsePortKey(key: string): { port: number; proto: Proto } {
  const [p, pr] = key.split('/');
  const proto = (pr || 'tcp').toLowerCase();
  const port = Number(p);
  if (!/^\d+$/.test(p ?? '') || port < 1 || port > 65535) throw invalidArgument(`invalid port specification: "${key}"`);
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw invalidArgument(`invalid proto: ${proto}`);
  return { port, proto };
}

function parseHostPort(s: string): [number, number] {
  if (s === '' || s === '0') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw invalidArgument(`invalid hostPort: ${s}`);
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a > 65535 || b > 65535 || b < a) throw invalidArgument(`invalid hostPort: ${s}`);
  return [a, b];
}

export function portRequests(config: ContainerConfig, hostConfig: HostConfig): PortRequest[] {
  const out: PortRequest[] = [];
  const bindings = hostConfig.PortBindings ?? {};
  for (const [key, list] of Object.entries(bindings)) {
    const { port, proto } = parsePortKey(key);
    for (const b of list ?? [{}]) {
      const hostIp = b.HostIp || '0.0.0.0';
      if (hostIp.includes(':')) continue;
      const [hostStart, hostEnd] = parseHostPort(b.HostPort ?? '');
      out.push({ proto, containerPort: port, hostIp, hostStart, hostEnd });
    }
  }
  if (hostConfig.PublishAllPorts) {
    for (const key of Object.keys(config.ExposedPorts ?? {})) {
      if (key in bindings) continue;
      const { port, proto } = parsePortKey(key);
      out.push({ proto, containerPort: port, hostIp: '0.0.0.0', hostStart: 0, hostEnd: 0 });
    }
  }
  return out;
}
