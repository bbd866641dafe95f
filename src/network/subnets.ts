/**
 * Choosing subnets for new networks the way Docker does: the first prefix of
 * the address pools that overlaps nothing the host routes or addresses and
 * nothing the engine already owns. Pools are Docker's defaults (172.17–31/16,
 * then 192.168.0.0/16 in /20s) unless `base=CIDR,size=N` pools are given.
 * The choice is made under a host-wide lock (an abstract unix socket), so two
 * engines starting at once never pick the same subnet.
 */
import { createServer, type Server } from 'node:net';
import { formatCidr, overlaps, parseCidr, size, type Cidr } from './ipv4.js';
import { ipJson, type IpAddrInfo, type IpRoute } from './kernel.js';

export interface AddressPool {
  base: Cidr;
  size: number;
}

export const DOCKER_DEFAULT_POOLS: readonly AddressPool[] = [
  { base: parseCidr('172.17.0.0/16') as Cidr, size: 16 },
  { base: parseCidr('172.18.0.0/15') as Cidr, size: 16 },
  { base: parseCidr('172.20.0.0/14') as Cidr, size: 16 },
  { base: parseCidr('172.24.0.0/14') as Cidr, size: 16 },
  { base: parseCidr('172.28.0.0/14') as Cidr, size: 16 },
  { base: parseCidr('192.168.0.0/16') as Cidr, size: 20 },
];

/** dockerd's --default-address-pool syntax, several separated by spaces or ';': "base=10.10.0.0/16,size=24". */
export function parsePools(spec: string): AddressPool[] {
  const pools: AddressPool[] = [];
  for (const item of spec.split(/[;\s]+/).filter(Boolean)) {
    let base: Cidr | undefined;
    let sz: number | undefined;
    for (const kv of item.split(',')) {
      const [k, v] = kv.split('=');
      if (k === 'base') base = parseCidr(v ?? '', true);
      else if (k === 'size') sz = Number(v);
    }
    if (!base || sz === undefined || !Number.isInteger(sz) || sz < base.prefix || sz > 30) {
      throw new Error(`invalid default address pool: ${item}`);
    }
    pools.push({ base, size: sz });
  }
  return pools;
}

/** Every candidate subnet of the pools, in order. */
export function* candidates(pools: readonly AddressPool[]): Generator<Cidr> {
  for (const p of pools) {
    const step = 2 ** (32 - p.size);
    const end = p.base.base + size(p.base);
    for (let b = p.base.base; b < end; b += step) yield { base: b >>> 0, prefix: p.size };
  }
}

export function firstFree(pools: readonly AddressPool[], taken: readonly Cidr[]): Cidr | undefined {
  for (const c of candidates(pools)) if (!taken.some((t) => overlaps(t, c))) return c;
  return undefined;
}

/** Subnets in use on the host: every IPv4 route (all tables) and interface address. */
export async function hostSubnets(): Promise<Cidr[]> {
  const out: Cidr[] = [];
  const routes = await ipJson<IpRoute>(['-4', 'route', 'show', 'table', 'all']).catch(() => []);
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    if (r.table === 'local' || r.table === 'broadcast') continue;
    const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`, true);
    if (c && c.prefix > 0) out.push(c);
  }
  const addrs = await ipJson<IpAddrInfo>(['-4', 'addr', 'show']).catch(() => []);
  for (const a of addrs) {
    for (const i of a.addr_info ?? []) {
      if (i.family !== 'inet' || i.local.startsWith('127.')) continue;
      const c = parseCidr(`${i.local}/${i.prefixlen}`, true);
      if (c) out.push(c);
    }
  }
  return out;
}

/** Runs `fn` holding the host-wide subnet-allocation lock. */
export async function withAllocationLock<T>(fn: () => Promise<T>): Promise<T> {
  const server = await acquire();
  try {
    return await fn();
  } finally {
    server.close();
  }
}

async function acquire(): Promise<Server> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const server = createServer();
    const ok = await new Promise<boolean>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e)));
      server.listen('\0ballast-subnet-allocation', () => resolve(true));
    });
    if (ok) return server;
    if (Date.now() > deadline) throw new Error('timed out waiting for the subnet allocation lock');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { formatCidr };
