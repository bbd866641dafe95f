/**
 * The reference document's web examples with the real servers, run as the examples/*.sh scripts
 * (`--network host` where the document publishes a port) and checked independently over HTTP
 * and on the host:
 *
 *   nginx       nginx.conf bind (ro) edited on the host + `exec nginx nginx -s reload`; a
 *               static-files volume pre-filled from the image        examples/nginx-config-reload.sh
 *   Example 2   node:18 dev loop: live source bind (`npm run dev` = node --watch), node_modules
 *               in a volume, logs in a bind                           examples/example2-node-dev.sh
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { targetKind } from '../helpers/target.js';
import { sleep } from '../helpers/tmp.js';
import {
  cleanupExample, freePort, runExample, startWithImages, BUILD_TIMEOUT_MS, type ExampleEnv, type ExampleRun,
} from './examples-helpers.js';

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

describe(`examples: nginx and node (${targetKind()})`, { timeout: BUILD_TIMEOUT_MS + 10 * 60_000 }, () => {
  let env: ExampleEnv;
  const vol = (name: string): string => join(env.engine.root, 'volumes', name, '_data');
  before(async () => {
    env = await startWithImages(['nginx', 'node']);
  }, { timeout: BUILD_TIMEOUT_MS });
  after(async () => {
    await env?.engine.stop();
  });

  it('nginx: config bind edited on the host, applied by exec nginx -s reload', async () => {
    let run: ExampleRun | undefined;
    try {
      const port = await freePort();
      run = await runExample(env, 'nginx-config-reload.sh', { EXAMPLE_HTTP_PORT: String(port) });
      assert.deepEqual(await get(port, '/version'), { status: 200, body: 'config v2\n' });
      // The container reads the host's file (a read-only bind).
      const conf = readFileSync(join(run.dir, 'nginx.conf'), 'utf8');
      assert.equal((await env.cli.ok(['exec', 'nginx', 'cat', '/etc/nginx/nginx.conf'])).stdout, conf);
      const mounts = JSON.parse((await env.cli.ok(['inspect', '-f', '{{json .Mounts}}', 'nginx'])).stdout) as Array<Record<string, unknown>>;
      const confMount = mounts.find((m) => m['Destination'] === '/etc/nginx/nginx.conf');
      assert.equal(confMount?.['RW'], false);
      // The static-files volume was pre-filled from the image (copy-up) and serves host writes.
      const fromImage = await env.cli.ok(['run', '--rm', 'nginx', 'cat', '/usr/share/nginx/html/index.html']);
      assert.equal(readFileSync(join(vol('static-files'), 'index.html'), 'utf8'), fromImage.stdout);
      assert.match(fromImage.stdout, /<title>Welcome to nginx!<\/title>/);
      assert.deepEqual(await get(port, '/hello.html'), { status: 200, body: '<h1>hello from the static-files volume</h1>\n' });
      // A second edit + reload, done here rather than by the script.
      writeFileSync(join(run.dir, 'nginx.conf'), conf.replace('config v2', 'config v3'));
      await env.cli.ok(['exec', 'nginx', 'nginx', '-s', 'reload']);
      await eventually('config v3 served', async () => (await get(port, '/version')).body === 'config v3\n');
      // Access log lines go to the container's output.
      const logs = await env.cli.ok(['logs', 'nginx']);
      assert.match(logs.stdout, /"GET \/hello\.html HTTP\/1\.1" 200 44 /);
    } finally {
      await cleanupExample(env, run);
    }
  });

  it('Example 2: node dev loop with a live source bind, node_modules volume and logs bind', async () => {
    let run: ExampleRun | undefined;
    try {
      const port = await freePort();
      run = await runExample(env, 'example2-node-dev.sh', { EXAMPLE_HTTP_PORT: String(port) });
      const page = '<h1>Hello, dev (greeting 1.0.0) [v2, development]</h1><p>edited on the host</p>\n';
      assert.deepEqual(await get(port, '/'), { status: 200, body: page });
      // The dependency is in the volume, not in the project directory.
      assert.ok(!existsSync(join(run.dir, 'node_modules')));
      assert.equal(
        readFileSync(join(vol('node-modules'), 'greeting/package.json'), 'utf8'),
        '{ "name": "greeting", "version": "1.0.0", "main": "index.js" }\n',
      );
      // The log bind: written inside, read here, with the restart in it.
      const log = readFileSync(join(run.dir, 'logs/app.log'), 'utf8');
      assert.match(log, /Z listening on \d+ \(v1\)\n/);
      assert.match(log, /Z listening on \d+ \(v2\)\n/);
      assert.match(log, /Z GET \/ v2\n/);
      // The source bind is live: a host edit of the view is served by the next request...
      writeFileSync(join(run.dir, 'src/views/index.html'), '<h1>{{message}}</h1><p>edited by the test</p>\n');
      assert.equal((await get(port, '/')).body, '<h1>Hello, dev (greeting 1.0.0) [v2, development]</h1><p>edited by the test</p>\n');
      // ...and a code edit restarts the app (node --watch sees the host's write through the bind).
      const appJs = join(run.dir, 'src/app.js');
      writeFileSync(appJs, readFileSync(appJs, 'utf8').replace("const VERSION = 'v2'", "const VERSION = 'v3'"));
      await eventually('v3 served after the code edit', async () => (await get(port, '/')).body.includes('[v3, development]'));
      const inspect = JSON.parse((await env.cli.ok(['inspect', '-f', '{{json .Config.Cmd}}', 'web'])).stdout) as unknown;
      assert.deepEqual(inspect, ['npm', 'run', 'dev']);
    } finally {
      await cleanupExample(env, run);
    }
  });
});
