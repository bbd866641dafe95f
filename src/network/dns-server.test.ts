import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { EmbeddedDns } from './dns-server.js';
import { jsonLogger } from '../lib/logger.js';

const log = jsonLogger(() => undefined, 'error');

/** One UDP question to 127.0.0.1:port, from the source address `from`. */
function ask(port: number, name: string, type: 'A' | 'AAAA' | 'PTR' | 'MX', from = '127.0.0.1'): Promise<dnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.bind(0, from, () => {
      s.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
    });
    const t = setTimeout(() => {
      s.close();
      reject(new Error('no answer'));
    }, 5000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(dnsPacket.decode(m));
    });
  });
}

describe('embedded DNS', () => {
  let upstream: ReturnType<typeof createSocket>;
  let upstreamPort = 0;
  let dns: EmbeddedDns;
  let port = 0;

  before(async () => {
    // A fake upstream on loopback that knows example.test.
    upstream = createSocket('udp4');
    upstream.on('message', (m, r) => {
      const q = dnsPacket.decode(m);
      upstream.send(
        dnsPacket.encode({
          type: 'response',
          id: q.id ?? 0,
          flags: dnsPacket.RECURSION_AVAILABLE,
          questions: q.questions ?? [],
          answers: [{ type: 'A', name: 'example.test', ttl: 5, data: '192.0.2.77' }],
        }),
        r.port,
        r.address,
      );
    });
    await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
    upstreamPort = upstream.address().port;
    dns = new EmbeddedDns(
      {
        // Only 127.0.0.1 is "a container on appnet"; 127.0.0.2 is a stranger.
        lookup: (source, name) => (source === '127.0.0.1' && ['db', 'database'].includes(name.toLowerCase()) ? ['10.89.1.3', '10.89.1.4'] : undefined),
        reverse: (source, ip) => (source === '127.0.0.1' && ip === '10.89.1.3' ? 'db.appnet' : undefined),
        upstreams: () => [`127.0.0.1#${upstreamPort}`],
      },
      log,
    );
    port = await dns.listen('127.0.0.1', 0);
  });

  after(() => {
    dns.closeAll();
    upstream.close();
  });

  it('answers names of the asking container’s networks, every address, TTL 600', async () => {
    const r = await ask(port, 'DB', 'A');
    assert.equal(r.id, 4242);
    assert.deepEqual(r.answers?.map((a) => (a as { data: string }).data), ['10.89.1.3', '10.89.1.4']);
    assert.equal((r.answers?.[0] as { ttl: number }).ttl, 600);
  });

  it('answers AAAA for a local name with no data (NOERROR)', async () => {
    const r = await ask(port, 'database', 'AAAA');
    assert.equal((r as { rcode?: string }).rcode, 'NOERROR');
    assert.equal(r.answers?.length, 0);
  });

  it('answers reverse lookups of container addresses', async () => {
    const r = await ask(port, '3.1.89.10.in-addr.arpa', 'PTR');
    assert.equal((r.answers?.[0] as { data: string }).data, 'db.appnet');
  });

  it('forwards everything else upstream', async () => {
    const r = await ask(port, 'example.test', 'A');
    assert.equal((r.answers?.[0] as { data: string }).data, '192.0.2.77');
  });

  it('scopes by source address: a stranger gets the upstream answer for "db"', async () => {
    const r = await ask(port, 'db', 'A', '127.0.0.2');
    assert.equal((r.answers?.[0] as { data: string }).data, '192.0.2.77');
  });

  it('answers over TCP', async () => {
    const q = dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'db' }] });
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => {
        const head = Buffer.alloc(2);
        head.writeUInt16BE(q.length);
        s.write(Buffer.concat([head, q]));
      });
      let buf = Buffer.alloc(0);
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          s.destroy();
          resolve(buf.subarray(2));
        }
      });
      s.on('error', reject);
    });
    assert.equal((dnsPacket.decode(reply).answers?.[0] as { data: string }).data, '10.89.1.3');
  });
});
