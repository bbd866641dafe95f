import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { bridgeElements, containerDnsTable, fullTable, publishElements } from './ruleset.js';

const nftAvailable = process.getuid?.() === 0 && spawnSync('nft', ['--version']).status === 0;

function check(script: string): void {
  const r = spawnSync('nft', ['-c', '-f', '-'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `nft -c rejected:\n${r.stderr}\n${script}`);
}

describe('nftables ruleset', () => {
  const state = {
    bridges: [
      { name: 'bl-aaaaaaaaaaaa', subnet: '10.99.0.0/24', internal: false },
      { name: 'bl-bbbbbbbbbbbb', subnet: '10.99.1.0/24', internal: true },
    ],
    published: [
      { hostIp: '0.0.0.0', proto: 'tcp' as const, hostPort: 8080, ctrIp: '10.99.0.2', ctrPort: 80 },
      { hostIp: '127.0.0.1', proto: 'udp' as const, hostPort: 5353, ctrIp: '10.99.0.2', ctrPort: 53 },
    ],
  };

  it('is one transaction that works whether or not the table exists', () => {
    const text = fullTable('ballast-test', state);
    const lines = text.split('\n');
    assert.equal(lines[0], 'table inet ballast-test {}');
    assert.equal(lines[1], 'delete table inet ballast-test');
    assert.match(text, /add element inet ballast-test pub_any \{ tcp \. 8080 : 10\.99\.0\.2 \. 80 \}/);
    assert.match(text, /add element inet ballast-test pub_ip \{ 127\.0\.0\.1 \. udp \. 5353 : 10\.99\.0\.2 \. 53 \}/);
    // internal networks are isolated and never masqueraded
    assert.match(text, /internal_bridges \{ "bl-bbbbbbbbbbbb" \}/);
    assert.doesNotMatch(text, /nat_subnets \{ 10\.99\.1\.0\/24 \}/);
    assert.match(text, /nat_subnets \{ 10\.99\.0\.0\/24 \}/);
  });

  it('deletes elements by key', () => {
    assert.deepEqual(publishElements('t', state.published, 'delete'), [
      'delete element inet t pub_any { tcp . 8080 }',
      'delete element inet t pub_ip { 127.0.0.1 . udp . 5353 }',
    ]);
    assert.equal(bridgeElements('t', state.bridges[0] as never, 'delete').length, 4);
  });

  it('is accepted by nft -c', { skip: !nftAvailable && 'needs root and nft' }, () => {
    check(fullTable('ballast-unit-check', state));
    check(containerDnsTable('10.99.0.1', 53, '10.99.0.2', 'eth0'));
  });
});
