/**
 * /etc/resolv.conf as Docker writes it for each kind of network
 * (network-recipe §5.3): user networks get the embedded resolver at
 * 127.0.0.11 with `options ndots:0`; the default bridge gets the host's file
 * without loopback nameservers (they mean nothing inside the container);
 * --dns, --dns-search and --dns-option override.
 */

export interface ParsedResolv {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolv(text: string): ParsedResolv {
  const out: ParsedResolv = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [kw, ...rest] = line.split(/\s+/);
    if (kw === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (kw === 'search' || kw === 'domain') out.search = rest;
    else if (kw === 'options') out.options.push(...rest);
  }
  return out;
}

export function isLoopback(ns: string): boolean {
  return ns.startsWith('127.') || ns === '::1';
}

export interface ResolvInput {
  host: ParsedResolv;
  /** User network (embedded DNS) or the default bridge. */
  embedded: boolean;
  dns: readonly string[];
  dnsSearch: readonly string[];
  dnsOptions: readonly string[];
  /** Used on the default bridge when no usable nameserver remains: the engine's forwarder on the gateway. */
  fallbackNameserver: string;
}

export function renderResolv(i: ResolvInput): string {
  const search = i.dnsSearch.length > 0 ? i.dnsSearch.filter((s) => s !== '.') : i.host.search;
  let options = i.dnsOptions.length > 0 ? [...i.dnsOptions] : [...i.host.options];
  let nameservers: string[];
  if (i.embedded) {
    nameservers = ['127.0.0.11'];
    if (!options.some((o) => o.startsWith('ndots:'))) options = [...options, 'ndots:0'];
  } else if (i.dns.length > 0) {
    nameservers = [...i.dns];
  } else {
    nameservers = i.host.nameservers.filter((n) => !isLoopback(n));
    if (nameservers.length === 0) nameservers = [i.fallbackNameserver];
  }
  const lines: string[] = [];
  if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  for (const n of nameservers) lines.push(`nameserver ${n}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Upstreams of the embedded server for a container: its --dns, else the host's resolvers. */
export function upstreamsFor(dns: readonly string[], host: ParsedResolv): string[] {
  const list = dns.length > 0 ? [...dns] : host.nameservers;
  return list.filter((n) => n !== '127.0.0.11');
}
