import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { broadcast, contains, formatCidr, formatIp, macFromIp, overlaps, parseCidr, parseIp } from './ipv4.js';
import { NetNaming, netnsTagOf, parseAlias } from './names.js';
import { candidates, firstFree, parsePools, DOCKER_DEFAULT_POOLS } from './subnets.js';

describe('ipv4', () => {
  it('parses and formats addresses', () => {
    for (const s of ['0.0.0.0', '10.89.0.3', '172.17.0.1', '255.255.255.255']) assert.equal(formatIp(parseIp(s) as number), s);
    for (const s of ['256.0.0.1', '1.2.3', 'a.b.c.d', '1.2.3.4.5', '']) assert.equal(parseIp(s), undefined);
  });
  it('parses prefixes, strict and loose', () => {
    assert.deepEqual(parseCidr('10.1.0.0/16'), { base: parseIp('10.1.0.0'), prefix: 16 });
    assert.equal(parseCidr('10.1.2.3/16'), undefined);
    assert.equal(formatCidr(parseCidr('10.1.2.3/16', true) as never), '10.1.0.0/16');
    assert.equal(parseCidr('10.1.0.0/33'), undefined);
    assert.equal(parseCidr('10.1.0.0'), undefined);
  });
  it('tests containment, overlap and broadcast', () => {
    const a = parseCidr('172.17.0.0/16') as never;
    assert.ok(contains(a, parseIp('172.17.255.254') as number));
    assert.ok(!contains(a, parseIp('172.18.0.1') as number));
    assert.ok(overlaps(a, parseCidr('172.17.5.0/24') as never));
    assert.ok(overlaps(parseCidr('172.16.0.0/12') as never, a));
    assert.ok(!overlaps(a, parseCidr('172.18.0.0/16') as never));
    assert.equal(formatIp(broadcast(a)), '172.17.255.255');
  });
  it("derives Docker's MAC from the address", () => {
    assert.equal(macFromIp(parseIp('10.89.0.3') as number), '02:42:0a:59:00:03');
    assert.equal(macFromIp(parseIp('172.17.0.2') as number), '02:42:ac:11:00:02');
  });
});

describe('subnet pools', () => {
  it("walks Docker's default pools in order", () => {
    const list = [...candidates(DOCKER_DEFAULT_POOLS)].map(formatCidr);
    assert.deepEqual(list.slice(0, 4), ['172.17.0.0/16', '172.18.0.0/16', '172.19.0.0/16', '172.20.0.0/16']);
    assert.equal(list[15], '192.168.0.0/20');
    assert.equal(list.length, 15 + 16);
  });
  it('skips whatever overlaps', () => {
    const taken = [parseCidr('172.17.0.0/16'), parseCidr('172.18.3.0/24')] as never[];
    assert.equal(formatCidr(firstFree(DOCKER_DEFAULT_POOLS, taken) as never), '172.19.0.0/16');
  });
  it("reads dockerd's --default-address-pool syntax", () => {
    const pools = parsePools('base=10.200.0.0/16,size=24');
    assert.deepEqual([...candidates(pools)].slice(0, 2).map(formatCidr), ['10.200.0.0/24', '10.200.1.0/24']);
    assert.throws(() => parsePools('base=10.200.0.0/16,size=8'));
    assert.throws(() => parsePools('size=24'));
  });
});

describe('names', () => {
  it('uses the plain names on the default root and tagged ones elsewhere', () => {
    const main = NetNaming.forRoot('/var/lib/ballast');
    assert.equal(main.table, 'ballast');
    assert.equal(main.netnsName('0123456789abcdef'), 'ballast-0123456789ab');
    assert.equal(main.bridgeName('fedcba9876543210', true), 'ballast0');
    assert.equal(main.bridgeName('fedcba9876543210', false), 'bl-fedcba987654');
    const t = NetNaming.forRoot('/tmp/x/root');
    assert.match(t.table, /^ballast-[0-9a-f]{6}$/);
    assert.equal(t.bridgeName('fedcba9876543210', true), 'bl-fedcba987654');
    assert.equal(t.ownsNetns(t.netnsName('0123456789abcdef')), '0123456789ab');
    assert.equal(t.ownsNetns(main.netnsName('0123456789abcdef')), undefined);
    assert.equal(main.ownsNetns(t.netnsName('0123456789abcdef')), undefined);
    assert.equal(netnsTagOf(t.netnsName('0123456789abcdef')), t.tag);
  });
  it('never makes a name longer than IFNAMSIZ-1 and never reuses a veth name', () => {
    const a = NetNaming.vethName();
    assert.equal(a.length, 14);
    assert.notEqual(a, NetNaming.vethName());
    assert.ok(NetNaming.forRoot('/r').bridgeName('a'.repeat(64), false).length <= 15);
  });
  it('round-trips aliases', () => {
    const t = new NetNaming('abcdef');
    assert.deepEqual(parseAlias(t.vethAlias('c1', 'n1')), { instance: 'abcdef', kind: 'ep', containerId: 'c1', networkId: 'n1' });
    assert.deepEqual(parseAlias(t.bridgeAlias('n1')), { instance: 'abcdef', kind: 'br', networkId: 'n1' });
    assert.equal(parseAlias('something else'), undefined);
    assert.equal(parseAlias(undefined), undefined);
  });
});
