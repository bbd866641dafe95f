/**
 * Crash safety of networking: published ports and container-to-container traffic keep working
 * while ballastd is down (kill -9); at start-up the namespaces, veths and table elements the
 * state does not own are removed and the table is rebuilt; a container that exited while the
 * engine was down gets its address and rules freed; 200 run/rm cycles with networks and
 * published ports leave no veth, namespace, nftables element or address behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Ballastd } from '../helpers/daemon.js';
import type { Cli } from '../helpers/cli.js';
import { IMAGE, curl, httpdCmd, instanceTag, kernelObjects, publishedElements, startNetDaemon, until } from './network-harness.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '0.0.0.0', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe('network crash safety', () => {
  let d: Ballastd;
  let ballast: Cli;
  let docker: Cli;

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await d.api.request(method, path, body === undefined ? {} : { body: body as never });
    return { status: r.status, json: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {} };
  };

  before(async () => {
    const s = await startNetDaemon();
    d = s.d;
    ballast = s.ballast;
    docker = s.docker;
    await ballast.ok(['network', 'create', 'appnet']);
  });

  after(async () => {
    await d?.stop();
  });

  it('keeps containers reachable while the engine is down and cleans up at start-up', async () => {
    const hp = await freePort();
    await docker.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', `${hp}:80`, IMAGE, ...httpdCmd('still-here')]);
    await docker.ok(['run', '-d', '--name', 'client', '--network', 'appnet', IMAGE, 'sleep', '600']);
    await until(() => curl(`http://127.0.0.1:${hp}/`) === 'still-here\n', 10_000, 'web');
    const webIp = (await ballast.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "appnet").IPAddress}}', 'web'])).stdout.trim();
    const clientId = (await ballast.ok(['inspect', '-f', '{{.Id}}', 'client'])).stdout.trim();
    const tag = instanceTag(d.root);
    const clientNs = `ballast-${tag}-${clientId.slice(0, 12)}`;

    await d.kill9();
    assert.equal(curl(`http://127.0.0.1:${hp}/`), 'still-here\n');
    const direct = spawnSync('ip', ['netns', 'exec', clientNs, 'curl', '-s', '-m', '5', `http://${webIp}/`], { encoding: 'utf8' });
    assert.equal(direct.stdout, 'still-here\n');

    // leftovers a crash could leave: a namespace, a veth and a table element nobody owns
    const fakeId = randomBytes(32).toString('hex');
    const orphanNs = `ballast-${tag}-${fakeId.slice(0, 12)}`;
    const orphanVeth = `vb${randomBytes(6).toString('hex')}`;
    const netId = (await (async () => '0'.repeat(64))());
    const mk = spawnSync('ip', ['-b', '-'], {
      input: `netns add ${orphanNs}\nlink add ${orphanVeth} alias ballast:${tag}:ep:${fakeId}:${netId} type veth peer name eth0 netns ${orphanNs}\n`,
      encoding: 'utf8',
    });
    assert.equal(mk.status, 0, mk.stderr);
    const orphanVeth2 = `vb${randomBytes(6).toString('hex')}`;
    spawnSync('ip', ['link', 'add', orphanVeth2, 'alias', `ballast:${tag}:ep:${fakeId}:${netId}`, 'type', 'veth', 'peer', 'name', `${orphanVeth2}p`]);
    const el = spawnSync('nft', ['add', 'element', 'inet', `ballast-${tag}`, 'pub_any', '{ tcp . 65011 : 10.9.9.9 . 80 }'], { encoding: 'utf8' });
    assert.equal(el.status, 0, el.stderr);

    await d.restart();
    const after = kernelObjects(d.root);
    assert.ok(!after.netns.includes(orphanNs), 'orphan namespace removed');
    assert.ok(!after.links.includes(orphanVeth2), 'orphan veth removed');
    assert.doesNotMatch(after.table, /65011/);
    assert.match(publishedElements(d.root), new RegExp(`tcp \\. ${hp} : ${webIp.replace(/\./g, '\\.')} \\. 80`));
    assert.ok(after.netns.includes(clientNs), 'a running container keeps its namespace');
    // DNS and the reservation are back
    assert.equal((await ballast.ok(['exec', 'client', 'wget', '-q', '-O', '-', 'http://web/'])).stdout, 'still-here\n');
    const steal = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${hp},'0.0.0.0').on('error',e=>{console.log(e.code);process.exit(0)}).on('listening',()=>{console.log('bound');process.exit(0)})`], { encoding: 'utf8' });
    assert.equal(steal.stdout.trim(), 'EADDRINUSE');

    // the container exits while the engine is down: its address and rules are freed at start-up
    const webPid = Number((await ballast.ok(['inspect', '-f', '{{.State.Pid}}', 'web'])).stdout.trim());
    await d.kill9();
    process.kill(webPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await d.restart();
    assert.doesNotMatch(publishedElements(d.root), new RegExp(`${hp}`));
    assert.equal((await ballast.ok(['inspect', '-f', '{{.State.Running}} {{(index .NetworkSettings.Networks "appnet").IPAddress}}', 'web'])).stdout, 'false \n');
    await ballast.ok(['rm', '-f', 'web', 'client']);
    const left = kernelObjects(d.root);
    assert.deepEqual(left.netns, []);
    assert.deepEqual(left.links, []);
  });

  it('200 run/rm cycles with networks and published ports leave nothing behind', async () => {
    const before = kernelObjects(d.root);
    const cycle = async (i: number) => {
      const net = i % 2 === 0 ? 'appnet' : 'bridge';
      const c = await api('POST', '/v1.41/containers/create', {
        Image: IMAGE,
        Cmd: ['true'],
        HostConfig: { NetworkMode: net, PortBindings: { '80/tcp': [{ HostPort: '' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      });
      assert.equal(c.status, 201, JSON.stringify(c.json));
      const id = c.json['Id'] as string;
      const s = await api('POST', `/v1.41/containers/${id}/start`);
      assert.equal(s.status, 204, JSON.stringify(s.json));
      const r = await api('DELETE', `/v1.41/containers/${id}?force=1`);
      assert.equal(r.status, 204);
    };
    const N = 200;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < N) await cycle(next++);
      }),
    );
    const after = kernelObjects(d.root);
    assert.deepEqual(after.netns, before.netns);
    assert.deepEqual(after.links, before.links);
    assert.equal(publishedElements(d.root), '');
    // no address is still held: the next container gets the first address again
    const insp = (await api('GET', '/v1.41/networks/appnet')).json as { Containers: Record<string, unknown>; IPAM: { Config: Array<{ Gateway: string }> } };
    assert.deepEqual(insp.Containers, {});
    await docker.ok(['run', '-d', '--name', 'first', '--network', 'appnet', IMAGE, 'sleep', '60']);
    const ipNow = (await ballast.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "appnet").IPAddress}}', 'first'])).stdout.trim();
    assert.equal(ipNow, (insp.IPAM.Config[0]?.Gateway ?? '').replace(/\.1$/, '.2'));
    await docker.ok(['rm', '-f', 'first']);
  });
});
