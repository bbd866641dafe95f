/**
 * End to end: the volume, bind-mount and tmpfs commands of the reference document
 * (shared/reference/seed-data-persistence.md), run as written through the docker CLI and
 * bin/ballast, asserting the data they are about.
 *
 * Substitutions, and only these:
 *   - every image (alpine, nginx, postgres, postgres:15, node:18, myapp, image-processor,
 *     data-processor, processor, builder, extractor, transformer, loader) → `busybox` (CMD sh);
 *     where the document's program does the data work (a server writing its files, `npm run dev`,
 *     `psql`, …) a busybox command does the same work, and a server that must stay up is
 *     `sleep 300`;
 *   - absolute host paths of the document (/host/path, /var/log/myapp, /tmp on the "target host")
 *     live under the case's scratch directory $W, and `$(pwd)` is $W (the client's cwd);
 *   - `-p` flags are kept; NFS/cloud/plugin volumes, pg_dump/mysqldump/mongodump, gpg, ssh,
 *     rsync and cron are not container features and are left out (the `-i` restore from a pipe
 *     stands in for the ssh and gpg pipelines).
 * Names are the document's, so the cases run one at a time and the engine is swept after each.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expect, hasLines, host, out, outText, run, runTable, type Case, type Ctx, type Json, type Step,
} from './containers-harness.js';

const write = (rel: string, content: string): Step => host(`write $W/${rel}`, (ctx) => {
  mkdirSync(join(ctx.W, rel, '..'), { recursive: true });
  writeFileSync(join(ctx.W, rel), content);
});
const mkdir = (rel: string): Step => host(`mkdir $W/${rel}`, (ctx) => {
  mkdirSync(join(ctx.W, rel), { recursive: true });
});
const hostFileIs = (rel: string, content: string): Step => host(`$W/${rel} holds ${JSON.stringify(content)}`, (ctx) => {
  assert.equal(readFileSync(join(ctx.W, rel), 'utf8'), content);
});
const hostTar = (...args: string[]): Step => host(`tar ${args.join(' ')}`, (ctx) => {
  const r = spawnSync('tar', args, { cwd: ctx.W, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
/** Seed my-volume with known content through a container. */
const seedMyVolume: Step[] = [
  run('volume', 'create', 'my-volume'),
  run('run', '--rm', '-v', 'my-volume:/data', 'busybox', 'sh', '-c', 'mkdir -p /data/sub && echo one > /data/file1.txt && echo two > /data/sub/file2.txt && chown 1000:1000 /data/sub/file2.txt'),
];
/** my-volume (or another) holds the seeded content, owners included. */
const holdsSeed = (vol: string): Step => out(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'cat /data/file1.txt /data/sub/file2.txt; stat -c "%u:%g %n" /data/sub/file2.txt'],
  'one', 'two', '1000:1000 /data/sub/file2.txt');
/** The one tmpfs line of `mp` in `mount` output. */
const tmpfsLine = (mp: string, opts: string): RegExp => new RegExp(`^tmpfs on ${mp.replace(/\//g, '\\/')} type tmpfs \\(${opts.replace(/[()]/g, '\\$&')}\\)$`);

const cases: Case[] = [
  {
    id: 'E-01', title: 'the problem: the writable layer dies with the container (postgres → busybox)',
    steps: [
      { cli: ['run', '-d', '--name', 'postgres', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'postgres', 'sh', '-c', 'mkdir -p /var/lib/postgresql/data && echo "1|Alice" > /var/lib/postgresql/data/users']),
      out(['rm', '-f', 'postgres'], 'postgres'),
      { cli: ['run', '-d', '--name', 'postgres', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      { cli: ['exec', 'postgres', 'cat', '/var/lib/postgresql/data/users'], expect: expect(1, '', "cat: can't open '/var/lib/postgresql/data/users': No such file or directory\n") },
    ],
  },
  {
    id: 'E-02', title: 'creating volumes: plain, with driver options, with labels',
    steps: [
      out(['volume', 'create', 'my-volume'], 'my-volume'),
      out(['volume', 'create', '--driver', 'local', '--opt', 'type=nfs', '--opt', 'o=addr=192.168.1.1,rw', '--opt', 'device=:/path/to/dir', 'my-nfs-volume'], 'my-nfs-volume'),
      out(['volume', 'inspect', '-f', '{{.Driver}} {{json .Options}}', 'my-nfs-volume'], 'local {"device":":/path/to/dir","o":"addr=192.168.1.1,rw","type":"nfs"}'),
      out(['volume', 'create', '--label', 'env=production', '--label', 'app=database', 'prod-db-volume'], 'prod-db-volume'),
      out(['volume', 'inspect', '-f', '{{json .Labels}}', 'prod-db-volume'], '{"app":"database","env":"production"}'),
      out(['volume', 'ls', '-q'], 'my-nfs-volume', 'my-volume', 'prod-db-volume'),
    ],
  },
  {
    id: 'E-03', title: 'implicit creation: a named volume and an anonymous one', runc: true,
    steps: [
      out(['run', '-v', 'my-volume:/data', 'busybox']),
      out(['volume', 'ls', '-q'], 'my-volume'),
      out(['run', '-v', 'my-volume:/data', 'busybox', 'sh', '-c', 'echo persisted > /data/f']),
      out(['run', '--rm', '-v', 'my-volume:/data', 'busybox', 'cat', '/data/f'], 'persisted'),
      out(['run', '-v', '/data', 'busybox']),
      outText(['volume', 'ls', '-q'], (a) => assert.deepEqual(a.split('\n').filter(Boolean).sort(), ['<hex>', 'my-volume'])),
    ],
  },
  {
    id: 'E-04', title: 'a named volume: host path <root>/volumes/postgres-data/_data',
    steps: [
      { cli: ['run', '-d', '--name', 'postgres', '-v', 'postgres-data:/var/lib/postgresql/data', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'postgres', 'sh', '-c', 'echo PG_VERSION_15 > /var/lib/postgresql/data/PG_VERSION']),
      out(['inspect', '-f', '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}}{{end}}', 'postgres'],
        'volume postgres-data <root>/volumes/postgres-data/_data /var/lib/postgresql/data'),
      host('the file is on the host under the volume', (ctx) => assert.equal(readFileSync(join(ctx.volumeData('postgres-data'), 'PG_VERSION'), 'utf8'), 'PG_VERSION_15\n')),
    ],
  },
  {
    id: 'E-05', title: 'an anonymous volume gets a random 64-hex name',
    steps: [
      { cli: ['run', '-d', '--name', 'postgres', '-v', '/var/lib/postgresql/data', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['inspect', '-f', '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}', 'postgres'], 'volume <hex> /var/lib/postgresql/data'),
    ],
  },
  {
    id: 'E-06', title: 'read-only volume: readable, not writable', runc: true,
    setup: [...seedMyVolume],
    steps: [{
      cli: ['run', '-v', 'my-volume:/data:ro', 'busybox', 'sh', '-c', 'cat /data/file1.txt; touch /data/x'],
      expect: expect(1, 'one\n', 'touch: /data/x: Read-only file system\n'),
    }],
  },
  {
    id: 'E-07', title: 'multiple options rw,Z',
    steps: [
      out(['run', '--name', 'opts', '-v', 'my-volume:/data:rw,Z', 'busybox', 'sh', '-c', 'echo w > /data/w && cat /data/w'], 'w'),
      out(['inspect', '-f', '{{range .Mounts}}{{.Mode}} {{.RW}}{{end}}', 'opts'], 'rw,Z true'),
    ],
  },
  {
    id: 'E-08', title: 'bind mounts with -v and with --mount: the same host files, both ways', runc: true,
    steps: [
      write('host/path/from-host.txt', 'host side\n'),
      out(['run', '-v', '$W/host/path:/container/path', 'busybox', 'sh', '-c', 'cat /container/path/from-host.txt; echo c1 > /container/path/from-c1.txt'], 'host side'),
      out(['run', '--mount', 'type=bind,source=$W/host/path,target=/container/path', 'busybox', 'sh', '-c', 'cat /container/path/from-c1.txt; echo c2 > /container/path/from-c2.txt'], 'c1'),
      hostFileIs('host/path/from-c2.txt', 'c2\n'),
    ],
  },
  {
    id: 'E-09', title: 'development: host edits to ./src show up in the running container at once',
    steps: [
      write('src/app.js', 'console.log("v1")\n'),
      { cli: ['run', '-d', '--name', 'dev', '-v', '$(pwd)/src:/app/src', '-p', '3000:3000', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'dev', 'cat', '/app/src/app.js'], 'console.log("v1")'),
      write('src/app.js', 'console.log("v2")\n'),
      write('src/views/index.html', '<h1>hi</h1>\n'),
      out(['exec', 'dev', 'sh', '-c', 'cat /app/src/app.js /app/src/views/index.html'], 'console.log("v2")', '<h1>hi</h1>'),
    ],
  },
  {
    id: 'E-10', title: 'a config file bound read-only; edits on the host are seen',
    steps: [
      write('nginx.conf', 'worker_processes 1;\n'),
      { cli: ['run', '-d', '--name', 'nginx', '-v', '$(pwd)/nginx.conf:/etc/nginx/nginx.conf:ro', '-p', '80:80', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'nginx', 'cat', '/etc/nginx/nginx.conf'], 'worker_processes 1;'),
      { cli: ['exec', 'nginx', 'sh', '-c', 'echo x >> /etc/nginx/nginx.conf'], expect: expect(1, '', "sh: can't create /etc/nginx/nginx.conf: Read-only file system\n") },
      host('edit nginx.conf in place on the host', (ctx) => writeFileSync(join(ctx.W, 'nginx.conf'), 'worker_processes 4;\n')),
      out(['exec', 'nginx', 'cat', '/etc/nginx/nginx.conf'], 'worker_processes 4;'),
    ],
  },
  {
    id: 'E-11', title: 'log files written in the container land on the host',
    steps: [
      { cli: ['run', '-d', '--name', 'app', '-v', '$W/var/log/myapp:/app/logs', 'busybox', 'sh', '-c', 'echo started > /app/logs/app.log; sleep 300'], expect: expect(0, '<hex>\n') },
      host('wait for app.log', async (ctx) => {
        const f = join(ctx.W, 'var/log/myapp/app.log');
        for (let i = 0; i < 100 && !existsSync(f); i++) await new Promise((r) => setTimeout(r, 100));
      }),
      hostFileIs('var/log/myapp/app.log', 'started\n'),
      host('the missing source was created as root 0755', (ctx) => {
        const st = statSync(join(ctx.W, 'var/log/myapp'));
        assert.deepEqual([st.uid, st.mode & 0o7777], [0, 0o755]);
      }),
    ],
  },
  {
    id: 'E-12', title: 'data exchange: read ./input (ro), write ./output',
    steps: [
      write('input/data.csv', 'a,b\nc,d\n'),
      mkdir('output'),
      out(['run', '--rm', '-v', '$(pwd)/input:/input:ro', '-v', '$(pwd)/output:/output', 'busybox', 'sh', '-c', 'tr a-z A-Z < /input/data.csv > /output/data.csv; touch /input/x 2>&1 || true'],
        'touch: /input/x: Read-only file system'),
      hostFileIs('output/data.csv', 'A,B\nC,D\n'),
    ],
  },
  {
    id: 'E-13', title: 'tmpfs mounts: --tmpfs, with options, --mount, secrets, cache, build artifacts', runc: true,
    steps: [
      { cli: ['run', '-d', '--name', 't1', '--tmpfs', '/tmp', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      outText(['exec', 't1', 'mount'], hasLines(tmpfsLine('/tmp', 'rw,nosuid,nodev,noexec,relatime'))),
      { cli: ['run', '-d', '--name', 't2', '--tmpfs', '/tmp:rw,size=64m,mode=1770', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      outText(['exec', 't2', 'mount'], hasLines(tmpfsLine('/tmp', 'rw,nosuid,nodev,noexec,relatime,size=65536k,mode=1770'))),
      { cli: ['run', '-d', '--name', 't3', '--mount', 'type=tmpfs,target=/tmp,tmpfs-size=64m', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      outText(['exec', 't3', 'mount'], hasLines(tmpfsLine('/tmp', 'rw,nosuid,nodev,noexec,relatime,size=65536k'))),
      { cli: ['run', '-d', '--name', 't4', '--tmpfs', '/run/secrets:mode=700', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 't4', 'sh', '-c', 'echo s3cret > /run/secrets/token; stat -c "%a %U" /run/secrets; cat /run/secrets/token'], '700 root', 's3cret'),
      { cli: ['run', '-d', '--name', 't5', '--tmpfs', '/cache:size=1g', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      outText(['exec', 't5', 'mount'], hasLines(tmpfsLine('/cache', 'rw,nosuid,nodev,noexec,relatime,size=1048576k'))),
      write('main.c', 'int main(){}\n'),
      out(['run', '--rm', '--tmpfs', '/tmp', '-v', '$(pwd):/src', 'busybox', 'sh', '-c', 'cp /src/main.c /tmp/obj && wc -c < /tmp/obj && cp /tmp/obj /src/artifact'], '13'),
      hostFileIs('artifact', 'int main(){}\n'),
      host('nothing of the tmpfs reached the host', (ctx) => assert.deepEqual(readdirSync(ctx.W).sort(), ['artifact', 'h', 'main.c'])),
      out(['exec', 't1', 'sh', '-c', 'echo gone > /tmp/f']),
      out(['restart', '-t', '1', 't1'], 't1'),
      out(['exec', 't1', 'ls', '-A', '/tmp']),
    ],
  },
  {
    id: 'E-14', title: 'example 1: the database volume outlives its container (postgres:15 → busybox)',
    steps: [
      out(['volume', 'create', 'postgres-data'], 'postgres-data'),
      { cli: ['run', '-d', '--name', 'postgres', '-e', 'POSTGRES_PASSWORD=secret', '-v', 'postgres-data:/var/lib/postgresql/data', '-p', '5432:5432', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'postgres', 'sh', '-c', 'printf "1|Alice\\n2|Bob\\n" > /var/lib/postgresql/data/users; echo $POSTGRES_PASSWORD'], 'secret'),
      out(['stop', '-t', '1', 'postgres'], 'postgres'),
      out(['rm', 'postgres'], 'postgres'),
      { cli: ['run', '-d', '--name', 'postgres', '-e', 'POSTGRES_PASSWORD=secret', '-v', 'postgres-data:/var/lib/postgresql/data', '-p', '5432:5432', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'postgres', 'cat', '/var/lib/postgresql/data/users'], '1|Alice', '2|Bob'),
    ],
  },
  {
    id: 'E-15', title: 'example 4: pipeline with ro input, output bind, cache volume, tmpfs /tmp',
    steps: [
      write('input/a.csv', 'x,1\ny,2\n'),
      mkdir('output'),
      ...[1, 2].map((n): Step => out(['run', '--rm', '-v', '$(pwd)/input:/input:ro', '-v', '$(pwd)/output:/output', '-v', 'processing-cache:/cache', '--tmpfs', '/tmp:size=2g', 'busybox', 'sh', '-c',
        'echo run >> /cache/runs; cut -d, -f2 /input/a.csv > /tmp/col; cp /tmp/col /output/col; wc -l < /cache/runs; grep -c " /tmp " /proc/mounts'], String(n), '1')),
      hostFileIs('output/col', '1\n2\n'),
    ],
  },
  {
    id: 'E-16', title: 'backup method 1: tar czf to $(pwd), restore into the volume and into a new one', runc: true,
    setup: [...seedMyVolume],
    steps: [
      out(['run', '--rm', '-v', 'my-volume:/data', '-v', '$(pwd):/backup', 'busybox', 'tar', 'czf', '/backup/my-volume-backup.tar.gz', '-C', '/data', '.']),
      host('the archive holds the volume', (ctx) => {
        const r = spawnSync('tar', ['tzf', join(ctx.W, 'my-volume-backup.tar.gz')], { encoding: 'utf8' });
        assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['./', './file1.txt', './sub/', './sub/file2.txt']);
      }),
      run('run', '--rm', '-v', 'my-volume:/data', 'busybox', 'sh', '-c', 'rm -rf /data/*'),
      out(['run', '--rm', '-v', 'my-volume:/data', '-v', '$(pwd):/backup', 'busybox', 'tar', 'xzf', '/backup/my-volume-backup.tar.gz', '-C', '/data']),
      holdsSeed('my-volume'),
      out(['volume', 'create', 'my-volume-restored'], 'my-volume-restored'),
      out(['run', '--rm', '-v', 'my-volume-restored:/data', '-v', '$(pwd):/backup', 'busybox', 'tar', 'xzf', '/backup/my-volume-backup.tar.gz', '-C', '/data']),
      holdsSeed('my-volume-restored'),
    ],
  },
  {
    id: 'E-17', title: 'backup method 2: docker cp out of and into a stopped container',
    setup: [...seedMyVolume],
    steps: [
      { cli: ['create', '--name', 'temp', '-v', 'my-volume:/data', 'busybox'], expect: expect(0, '<hex>\n') },
      { cli: ['cp', 'temp:/data', './backup-data'], expect: expect(0, '', /^(Successfully copied .*\n)?$/) },
      out(['rm', 'temp'], 'temp'),
      hostFileIs('backup-data/sub/file2.txt', 'two\n'),
      hostTar('czf', 'backup-data.tar.gz', 'backup-data'),
      host('rm -r backup-data', (ctx) => { rmSync(join(ctx.W, 'backup-data'), { recursive: true }); }),
      run('run', '--rm', '-v', 'my-volume:/data', 'busybox', 'sh', '-c', 'rm -rf /data/*'),
      hostTar('xzf', 'backup-data.tar.gz'),
      { cli: ['create', '--name', 'temp', '-v', 'my-volume:/data', 'busybox'], expect: expect(0, '<hex>\n') },
      { cli: ['cp', './backup-data/.', 'temp:/data'], expect: expect(0, '', /^(Successfully copied .*\n)?$/) },
      out(['rm', 'temp'], 'temp'),
      out(['run', '--rm', '-v', 'my-volume:/data', 'busybox', 'sh', '-c', 'cat /data/file1.txt /data/sub/file2.txt'], 'one', 'two'),
    ],
  },
  {
    id: 'E-18', title: 'method 6: migration through a stream (tar cz > file; -i tar xz < stream) and through a file', runc: true,
    setup: [...seedMyVolume],
    steps: [
      { cli: ['run', '--rm', '-v', 'my-volume:/data', 'busybox', 'tar', 'cz', '-C', '/data', '.'], stdoutFile: 'my-volume.tar.gz', expect: expect(0, '') },
      host('a gzip stream on stdout', (ctx) => assert.deepEqual([...readFileSync(join(ctx.W, 'my-volume.tar.gz')).subarray(0, 2)], [0x1f, 0x8b])),
      out(['volume', 'rm', 'my-volume'], 'my-volume'),
      // "Target host", piped: docker run --rm -i -v my-volume:/data alpine tar xz -C /data
      { cli: ['run', '--rm', '-i', '-v', 'my-volume:/data', 'busybox', 'tar', 'xz', '-C', '/data'], stdinFile: 'my-volume.tar.gz', expect: expect(0, '') },
      holdsSeed('my-volume'),
      out(['volume', 'rm', 'my-volume'], 'my-volume'),
      // "Target host", file transfer: /tmp of the target host is $W/tmp here.
      host('scp my-volume.tar.gz target:/tmp/', (ctx) => {
        mkdirSync(join(ctx.W, 'tmp'));
        writeFileSync(join(ctx.W, 'tmp/my-volume.tar.gz'), readFileSync(join(ctx.W, 'my-volume.tar.gz')));
      }),
      out(['volume', 'create', 'my-volume'], 'my-volume'),
      out(['run', '--rm', '-v', 'my-volume:/data', '-v', '$W/tmp:/backup', 'busybox', 'tar', 'xzf', '/backup/my-volume.tar.gz', '-C', '/data']),
      holdsSeed('my-volume'),
    ],
  },
  {
    id: 'E-19', title: 'verify backups: restore into test-restore, list, remove',
    setup: [...seedMyVolume, run('run', '--rm', '-v', 'my-volume:/data', '-v', '$(pwd):/backup', 'busybox', 'tar', 'czf', '/backup/my-volume-backup.tar.gz', '-C', '/data', '.')],
    steps: [
      out(['volume', 'create', 'test-restore'], 'test-restore'),
      out(['run', '--rm', '-v', 'test-restore:/data', '-v', '$(pwd):/backup', 'busybox', 'tar', 'xzf', '/backup/my-volume-backup.tar.gz', '-C', '/data']),
      outText(['run', '--rm', '-v', 'test-restore:/data', 'busybox', 'ls', '-la', '/data'], (a) => {
        const names = a.split('\n').filter((l) => /^[d-]/.test(l)).map((l) => l.split(/\s+/).pop());
        assert.deepEqual(names, ['.', '..', 'file1.txt', 'sub']);
      }),
      out(['volume', 'rm', 'test-restore'], 'test-restore'),
      { cli: ['volume', 'inspect', 'test-restore'], expect: expect(1, '[]\n', 'Error response from daemon: get test-restore: no such volume\n') },
    ],
  },
  {
    id: 'E-20', title: 'backup metadata: volume inspect and inspect as JSON files',
    setup: [...seedMyVolume, run('create', '--name', 'my-container', '-v', 'my-volume:/data', 'busybox')],
    steps: [
      { cli: ['volume', 'inspect', 'my-volume'], stdoutFile: 'my-volume-metadata.json', expect: expect(0, '') },
      { cli: ['inspect', 'my-container'], stdoutFile: 'my-container-metadata.json', expect: expect(0, '') },
      host('the metadata files are JSON describing the volume and its user', (ctx: Ctx) => {
        const v = JSON.parse(readFileSync(join(ctx.W, 'my-volume-metadata.json'), 'utf8')) as Json;
        assert.ok(Array.isArray(v) && v.length === 1);
        assert.deepEqual([pickS(v[0], 'Name'), pickS(v[0], 'Driver'), pickS(v[0], 'Mountpoint')], ['my-volume', 'local', ctx.volumeData('my-volume')]);
        const c = JSON.parse(readFileSync(join(ctx.W, 'my-container-metadata.json'), 'utf8')) as Json;
        assert.ok(Array.isArray(c) && c.length === 1);
        assert.equal(pickS(c[0], 'Name'), '/my-container');
        const mounts = pickS(c[0], 'Mounts');
        assert.ok(Array.isArray(mounts) && mounts.some((m) => pickS(m, 'Name') === 'my-volume' && pickS(m, 'Destination') === '/data'), JSON.stringify(mounts));
      }),
    ],
  },
  {
    id: 'E-21', title: 'the 1 GiB dd of the performance section: volume, bind, tmpfs',
    timeoutMs: 300_000,
    steps: [
      mkdir('test'),
      // The three runs are independent: in parallel, as three shells would run them.
      host('docker run --rm <volume | bind | tmpfs> busybox dd if=/dev/zero of=/data/test bs=1M count=1024, all three at once', async (ctx) => {
        const mounts = [['-v', 'test-volume:/data'], ['-v', '$(pwd)/test:/data'], ['--tmpfs', '/data:size=2g']];
        const results = await Promise.all(mounts.map((m) => ctx.run(['run', '--rm', ...m, 'busybox', 'sh', '-c',
          'dd if=/dev/zero of=/data/test bs=1M count=1024 2>&1 | head -2; wc -c < /data/test'], { timeoutMs: 240_000 })));
        results.forEach((r, i) => {
          assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: '1024+0 records in\n1024+0 records out\n1073741824\n', stderr: '' }, mounts[i]?.join(' '));
        });
      }),
      host('the bind mount\'s 1 GiB file is on the host', (ctx) => assert.equal(statSync(join(ctx.W, 'test/test')).size, 1073741824)),
    ],
  },
  {
    id: 'E-22', title: 'pattern 2: ./config.yml bound read-only (relative path), per-environment data volumes',
    steps: [
      write('config.yml', 'env: prod\n'),
      write('config.dev.yml', 'env: dev\n'),
      { cli: ['run', '-d', '--name', 'app', '-v', './config.yml:/app/config.yml:ro', '-v', 'app-data:/app/data', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      { cli: ['run', '-d', '--name', 'app-dev', '-v', './config.dev.yml:/app/config.yml:ro', '-v', 'app-dev-data:/app/data', 'busybox', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'app', 'cat', '/app/config.yml'], 'env: prod'),
      out(['exec', 'app-dev', 'cat', '/app/config.yml'], 'env: dev'),
      out(['inspect', '-f', '{{json .HostConfig.Binds}}', 'app'], '["$W/config.yml:/app/config.yml:ro","app-data:/app/data"]'),
    ],
  },
  {
    id: 'E-23', title: 'pattern 3: multi-stage processing through volumes, later stages read-only',
    steps: [
      out(['run', '--rm', '-v', 'raw-data:/data', 'busybox', 'sh', '-c', 'printf "b\\na\\nc\\n" > /data/raw']),
      out(['run', '--rm', '-v', 'raw-data:/input:ro', '-v', 'processed-data:/output', 'busybox', 'sh', '-c', 'sort /input/raw > /output/sorted; touch /input/x 2>&1 || true'],
        'touch: /input/x: Read-only file system'),
      out(['run', '--rm', '-v', 'processed-data:/data:ro', 'busybox', 'cat', '/data/sorted'], 'a', 'b', 'c'),
    ],
  },
];

function pickS(v: Json | undefined, key: string): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? v[key] : undefined;
}

runTable('reference document end to end', cases, { serial: true });
