/**
 * `network create | ls | inspect | rm | prune | connect | disconnect` through both CLIs, with
 * Docker's messages and exit codes (settled against dockerd 20.10), the builtin networks, what
 * inspect shows of a container's networks, and compose's create → disconnect → connect dance
 * over the API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Ballastd } from '../helpers/daemon.js';
import type { Cli } from '../helpers/cli.js';
import type { Json } from '../helpers/http.js';
import { IMAGE, startNetDaemon } from './network-harness.js';

describe('network commands', () => {
  let d: Ballastd;
  let clis: Cli[];

  before(async () => {
    const s = await startNetDaemon();
    d = s.d;
    clis = [s.ballast, s.docker];
  });
  after(async () => {
    await d?.stop();
  });

  it('lists the builtin networks, which cannot be removed', async () => {
    for (const cli of clis) {
      const ls = await cli.ok(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
      for (const line of ['bridge bridge local', 'host host local', 'none null local']) assert.ok(ls.stdout.includes(line), ls.stdout);
      const rm = await cli.run(['network', 'rm', 'host']);
      assert.equal(rm.code, 1);
      assert.match(rm.stderr, /Error response from daemon: host is a pre-defined network and cannot be removed/);
    }
  });

  for (const kind of ['ballast', 'docker'] as const) {
    it(`create, inspect, ls, rm with Docker's messages (${kind})`, async () => {
      const cli = clis[kind === 'ballast' ? 0 : 1] as Cli;
      const name = `n-${kind}`;
      const created = await cli.ok(['network', 'create', '--subnet', kind === 'ballast' ? '10.250.1.0/24' : '10.250.2.0/24', '--label', 'team=a', name]);
      assert.match(created.stdout, /^[0-9a-f]{64}\n$/);
      const dup = await cli.run(['network', 'create', name]);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, new RegExp(`Error response from daemon: network with name ${name} already exists`));
      const overlap = await cli.run(['network', 'create', '--subnet', kind === 'ballast' ? '10.250.1.128/25' : '10.250.2.0/24', `${name}-x`]);
      assert.equal(overlap.code, 1);
      assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
      const badDriver = await cli.run(['network', 'create', '-d', 'nosuch', `${name}-y`]);
      assert.match(badDriver.stderr, /plugin "nosuch" not found/);

      const insp = JSON.parse((await cli.ok(['network', 'inspect', name])).stdout) as Array<Record<string, unknown>>;
      const n = insp[0] as Record<string, unknown>;
      assert.equal(n['Name'], name);
      assert.equal(n['Driver'], 'bridge');
      assert.deepEqual((n['IPAM'] as { Config: unknown }).Config, [{ Subnet: kind === 'ballast' ? '10.250.1.0/24' : '10.250.2.0/24', Gateway: kind === 'ballast' ? '10.250.1.1' : '10.250.2.1' }]);
      assert.deepEqual(n['Labels'], { team: 'a' });
      assert.deepEqual(n['Containers'], {});

      const q = await cli.ok(['network', 'ls', '-q', '--filter', `name=${name}`]);
      assert.equal(q.stdout, `${created.stdout.slice(0, 12)}\n`);
      const lbl = await cli.ok(['network', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}}|{{.Label "team"}}']);
      assert.ok(lbl.stdout.includes(`${name}|a`), lbl.stdout);
      const custom = await cli.ok(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}']);
      assert.ok(!custom.stdout.includes('bridge\n') && custom.stdout.includes(name));

      const missing = await cli.run(['network', 'inspect', 'nosuch-net']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stdout, '[]\n');
      assert.match(missing.stderr, /Error response from daemon: network nosuch-net not found/);

      const rm = await cli.ok(['network', 'rm', name]);
      assert.equal(rm.stdout, `${name}\n`);
      const again = await cli.run(['network', 'rm', name]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`Error response from daemon: network ${name} not found`));
    });
  }

  it('connect / disconnect, aliases with the short id, active endpoints block rm (both CLIs)', async () => {
    const [ballast, docker] = clis as [Cli, Cli];
    await ballast.ok(['network', 'create', 'cnet1']);
    await docker.ok(['network', 'create', 'cnet2']);
    const id = (await docker.ok(['run', '-d', '--name', 'cw', '--network', 'cnet1', '--network-alias', 'web', IMAGE, 'sleep', '300'])).stdout.trim();
    const short = id.slice(0, 12);
    const nets = async () =>
      JSON.parse((await ballast.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'cw'])).stdout) as Record<string, Record<string, unknown>>;
    let n = await nets();
    assert.deepEqual(n['cnet1']?.['Aliases'], ['web', short]);
    assert.match(String(n['cnet1']?.['IPAddress']), /^10\.\d+\.\d+\.2$/);
    assert.equal(n['cnet1']?.['MacAddress'], `02:42:${String(n['cnet1']?.['IPAddress']).split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}`);
    assert.match(String(n['cnet1']?.['Gateway']), /\.1$/);

    const busy = await docker.run(['network', 'rm', 'cnet1']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /error while removing network: network cnet1 id [0-9a-f]{64} has active endpoints/);

    await ballast.ok(['network', 'connect', '--alias', 'api', 'cnet2', 'cw']);
    n = await nets();
    assert.deepEqual(n['cnet2']?.['Aliases'], ['api', short]);
    assert.ok(n['cnet2']?.['IPAddress']);
    const dup = await docker.run(['network', 'connect', 'cnet2', 'cw']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /endpoint with name cw already exists in network cnet2/);
    const ifaces = (await ballast.ok(['exec', 'cw', 'sh', '-c', 'ls /sys/class/net'])).stdout;
    assert.match(ifaces, /eth1/);

    await docker.ok(['network', 'disconnect', 'cnet2', 'cw']);
    const notConn = await ballast.run(['network', 'disconnect', 'cnet2', 'cw']);
    assert.equal(notConn.code, 1);
    assert.match(notConn.stderr, new RegExp(`container ${id} is not connected to network cnet2`));
    assert.doesNotMatch((await ballast.ok(['exec', 'cw', 'sh', '-c', 'ls /sys/class/net'])).stdout, /eth1/);

    const insp = JSON.parse((await docker.ok(['network', 'inspect', 'cnet1'])).stdout) as Array<{ Containers: Record<string, { Name: string; IPv4Address: string }> }>;
    assert.equal(insp[0]?.Containers[id]?.Name, 'cw');
    assert.match(insp[0]?.Containers[id]?.IPv4Address ?? '', /\/24$/);

    // a stopped container keeps its networks and aliases but no address
    await docker.ok(['stop', '-t', '0', 'cw']);
    n = await nets();
    assert.deepEqual(n['cnet1']?.['Aliases'], ['web', short]);
    assert.equal(n['cnet1']?.['IPAddress'], '');
    await docker.ok(['rm', 'cw']);

    const pruned = await ballast.ok(['network', 'prune', '-f']);
    assert.equal(pruned.stdout, 'Deleted Networks:\ncnet1\ncnet2\n\n');
  });

  it("rejects what Docker rejects at create", async () => {
    for (const cli of clis) {
      const r = await cli.run(['run', '--rm', '--network', 'nosuch', IMAGE, 'true']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /Error response from daemon: network nosuch not found/);
    }
  });

  it("compose's disconnect/connect dance on a created container (API)", async () => {
    const call = async (method: string, path: string, body?: Json) => {
      const r = await d.api.request(method, path, body === undefined ? {} : { body });
      return { status: r.status, json: r.body ? (JSON.parse(r.body) as unknown) : undefined };
    };
    const api = {
      post: (p: string, b?: Json) => call('POST', p, b ?? {}),
      get: (p: string) => call('GET', p),
      delete: (p: string) => call('DELETE', p),
    };
    const created = await api.post('/v1.41/networks/create', { Name: 'proj_default', CheckDuplicate: true, Labels: { 'com.docker.compose.project': 'proj' }, Attachable: true });
    assert.equal(created.status, 201);
    const c = await api.post('/v1.41/containers/create?name=proj_web_1', {
      Image: IMAGE,
      Cmd: ['sleep', '300'],
      HostConfig: { NetworkMode: 'proj_default' },
      NetworkingConfig: { EndpointsConfig: { proj_default: { Aliases: ['web'] } } },
    });
    assert.equal(c.status, 201);
    const id = (c.json as { Id: string }).Id;
    const insp = await api.get(`/v1.41/containers/${id}/json`);
    const aliases = (insp.json as { NetworkSettings: { Networks: Record<string, { Aliases: string[] }> } }).NetworkSettings.Networks['proj_default']?.Aliases;
    assert.deepEqual(aliases, ['web', id.slice(0, 12)]);
    assert.equal((await api.post('/v1.41/networks/proj_default/disconnect', { Container: id })).status, 200);
    assert.equal((await api.post('/v1.41/networks/proj_default/connect', { Container: id, EndpointConfig: { Aliases: ['web', id.slice(0, 12)] } })).status, 200);
    assert.equal((await api.post(`/v1.41/containers/${id}/start`)).status, 204);
    const after = await api.get(`/v1.41/containers/${id}/json`);
    const net = (after.json as { NetworkSettings: { Networks: Record<string, { Aliases: string[]; IPAddress: string }> } }).NetworkSettings.Networks['proj_default'];
    assert.deepEqual(net?.Aliases, ['web', id.slice(0, 12)]);
    assert.ok(net?.IPAddress);
    assert.equal((await api.delete(`/v1.41/containers/${id}?force=1`)).status, 204);
    assert.equal((await api.delete('/v1.41/networks/proj_default')).status, 204);
    assert.equal((await api.get('/v1.41/networks/proj_default')).status, 404);
  });
});
