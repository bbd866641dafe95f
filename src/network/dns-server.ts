/**
 * The embedded DNS server (network-recipe §5.2): UDP and TCP listeners on
 * each network's gateway address, in the host network namespace. It answers
 * by source address: the container asking decides which networks, and so
 * which names, it may see. Every other question is forwarded verbatim to the
 * asking container's upstream resolvers (its --dns, else the host's), from
 * the host namespace, so a loopback upstream works too.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, Socket, type Server } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Logger } from '../lib/logger.js';

/** Docker's TTL for container records. */
const TTL = 600;
const FORWARD_TIMEOUT_MS = 3000;

export interface DnsAnswerSource {
  /**
   * Addresses for `name` as seen by the container at `source`; undefined when
   * the name is not one of ours (forward it), [] when it is ours but has no
   * address of that family.
   */
  lookup(source: string, name: string): string[] | undefined;
  /** Reverse lookup of a container address seen from `source`. */
  reverse(source: string, ip: string): string | undefined;
  /** Upstream resolvers (IPv4 or IPv6 literals, optionally "ip#port") for `source`. */
  upstreams(source: string): string[];
}

interface Listener {
  udp: UdpSocket;
  tcp: Server;
  port: number;
}

type Packet = dnsPacket.Packet;

export class EmbeddedDns {
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly source: DnsAnswerSource,
    private readonly log: Logger,
  ) {}

  /** Listens on ip:port (UDP and TCP); port 0 picks one. Returns the port. Idempotent per ip. */
  async listen(ip: string, port: number): Promise<number> {
    const existing = this.listeners.get(ip);
    if (existing) return existing.port;
    const udp = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: ip, port, exclusive: true }, () => {
        udp.removeListener('error', reject);
        resolve();
      });
    });
    const actual = udp.address().port;
    udp.on('error', (e) => this.log.warn('dns udp error', { ip, error: e.message }));
    udp.on('message', (msg, rinfo) => {
      void this.answer(msg, rinfo.address).then(
        (reply) => {
          if (reply) udp.send(reply, rinfo.port, rinfo.address);
        },
        () => undefined,
      );
    });
    const tcp = createServer((sock) => this.serveTcp(sock));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: ip, port: actual, exclusive: true }, () => {
          tcp.removeListener('error', reject);
          resolve();
        });
      });
    } catch (e) {
      udp.close();
      throw e;
    }
    tcp.on('error', (e) => this.log.warn('dns tcp error', { ip, error: e.message }));
    udp.unref();
    tcp.unref();
    this.listeners.set(ip, { udp, tcp, port: actual });
    return actual;
  }

  close(ip: string): void {
    const l = this.listeners.get(ip);
    if (!l) return;
    this.listeners.delete(ip);
    try {
      l.udp.close();
    } catch {
      /* closed */
    }
    l.tcp.close();
  }

  closeAll(): void {
    for (const ip of [...this.listeners.keys()]) this.close(ip);
  }

  private serveTcp(sock: Socket): void {
    let buf = Buffer.alloc(0);
    const remote = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        void this.answer(msg, remote, true).then(
          (reply) => {
            if (!reply || sock.destroyed) return;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(reply.length, 0);
            sock.write(Buffer.concat([head, reply]));
          },
          () => undefined,
        );
      }
    });
  }

  /** The reply to one query from `source`, or undefined to stay silent. */
  async answer(msg: Buffer, source: string, tcp = false): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    const q = query.questions?.[0];
    if (!q) return undefined;
    const local = this.localAnswer(query, q, source);
    if (local) return local;
    return this.forward(msg, query, source, tcp);
  }

  private localAnswer(query: Packet, q: dnsPacket.Question, source: string): Buffer | undefined {
    const name = q.name.replace(/\.$/, '');
    if (q.type === 'PTR') {
      const ip = reverseName(name);
      const host = ip ? this.source.reverse(source, ip) : undefined;
      if (!host) return undefined;
      return this.reply(query, [{ type: 'PTR', name: q.name, ttl: TTL, class: 'IN', data: host }]);
    }
    const addrs = this.source.lookup(source, name);
    if (addrs === undefined) return undefined;
    if (q.type === 'A' || (q.type as string) === 'ANY') {
      return this.reply(
        query,
        addrs.map((a) => ({ type: 'A' as const, name: q.name, ttl: TTL, class: 'IN' as const, data: a })),
      );
    }
    // AAAA and the rest for a known v4-only name: NOERROR, no data (busybox nslookup exits 0).
    return this.reply(query, []);
  }

  private reply(query: Packet, answers: dnsPacket.Answer[]): Buffer {
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED),
      questions: query.questions ?? [],
      answers,
    });
  }

  private failure(query: Packet, rcode: 'SERVFAIL' | 'REFUSED'): Buffer {
    const code = rcode === 'SERVFAIL' ? 2 : 5;
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_AVAILABLE | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | code,
      questions: query.questions ?? [],
      answers: [],
    });
  }

  private async forward(msg: Buffer, query: Packet, source: string, tcp: boolean): Promise<Buffer> {
    const upstreams = this.source.upstreams(source);
    for (const u of upstreams) {
      const hash = u.indexOf('#');
      const host = hash < 0 ? u : u.slice(0, hash);
      const port = hash < 0 ? 53 : Number(u.slice(hash + 1));
      try {
        const reply = await udpExchange(msg, host, port);
        // A truncated UDP answer is fine to relay to a UDP client; a TCP client asked for all of it.
        if (tcp && (dnsPacket.decode(reply).flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) {
          return await tcpExchange(msg, host, port);
        }
        return reply;
      } catch {
        continue;
      }
    }
    return this.failure(query, 'SERVFAIL');
  }
}

function reverseName(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/i.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}

function udpExchange(msg: Buffer, host: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    const done = (e: Error | undefined, reply?: Buffer) => {
      clearTimeout(timer);
      try {
        sock.close();
      } catch {
        /* closed */
      }
      if (e) reject(e);
      else resolve(reply as Buffer);
    };
    const timer = setTimeout(() => done(new Error('timeout')), FORWARD_TIMEOUT_MS);
    sock.on('error', (e) => done(e));
    sock.on('message', (reply) => {
      if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) done(undefined, reply);
    });
    sock.send(msg, port, host);
  });
}

function tcpExchange(msg: Buffer, host: string, port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let buf = Buffer.alloc(0);
    sock.setTimeout(FORWARD_TIMEOUT_MS, () => {
      sock.destroy();
      reject(new Error('timeout'));
    });
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.connect(port, host, () => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(msg.length, 0);
      sock.write(Buffer.concat([head, msg]));
    });
  });
}
