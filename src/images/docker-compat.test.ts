/**
 * Ground truth from Debian's dockerd, started on its own temporary data-root
 * and socket (never /var/lib/docker) and stopped at the end. Skipped when
 * dockerd or the docker CLI is missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { makeHeader } from '../storage/archive/tar-format.js';
import { encodeTar, tarStream, type TarWriteEntry } from '../storage/archive/tar-writer.js';
import { LayerStore } from '../storage/layers/layer-store.js';
import { busyboxRootfsTar, hasCommand, mountPoints, tempDir } from '../storage/layers/test-support.js';
import { ImageService } from './image-service.js';

const available = hasCommand('dockerd') && hasCommand('docker');
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const file = (name: string, content: string): TarWriteEntry => ({
  header: makeHeader({ name, type: 'file', size: Buffer.byteLength(content), mtime: 1600000000 }),
  body: Buffer.from(content),
});
async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

describe('compatibility with dockerd 20.10', { skip: available ? false : 'dockerd/docker not installed' }, () => {
  const tmp = tempDir('dockerd-compat');
  const sock = join(tmp.path, 'd.sock');
  let daemon: ChildProcess | undefined;
  let images: ImageService;
  let layers: LayerStore;
  const docker = (args: string[], input?: Buffer): { out: string; err: string; code: number; raw: Buffer } => {
    const r = spawnSync('docker', args, {
      env: { ...process.env, DOCKER_HOST: `unix://${sock}` },
      input,
      maxBuffer: 1 << 28,
    });
    return { out: r.stdout.toString(), err: r.stderr.toString(), code: r.status ?? -1, raw: r.stdout };
  };
  const ok = (args: string[], input?: Buffer): string => {
    const r = docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.err}`);
    return r.out;
  };

  before(async () => {
    mkdirSync(join(tmp.path, 'data'));
    daemon = spawn(
      'dockerd',
      [
        '--data-root', join(tmp.path, 'data'),
        '--exec-root', join(tmp.path, 'exec'),
        '--host', `unix://${sock}`,
        '--pidfile', join(tmp.path, 'd.pid'),
        '--iptables=false', '--ip6tables=false', '--bridge=none',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    daemon.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
    for (let i = 0; ; i++) {
      if (docker(['version', '--format', '{{.Server.Version}}']).code === 0) break;
      if (i > 150 || daemon.exitCode !== null) throw new Error(`dockerd did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const root = join(tmp.path, 'ballast');
    layers = new LayerStore(root);
    await layers.init();
    images = new ImageService({ root, layers });
    await images.init();
  });

  after(async () => {
    try {
      if (daemon && daemon.exitCode === null) {
        const exited = new Promise((r) => daemon?.once('exit', r));
        daemon.kill('SIGTERM');
        const timer = setTimeout(() => daemon?.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    } finally {
      const left = mountPoints(tmp.path);
      tmp.remove();
      assert.deepEqual(left.filter((m) => !m.startsWith(join(tmp.path, 'data')) && !m.startsWith(join(tmp.path, 'exec'))), []);
    }
  });

  it('writes the image config docker import writes', async () => {
    const bb = busyboxRootfsTar();
    const changes = ['CMD ["sh"]', 'ENV A=1 B="x y"', 'EXPOSE 80 443/udp', 'LABEL a=b', 'VOLUME /data', 'WORKDIR /w', 'USER nobody'];
    const args = ['import', ...changes.flatMap((c) => ['-c', c]), '-m', 'msg', bb, 'cmp:1'];
    const dockerId = ok(args).trim();
    const { id } = await images.importImage(createReadStream(bb), { repoTag: 'cmp:1', changes, message: 'msg' });
    const ours = JSON.parse((images.store.getConfig(id) ?? Buffer.alloc(0)).toString()) as Record<string, unknown>;
    const inspect = JSON.parse(ok(['image', 'inspect', dockerId]))[0] as Record<string, unknown>;
    const mine = images.inspectImage(id) as unknown as Record<string, unknown>;
    for (const k of ['Config', 'ContainerConfig', 'RootFS', 'Size', 'Comment', 'Architecture', 'Os', 'RepoTags']) {
      assert.deepEqual(mine[k], inspect[k], k);
    }
    for (const k of Object.keys(mine)) assert.ok(k in inspect, `inspect key ${k}`);
    // Same top-level config keys (we do not claim a docker_version).
    const theirsRaw = docker(['save', 'cmp:1']).raw;
    const manifest = await archiveFile(theirsRaw, 'manifest.json');
    const cfgName = (JSON.parse(manifest.toString()) as Array<{ Config: string }>)[0]?.Config ?? '';
    const dockerCfg = JSON.parse((await archiveFile(theirsRaw, cfgName)).toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(ours), Object.keys(dockerCfg).filter((k) => k !== 'docker_version'));
    assert.deepEqual(ours['config'], dockerCfg['config']);
    assert.deepEqual(ours['container_config'], dockerCfg['container_config']);
  });

  it('loads what docker save writes, including a committed second layer', async () => {
    ok(['import', '-c', 'CMD ["sh"]', busyboxRootfsTar(), 'base:1']);
    const ctr = ok(['create', 'base:1']).trim();
    writeFileSync(join(tmp.path, 'added.txt'), 'added by docker cp\n');
    ok(['cp', join(tmp.path, 'added.txt'), `${ctr}:/etc/added.txt`]);
    const committed = ok(['commit', '-c', 'ENV X=1', ctr, 'two:layers']).trim();
    ok(['rm', ctr]);
    const archive = docker(['save', 'two:layers', 'base:1']).raw;
    const r = await images.loadImages(Readable.from([archive]));
    assert.deepEqual(r.messages.sort(), ['Loaded image: base:1', 'Loaded image: two:layers']);
    const mine = images.inspectImage('two:layers');
    const theirs = JSON.parse(ok(['image', 'inspect', 'two:layers']))[0] as Record<string, unknown>;
    assert.equal(mine.Id, committed);
    assert.equal(mine.RootFS.Layers.length, 2);
    for (const k of ['Config', 'ContainerConfig', 'RootFS', 'Size', 'Created', 'Parent', 'Container']) {
      assert.deepEqual((mine as unknown as Record<string, unknown>)[k], theirs[k], k);
    }
    assert.equal(readFileSync(join(layers.get(mine.RootFS.Layers[1] ?? '').diffPath, 'etc/added.txt'), 'utf8'), 'added by docker cp\n');
    const api = spawnSync('curl', ['-s', '--unix-socket', sock, 'http://d/v1.41/images/two:layers/history'], { encoding: 'utf8' });
    if (api.status === 0) assert.deepEqual(images.history('two:layers'), JSON.parse(api.stdout));
    const list = spawnSync('curl', ['-s', '--unix-socket', sock, 'http://d/v1.41/images/json'], { encoding: 'utf8' });
    if (list.status === 0) {
      const theirList = (JSON.parse(list.stdout) as Array<Record<string, unknown>>).find((i) => i['Id'] === committed);
      const ourList = images.listImages().find((i) => i.Id === committed) as unknown as Record<string, unknown>;
      for (const k of ['Created', 'Id', 'Labels', 'ParentId', 'RepoDigests', 'RepoTags', 'Size', 'VirtualSize']) {
        assert.deepEqual(ourList[k], theirList?.[k], `list ${k}`);
      }
    }
  });

  it('writes archives docker load accepts (multi-layer, whiteouts, gzip)', async () => {
    const l1 = await collect(encodeTar([file('etc/one', '1'), file('etc/keep', 'k')]));
    const l2 = await collect(encodeTar([file('etc/two', '2'), file('etc/.wh.one', '')]));
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/bin/sh'] },
        rootfs: { type: 'layers', diff_ids: [sha(l1), sha(l2)] },
        history: [{ created: '2024-01-01T00:00:00Z' }, { created: '2024-01-02T00:00:00Z' }],
        created: '2024-01-02T00:00:00Z',
      }),
    );
    const entries: TarWriteEntry[] = [
      { header: makeHeader({ name: 'a/layer.tar', type: 'file', size: l1.length }), body: l1 },
      { header: makeHeader({ name: 'b/layer.tar', type: 'file', size: l2.length }), body: l2 },
      { header: makeHeader({ name: 'cfg.json', type: 'file', size: config.length }), body: config },
      file('manifest.json', JSON.stringify([{ Config: 'cfg.json', RepoTags: ['mine:2'], Layers: ['a/layer.tar', 'b/layer.tar'] }])),
    ];
    await images.loadImages(Readable.from([gzipSync(await collect(tarStream(entries)))]));
    const id = images.getImage('mine:2').id;
    assert.equal(id, sha(config));
    await images.tagImage('mine:2', 'mine', 'also');
    const saved = await collect(await images.saveImages(['mine']));
    const out = ok(['load'], saved);
    assert.match(out, /Loaded image: mine:2/);
    assert.match(out, /Loaded image: mine:also/);
    const theirs = JSON.parse(ok(['image', 'inspect', 'mine:2']))[0] as { Id: string; RootFS: { Layers: string[] } };
    assert.equal(theirs.Id, id);
    assert.deepEqual(theirs.RootFS.Layers, [sha(l1), sha(l2)]);
    // And docker's export of a container from it honours our whiteout.
    const ctr = ok(['create', 'mine:2']).trim();
    const exported = docker(['export', ctr]).raw;
    ok(['rm', ctr]);
    const names = await archiveNames(exported);
    assert.ok(names.includes('etc/two') && names.includes('etc/keep') && !names.includes('etc/one'), names.join(','));
  });
});

async function archiveNames(tar: Buffer): Promise<string[]> {
  const { readTar } = await import('../storage/archive/tar-reader.js');
  const out: string[] = [];
  for await (const e of readTar(Readable.from([tar]))) {
    out.push(e.header.name.replace(/^\.\//, ''));
    for await (const c of e.body()) void c;
  }
  return out;
}

async function archiveFile(tar: Buffer, name: string): Promise<Buffer> {
  const { readTar } = await import('../storage/archive/tar-reader.js');
  for await (const e of readTar(Readable.from([tar]))) {
    const parts: Buffer[] = [];
    for await (const c of e.body()) parts.push(c);
    if (e.header.name.replace(/^\.\//, '') === name) return Buffer.concat(parts);
  }
  throw new Error(`${name} not in archive`);
}
