import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseResolv, renderResolv, upstreamsFor } from './resolv.js';
import { portRequests } from './port-requests.js';

const host = parseResolv('# generated\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp.example lab\noptions edns0 trust-ad\n');

describe('resolv.conf', () => {
  it('parses the host file', () => {
    assert.deepEqual(host, { nameservers: ['127.0.0.53', '10.0.0.2'], search: ['corp.example', 'lab'], options: ['edns0', 'trust-ad'] });
  });
  it('points user networks at 127.0.0.11 with ndots:0', () => {
    const text = renderResolv({ host, embedded: true, dns: ['1.1.1.1'], dnsSearch: [], dnsOptions: [], fallbackNameserver: '' });
    assert.equal(text, 'search corp.example lab\nnameserver 127.0.0.11\noptions edns0 trust-ad ndots:0\n');
  });
  it('keeps a user ndots option', () => {
    const text = renderResolv({ host, embedded: true, dns: [], dnsSearch: ['x'], dnsOptions: ['ndots:2'], fallbackNameserver: '' });
    assert.equal(text, 'search x\nnameserver 127.0.0.11\noptions ndots:2\n');
  });
  it('drops loopback nameservers on the default bridge, with a fallback when none remain', () => {
    assert.match(renderResolv({ host, embedded: false, dns: [], dnsSearch: [], dnsOptions: [], fallbackNameserver: '172.17.0.1' }), /^search .*\nnameserver 10\.0\.0\.2\noptions/);
    const only = parseResolv('nameserver 127.0.0.53\n');
    assert.equal(renderResolv({ host: only, embedded: false, dns: [], dnsSearch: [], dnsOptions: [], fallbackNameserver: '172.17.0.1' }), 'nameserver 172.17.0.1\n');
    assert.equal(renderResolv({ host: only, embedded: false, dns: ['9.9.9.9'], dnsSearch: [], dnsOptions: [], fallbackNameserver: 'x' }), 'nameserver 9.9.9.9\n');
  });
  it('forwards to --dns, else the host resolvers (loopback allowed: the engine forwards from the host)', () => {
    assert.deepEqual(upstreamsFor(['1.1.1.1'], host), ['1.1.1.1']);
    assert.deepEqual(upstreamsFor([], host), ['127.0.0.53', '10.0.0.2']);
  });
});

describe('port requests', () => {
  it('reads -p forms and -P', () => {
    const reqs = portRequests(
      { ExposedPorts: { '80/tcp': {}, '53/udp': {}, '9000/tcp': {} } },
      {
        PortBindings: {
          '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '' }],
          '53/udp': [{ HostIp: '::', HostPort: '53' }, { HostIp: '0.0.0.0', HostPort: '5300-5310' }],
        },
        PublishAllPorts: true,
      },
    );
    assert.deepEqual(reqs, [
      { proto: 'tcp', containerPort: 80, hostIp: '0.0.0.0', hostStart: 8080, hostEnd: 8080 },
      { proto: 'tcp', containerPort: 80, hostIp: '127.0.0.1', hostStart: 0, hostEnd: 0 },
      { proto: 'udp', containerPort: 53, hostIp: '0.0.0.0', hostStart: 5300, hostEnd: 5310 },
      { proto: 'tcp', containerPort: 9000, hostIp: '0.0.0.0', hostStart: 0, hostEnd: 0 },
    ]);
  });
  it('rejects nonsense', () => {
    assert.throws(() => portRequests({}, { PortBindings: { 'x/tcp': [] } }), /invalid port/);
    assert.throws(() => portRequests({}, { PortBindings: { '80/tcp': [{ HostPort: '9-1' }] } }), /invalid hostPort/);
  });
});
