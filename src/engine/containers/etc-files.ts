/**
 * The files the engine manages inside every container, as Docker does:
 * /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted from the
 * container's directory (read-only with --read-only). A user mount at the
 * same path replaces them (V-49).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciMount } from '../../runtime/oci-types.js';

export interface EtcFilesInput {
  dir: string;
  hostname: string;
  networkMode: string;
  readOnly: boolean;
  extraHosts: readonly string[];
  dns: readonly string[];
  /** Networking (issue 6): the container's own addresses, after --add-host, as Docker appends them. */
  selfHosts?: ReadonlyArray<{ ip: string; names: readonly string[] }>;
  /** Networking (issue 6): resolv.conf rendered for the container's network (127.0.0.11 on user networks). */
  resolvConf?: string;
  /** Networking (issue 6): what `--add-host NAME:host-gateway` means (the default bridge's gateway). */
  hostGateway?: string;
}

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

export function writeEtcFiles(input: EtcFilesInput): OciMount[] {
  const hostnamePath = join(input.dir, 'hostname');
  const hostsPath = join(input.dir, 'hosts');
  const resolvPath = join(input.dir, 'resolv.conf');
  writeFileSync(hostnamePath, `${input.hostname}\n`, { mode: 0o644 });

  const hosts = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const entry of input.extraHosts) {
    const i = entry.indexOf(':');
    const ip = entry.slice(i + 1) === 'host-gateway' && input.hostGateway ? input.hostGateway : entry.slice(i + 1);
    if (i > 0) hosts.push(`${ip}\t${entry.slice(0, i)}`);
  }
  for (const self of input.selfHosts ?? []) hosts.push(`${self.ip}\t${self.names.join(' ')}`);
  if (input.networkMode === 'host') {
    let host = '';
    try {
      host = readFileSync('/etc/hosts', 'utf8');
    } catch {
      /* none */
    }
    writeFileSync(hostsPath, host, { mode: 0o644 });
  } else {
    writeFileSync(hostsPath, hosts.join('\n') + '\n', { mode: 0o644 });
  }

  let resolv = input.resolvConf ?? hostResolvConf();
  if (input.resolvConf === undefined && input.dns.length > 0) {
    resolv = resolv
      .split('\n')
      .filter((l) => !l.startsWith('nameserver'))
      .concat(input.dns.map((d) => `nameserver ${d}`))
      .join('\n');
  }
  writeFileSync(resolvPath, resolv.endsWith('\n') || resolv === '' ? resolv : `${resolv}\n`, { mode: 0o644 });

  const opts = ['rbind', 'rprivate', input.readOnly ? 'ro' : 'rw'];
  return [
    { destination: '/etc/resolv.conf', type: 'bind', source: resolvPath, options: opts },
    { destination: '/etc/hostname', type: 'bind', source: hostnamePath, options: opts },
    { destination: '/etc/hosts', type: 'bind', source: hostsPath, options: opts },
  ];
}
