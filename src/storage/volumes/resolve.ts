/**
 * Host name resolution for nfs/cifs `addr=`, failing with the text Go's
 * resolver gives dockerd: "lookup <host> on <server>:53: no such host".
 */
import { readFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { isSystemError } from '../../lib/node-errors.js';

/** The first nameserver of resolv.conf as Go prints it ("10.0.0.53:53", "[::1]:53"). */
export function resolverAddress(resolvConf: string): string {
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m?.[1]) continue;
    const ns = m[1].replace(/%.*$/, '');
    return ns.includes(':') ? `[${ns}]:53` : `${ns}:53`;
  }
  // Go's default when resolv.conf names no server.
  return '127.0.0.1:53';
}

function readResolvConf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Go's DNSError text for getaddrinfo's failure codes. */
function goLookupErrorText(code: string): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'ENODATA':
    case 'EAI_NONAME':
      return 'no such host';
    case 'ETIMEOUT':
      return 'i/o timeout';
    default:
      return 'server misbehaving';
  }
}

/**
 * Resolves like Go's net.ResolveIPAddr("ip", host): /etc/hosts and DNS,
 * an IPv4 address preferred.
 */
export async function resolveHost(host: string, resolvConfPath = '/etc/resolv.conf'): Promise<string> {
  try {
    const addrs = await lookup(host, { all: true, verbatim: true });
    const v4 = addrs.find((a) => a.family === 4);
    const first = v4 ?? addrs[0];
    if (first) return first.address;
    throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' });
  } catch (e) {
    const code = isSystemError(e) ? e.code : 'ENOTFOUND';
    const server = resolverAddress(readResolvConf(resolvConfPath));
    throw new Error(`lookup ${host} on ${server}: ${goLookupErrorText(code)}`, { cause: e });
  }
}
