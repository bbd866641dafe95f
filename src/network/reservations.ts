/**
 * Reservation sockets for published ports (network-recipe §4.3). DNAT carries
 * the traffic; the engine still binds each host port (IPv4 only) so that a
 * conflict fails the start with Docker's message, `-p 80` gets a free port
 * from the kernel, and no host process can later bind a port whose traffic
 * the table would silently steal. The sockets never see a packet.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { Proto } from './ruleset.js';

export class PortAllocatedError extends Error {
  constructor(readonly hostIp: string, readonly hostPort: number) {
    super(`Bind for ${hostIp}:${hostPort} failed: port is already allocated`);
    this.name = 'PortAllocatedError';
  }
}

export class PortInUseError extends Error {
  constructor(readonly proto: Proto, readonly hostIp: string, readonly hostPort: number, code: string) {
    const what = code === 'EADDRINUSE' ? 'bind: address already in use' : code === 'EADDRNOTAVAIL' ? 'bind: cannot assign requested address' : `bind: ${code}`;
    super(`Error starting userland proxy: listen ${proto}4 ${hostIp}:${hostPort}: ${what}`);
    this.name = 'PortInUseError';
  }
}

interface Held {
  owner: string;
  proto: Proto;
  hostIp: string;
  hostPort: number;
  close(): void;
}

const key = (proto: string, ip: string, port: number) => `${proto}/${ip}/${port}`;

export class PortReservations {
  private readonly held = new Map<string, Held>();

  /** Who holds proto/port on ip, counting 0.0.0.0 as overlapping every address. */
  private conflict(proto: Proto, hostIp: string, port: number): Held | undefined {
    for (const h of this.held.values()) {
      if (h.proto !== proto || h.hostPort !== port) continue;
      if (h.hostIp === hostIp || h.hostIp === '0.0.0.0' || hostIp === '0.0.0.0') return h;
    }
    return undefined;
  }

  /**
   * Binds proto hostIp:port (port 0: the kernel picks) for `owner`; returns the
   * port. Throws PortAllocatedError when another reservation of ours has it,
   * PortInUseError when the kernel refuses.
   */
  async reserve(owner: string, proto: Proto, hostIp: string, port: number): Promise<number> {
    if (port !== 0 && this.conflict(proto, hostIp, port)) throw new PortAllocatedError(hostIp, port);
    const bound = proto === 'udp' ? await bindUdp(hostIp, port) : await bindTcp(hostIp, port);
    if (bound.code) throw new PortInUseError(proto, hostIp, port, bound.code);
    const actual = bound.port;
    if (port === 0 && this.conflict(proto, hostIp, actual)) {
      // The kernel gave us a port that one of our wildcard/specific reservations
      // overlaps (possible across addresses): try again.
      bound.close();
      return this.reserve(owner, proto, hostIp, 0);
    }
    this.held.set(key(proto, hostIp, actual), { owner, proto, hostIp, hostPort: actual, close: bound.close });
    return actual;
  }

  /** Tries each port of [start, end] in turn (Docker's host port ranges). */
  async reserveInRange(owner: string, proto: Proto, hostIp: string, start: number, end: number): Promise<number> {
    let last: unknown;
    for (let p = start; p <= end; p++) {
      try {
        return await this.reserve(owner, proto, hostIp, p);
      } catch (e) {
        last = e;
      }
    }
    throw last ?? new PortAllocatedError(hostIp, start);
  }

  release(proto: Proto, hostIp: string, port: number): void {
    const k = key(proto, hostIp, port);
    const h = this.held.get(k);
    if (!h) return;
    h.close();
    this.held.delete(k);
  }

  releaseOwner(owner: string): void {
    for (const [k, h] of this.held) {
      if (h.owner !== owner) continue;
      h.close();
      this.held.delete(k);
    }
  }

  owners(): Set<string> {
    return new Set([...this.held.values()].map((h) => h.owner));
  }

  closeAll(): void {
    for (const h of this.held.values()) h.close();
    this.held.clear();
  }
}

interface Bound {
  port: number;
  code?: string;
  close(): void;
}

function bindTcp(host: string, port: number): Promise<Bound> {
  return new Promise((resolve) => {
    const server: Server = createServer((sock) => sock.destroy());
    server.once('error', (e: NodeJS.ErrnoException) => resolve({ port, code: e.code ?? 'EINVAL', close: () => undefined }));
    server.listen({ host, port, exclusive: true, backlog: 1 }, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      server.unref();
      resolve({ port: actual, close: () => server.close() });
    });
  });
}

function bindUdp(host: string, port: number): Promise<Bound> {
  return new Promise((resolve) => {
    const sock: UdpSocket = createSocket({ type: 'udp4' });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      resolve({ port, code: e.code ?? 'EINVAL', close: () => undefined });
      try {
        sock.close();
      } catch {
        /* never bound */
      }
    });
    sock.on('message', () => undefined);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.unref();
      resolve({ port: sock.address().port, close: () => sock.close() });
    });
  });
}
