/**
 * Real traffic through both CLIs: name resolution on user networks (127.0.0.11, aliases,
 * scoping, forwarding to the container's upstream), the default bridge's /etc/hosts only, the
 * /etc files, published ports from the host's 127.0.0.1, from other containers (same network,
 * other network, the container itself), from an "outside" namespace the test creates (which
 * sees its own address kept), `-p IP:H:C`, `-p C`, `-P`, UDP, Docker's two port errors, the
 * host's loopback-only services kept out of reach, isolation between networks, internal
 * networks, and outbound NAT toward the outside namespace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import type { Ballastd } from '../helpers/daemon.js';
import type { Cli } from '../helpers/cli.js';
import { IMAGE, Outside, curl, httpdCmd, instanceTag, startNetDaemon, until } from './network-harness.js';

const CGI_CMD = [
  'sh',
  '-c',
  'mkdir -p /www/cgi-bin && printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho client=\\$REMOTE_ADDR\\n" > /www/cgi-bin/ip && chmod +x /www/cgi-bin/ip && echo web-ok > /www/index.html && exec httpd -f -p 80 -h /www',
];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '0.0.0.0', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe('network traffic', () => {
  let d: Ballastd;
  let ballast: Cli;
  let docker: Cli;
  const outside = new Outside();

  const ip = async (cli: Cli, ctr: string, net: string) =>
    (await cli.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, ctr])).stdout.trim();

  before(async () => {
    const s = await startNetDaemon();
    d = s.d;
    ballast = s.ballast;
    docker = s.docker;
    outside.create();
    await ballast.ok(['network', 'create', 'appnet']);
    await docker.ok(['network', 'create', 'othernet']);
  });

  after(async () => {
    outside.destroy();
    await d?.stop();
  });

  it('resolves names and aliases through 127.0.0.11 on a user network, scoped to the network (both CLIs)', async () => {
    await docker.ok(['run', '-d', '--name', 'db', '--network', 'appnet', '--network-alias', 'database', IMAGE, ...httpdCmd('db-page')]);
    const dbIp = await ip(ballast, 'db', 'appnet');
    for (const cli of [ballast, docker]) {
      const r = await cli.ok(['run', '--rm', '--network', 'appnet', IMAGE, 'sh', '-c', 'cat /etc/resolv.conf; nslookup db; nslookup database; nslookup DB.appnet; wget -q -O - http://database/']);
      assert.match(r.stdout, /nameserver 127\.0\.0\.11\n/);
      assert.match(r.stdout, /options .*ndots:0/);
      assert.equal(r.stdout.split(`Address: ${dbIp}`).length - 1, 3, r.stdout);
      assert.match(r.stdout, /db-page\n$/);
    }
    // a container on another network does not see appnet's names
    const other = await ballast.run(['run', '--rm', '--network', 'othernet', IMAGE, 'nslookup', 'database', '127.0.0.11']);
    assert.doesNotMatch(other.stdout, new RegExp(dbIp.replace(/\./g, '\\.')));
    // the default bridge has no name resolution; its /etc/hosts lists the container itself
    const bridge = await docker.run(['run', '--rm', '-h', 'myhost', '--add-host', 'extra.test:10.1.2.3', '--add-host', 'gw.test:host-gateway', IMAGE, 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf /etc/hostname; nslookup db']);
    assert.match(bridge.stdout, /10\.1\.2\.3\textra\.test\n\d+\.\d+\.\d+\.1\tgw\.test\n\d+\.\d+\.\d+\.\d+\tmyhost\n/);
    assert.doesNotMatch(bridge.stdout, /127\.0\.0\.11/);
    assert.match(bridge.stdout, /^myhost$/m);
    assert.doesNotMatch(bridge.stdout, new RegExp(`Address: ${dbIp.replace(/\./g, '\\.')}`));
  });

  it("forwards other names to the container's upstream resolvers (a fake one on loopback)", async () => {
    const upstreamIp = `127.0.${10 + Math.floor(Math.random() * 200)}.${10 + Math.floor(Math.random() * 200)}`;
    const up = createSocket('udp4');
    up.on('message', (m, r) => {
      const q = dnsPacket.decode(m);
      up.send(
        dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions ?? [], answers: [{ type: 'A', name: 'outside.example.test', ttl: 5, data: '192.0.2.99' }] }),
        r.port,
        r.address,
      );
    });
    await new Promise<void>((ok) => up.bind(53, upstreamIp, () => ok()));
    try {
      const r = await docker.ok(['run', '--rm', '--network', 'appnet', '--dns', upstreamIp, IMAGE, 'sh', '-c', 'cat /etc/resolv.conf; nslookup outside.example.test; nslookup db']);
      assert.match(r.stdout, /nameserver 127\.0\.0\.11/);
      assert.match(r.stdout, /Address: 192\.0\.2\.99/);
      assert.match(r.stdout, new RegExp(`Address: ${(await ip(docker, 'db', 'appnet')).replace(/\./g, '\\.')}`));
    } finally {
      up.close();
    }
  });

  it('publishes ports: host 127.0.0.1, the outside (client address kept), other containers, itself', async () => {
    const hp = await freePort();
    await ballast.ok(['run', '-d', '--name', 'web', '--network', 'appnet', '-p', `${hp}:80`, IMAGE, ...CGI_CMD]);
    await until(() => curl(`http://127.0.0.1:${hp}/`) === 'web-ok\n', 10_000, 'web on 127.0.0.1');
    assert.match(curl(`http://localhost:${hp}/cgi-bin/ip`), /^client=\[::ffff:\d+\.\d+\.\d+\.1\]\n$/);
    // from the outside namespace to the host's address on that link: DNAT keeps the client's address
    await outside.serveClientAddress(18000);
    const fromOut = outside.exec(['curl', '-s', '-m', '5', `http://${outside.hostIp}:${hp}/cgi-bin/ip`]);
    assert.equal(fromOut.out, `client=[::ffff:${outside.ip}]\n`);
    const gw = (await ballast.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "appnet").Gateway}}', 'web'])).stdout.trim();
    // another container on the same network, one on another network, and the container itself (hairpin)
    const same = await docker.ok(['run', '--rm', '--network', 'appnet', IMAGE, 'wget', '-q', '-O', '-', `http://${gw}:${hp}/`]);
    assert.equal(same.stdout, 'web-ok\n');
    const cross = await docker.ok(['run', '--rm', '--network', 'othernet', IMAGE, 'wget', '-q', '-O', '-', `http://${outside.hostIp}:${hp}/`]);
    assert.equal(cross.stdout, 'web-ok\n');
    const self = await ballast.ok(['exec', 'web', 'wget', '-q', '-O', '-', `http://${gw}:${hp}/`]);
    assert.equal(self.stdout, 'web-ok\n');
    // ps, port and inspect show the mapping
    assert.match((await docker.ok(['ps', '--filter', 'name=web', '--format', '{{.Ports}}'])).stdout, new RegExp(`^0\\.0\\.0\\.0:${hp}->80/tcp\\n$`));
    for (const cli of [ballast, docker]) assert.equal((await cli.ok(['port', 'web'])).stdout, `80/tcp -> 0.0.0.0:${hp}\n`);
    const ports = JSON.parse((await ballast.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web'])).stdout) as Record<string, unknown>;
    assert.deepEqual(ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(hp) }] });

    // Docker's two errors: the port is ours, or a host process holds it
    for (const cli of [ballast, docker]) {
      const r = await cli.run(['run', '--rm', '--network', 'appnet', '-p', `${hp}:80`, IMAGE, 'true']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, new RegExp(`driver failed programming external connectivity on endpoint \\S+ \\([0-9a-f]{64}\\): Bind for 0\\.0\\.0\\.0:${hp} failed: port is already allocated`));
    }
    const busyPort = await freePort();
    const hostServer: Server = createServer();
    await new Promise<void>((ok) => hostServer.listen(busyPort, '0.0.0.0', () => ok()));
    try {
      const r = await docker.run(['run', '--rm', '-p', `${busyPort}:80`, IMAGE, 'true']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, new RegExp(`Error starting userland proxy: listen tcp4 0\\.0\\.0\\.0:${busyPort}: bind: address already in use`));
    } finally {
      hostServer.close();
    }
    // and a host process cannot take a published port later
    const steal = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${hp},'0.0.0.0').on('error',e=>{console.log(e.code);process.exit(0)}).on('listening',()=>{console.log('bound');process.exit(0)})`], { encoding: 'utf8' });
    assert.equal(steal.stdout.trim(), 'EADDRINUSE');
  });

  it('-p IP:H:C, -p C (a free port), -P from EXPOSE, and UDP', async () => {
    const hp = await freePort();
    await docker.ok(['run', '-d', '--name', 'multi', '-p', `127.0.0.1:${hp}:80`, '-p', '81', '--expose', '82', '-P', '-p', '9999/udp', IMAGE, ...httpdCmd('multi-page')]);
    await until(() => curl(`http://127.0.0.1:${hp}/`) === 'multi-page\n', 10_000, 'multi on 127.0.0.1');
    // bound to 127.0.0.1 only: not on the outside-facing address
    assert.equal(outside.exec(['curl', '-s', '-m', '3', `http://${outside.hostIp}:${hp}/`]).out, '');
    const port = (await ballast.ok(['port', 'multi'])).stdout;
    assert.match(port, new RegExp(`^80/tcp -> 127\\.0\\.0\\.1:${hp}\\n81/tcp -> 0\\.0\\.0\\.0:\\d+\\n82/tcp -> 0\\.0\\.0\\.0:\\d+\\n9999/udp -> 0\\.0\\.0\\.0:\\d+\\n$`));
    const udpPort = Number(/9999\/udp -> 0\.0\.0\.0:(\d+)/.exec(port)?.[1]);
    const list = JSON.parse((await d.api.request('GET', '/v1.41/containers/json')).body) as Array<{ Names: string[]; Ports: Array<Record<string, unknown>> }>;
    const multi = list.find((c) => c.Names[0] === '/multi');
    assert.equal(multi?.Ports.length, 4);
    // UDP: an echo server inside the container's namespace, a datagram from the host's 127.0.0.1
    const id = (await ballast.ok(['inspect', '-f', '{{.Id}}', 'multi'])).stdout.trim();
    const ns = `ballast-${instanceTag(d.root)}-${id.slice(0, 12)}`;
    const echo = `const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('pong:'+m,r.port,r.address));s.bind(9999);setTimeout(()=>process.exit(0),8000)`;
    const child = spawnSync('sh', ['-c', `ip netns exec ${ns} ${process.execPath} -e "${echo}" >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' });
    const echoPid = Number(child.stdout.trim());
    try {
      const reply = await new Promise<string>((resolve) => {
        const s = createSocket('udp4');
        const t = setInterval(() => s.send('ping', udpPort, '127.0.0.1'), 200);
        const finish = (text: string) => {
          clearInterval(t);
          clearTimeout(giveUp);
          s.close();
          resolve(text);
        };
        const giveUp = setTimeout(() => finish(''), 6000);
        s.once('message', (m) => finish(m.toString()));
      });
      assert.equal(reply, 'pong:ping');
    } finally {
      try {
        process.kill(echoPid, 'SIGKILL');
      } catch {
        /* ended */
      }
    }
    await docker.ok(['rm', '-f', 'multi']);
    assert.equal(curl(`http://127.0.0.1:${hp}/`, 2), '');
  });

  it("keeps containers off the host's loopback-only services and other networks; outbound NAT works", async () => {
    // a host service on 127.0.0.1 only, and a container that routes 127.0.0.1 to its gateway
    const lo = createServer((s) => s.end('host-loopback-secret\n'));
    await new Promise<void>((ok) => lo.listen(0, '127.0.0.1', () => ok()));
    const loPort = (lo.address() as { port: number }).port;
    try {
      await ballast.ok(['run', '-d', '--name', 'probe', '--network', 'appnet', IMAGE, 'sleep', '300']);
      const id = (await ballast.ok(['inspect', '-f', '{{.Id}}', 'probe'])).stdout.trim();
      const ns = `ballast-${instanceTag(d.root)}-${id.slice(0, 12)}`;
      const gw = (await ballast.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "appnet").Gateway}}', 'probe'])).stdout.trim();
      const setup = spawnSync('ip', ['-n', ns, '-b', '-'], { input: `route del local 127.0.0.1 dev lo table local\nroute add 127.0.0.1/32 via ${gw} dev eth0\n`, encoding: 'utf8' });
      assert.equal(setup.status, 0, setup.stderr);
      const r = await ballast.run(['exec', 'probe', 'timeout', '3', 'nc', '127.0.0.1', String(loPort)]);
      assert.doesNotMatch(r.stdout, /host-loopback-secret/);
    } finally {
      lo.close();
    }
    // isolation: appnet cannot reach othernet's containers directly
    await docker.ok(['run', '-d', '--name', 'otherweb', '--network', 'othernet', IMAGE, ...httpdCmd('other-page')]);
    const otherIp = await ip(docker, 'otherweb', 'othernet');
    const iso = await ballast.run(['exec', 'probe', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${otherIp}/`]);
    assert.doesNotMatch(iso.stdout, /other-page/);
    // outbound: the outside namespace has no route back, so the answer proves masquerading
    await outside.serveClientAddress(18001);
    const out = await ballast.ok(['exec', 'probe', 'wget', '-q', '-O', '-', `http://${outside.ip}:18001/`]);
    assert.equal(out.stdout, `client=${outside.hostIp}\n`);
    // an internal network gets names but no way out
    await ballast.ok(['network', 'create', '--internal', 'innernet']);
    await ballast.ok(['network', 'connect', '--alias', 'inner-web', 'innernet', 'otherweb']);
    const inner = await docker.run(['run', '--rm', '--network', 'innernet', IMAGE, 'sh', '-c', `wget -q -O - http://inner-web/; timeout 3 wget -q -O - http://${outside.ip}:18001/ || echo no-way-out`]);
    assert.equal(inner.stdout, 'other-page\nno-way-out\n');
    await docker.ok(['rm', '-f', 'probe', 'otherweb']);
  });
});
