/**
 * `docker commit` and `docker export` (docker-storage-semantics §10 W-08, §6 A-21), through the
 * stock docker CLI and bin/ballast (containers-harness.ts runs every case with both clients and
 * checks that nothing stays mounted).
 *
 *   - commit captures the writable layer, not volume content; mount points stay (empty);
 *   - anonymous `-v /x` becomes an image VOLUME, a named volume does not;
 *   - `--change`, `--message`, `--author`; a running container is paused meanwhile, then runs on;
 *   - deletions (whiteouts, opaque directories) stay deleted in the committed image, and in a
 *     commit built on top of it;
 *   - export streams the whole file system (the layer's changes included, nothing under mounts),
 *     of stopped and running containers, to stdout or `-o FILE`, never to a terminal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cliBinary, cliEnv } from '../helpers/cli.js';
import {
  daemonErr, expect, host, out, outText, run, runTable, type Case, type Ctx, type DoStep, type Step,
} from './containers-harness.js';

/** Entry names of a tar file in $W (`tar tf`), without a trailing slash. */
function tarNames(ctx: Ctx, file: string): string[] {
  const r = spawnSync('tar', ['tf', join(ctx.W, file)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `tar tf ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''));
}

/** One member's content (`tar xOf`). */
function tarMember(ctx: Ctx, file: string, member: string): string {
  const r = spawnSync('tar', ['xOf', join(ctx.W, file), member], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar xOf ${file} ${member}: ${r.stderr}`);
  return r.stdout;
}

function tarHas(file: string, present: readonly string[], absent: readonly string[]): DoStep {
  return {
    label: `${file}: has ${present.join(' ')}; not ${absent.join(' ')}`,
    do: (ctx) => {
      const names = new Set(tarNames(ctx, file));
      for (const p of present) assert.ok(names.has(p), `${file} lacks ${p} (${names.size} entries)`);
      for (const a of absent) assert.ok(!names.has(a), `${file} has ${a}`);
    },
  };
}

function tarFile(file: string, member: string, content: string): DoStep {
  return { label: `${file}: ${member}`, do: (ctx) => assert.equal(tarMember(ctx, file, member), content) };
}

/** `<cli> export NAME` with stdout on a pseudo-terminal (util-linux script). */
const exportToTerminal: DoStep = {
  label: 'export to a terminal is refused',
  do: (ctx) => {
    const cmd = `${cliBinary(ctx.cliKind)} export ${ctx.name('spec-x')}`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: cliEnv(ctx.cliKind, ctx.engine.host), timeout: 60_000 });
    assert.equal(r.status, 1, `exit status; output: ${JSON.stringify(r.stdout)}`);
    assert.equal(r.stdout.replace(/\r/g, ''), 'cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
  },
};

const commitOk = (args: readonly string[]): Step => ({ cli: ['commit', ...args], expect: expect(0, 'sha256:<hex>\n') });
const inspectImage = (image: string, format: string, ...lines: string[]): Step => out(['image', 'inspect', '-f', format, image], ...lines);

const cases: Case[] = [
  {
    id: 'W-08', title: 'commit keeps the layer, not the volume content; /vol stays, empty', runc: true,
    steps: [
      out(['run', '--name', 'spec-x', '-v', 'spec-cmv:/vol', 'spec-full', 'sh', '-c', 'echo r > /rootf; echo v > /vol/v']),
      commitOk(['spec-x', 'spec-img']),
      out(['run', '--rm', 'spec-img', 'sh', '-c', 'cat /rootf; ls -A /vol; test -d /vol && echo dir; echo end'], 'r', 'dir', 'end'),
      out(['run', '--rm', '-v', 'spec-cmv:/vol', 'spec-full', 'cat', '/vol/v'], 'v'),
    ],
  },
  {
    id: 'A-21', title: 'anonymous -v becomes an image VOLUME, a named volume does not',
    steps: [
      run('create', '--name', 'spec-x', '-v', '/anonx', '-v', 'spec-cmn:/named', 'spec-full', 'true'),
      commitOk(['spec-x', 'spec-img']),
      inspectImage('spec-img', '{{json .Config.Volumes}} {{json .ContainerConfig.Volumes}}', '{"/anonx":{}} {"/anonx":{}}'),
    ],
  },
  {
    id: 'CM-01', title: "--change 'CMD …', --message and --author; container_config is the container's",
    steps: [
      run('create', '--name', 'spec-x', 'spec-full', 'true'),
      commitOk(['--change', 'CMD ["cat", "/etc/app/app.conf"]', '-c', 'ENV A=1', '-m', 'the message', '-a', 'me <me@x>', 'spec-x', 'spec-img:v1']),
      out(['run', '--rm', 'spec-img:v1'], 'appconf'),
      inspectImage('spec-img:v1', '{{json .Config.Cmd}} {{json .Config.Env}} {{.Author}} {{json .ContainerConfig.Cmd}} {{.Comment}}',
        '["cat","/etc/app/app.conf"] ["A=1"] me <me@x> ["true"] the message'),
      outText(['image', 'history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'spec-img:v1'], (a) => {
        const lines = a.split('\n').filter(Boolean);
        assert.equal(lines[0], 'true|the message', a);
        assert.equal(lines.at(-1), '|Imported from -', a);
      }),
      commitOk(['--change', 'CMD echo shell form', 'spec-x', 'spec-img:v2']),
      out(['run', '--rm', 'spec-img:v2'], 'shell form'),
      { cli: ['commit', '--change', 'RUN true', 'spec-x'], expect: expect(1, '', 'Error response from daemon: run is not a valid change command\n') },
    ],
  },
  {
    id: 'CM-02', title: 'deleted files stay deleted (whiteouts, opaque directories), also one commit later',
    steps: [
      out(['run', '--name', 'spec-x', 'spec-full', 'sh', '-c', 'rm /file.txt; rm -r /data/sub; rm -rf /imgdir; mkdir /imgdir; echo n > /imgdir/new']),
      commitOk(['spec-x', 'spec-img']),
      out(['run', '--rm', 'spec-img', 'sh', '-c', 'ls -A /imgdir; ls -A /data; test -e /file.txt || echo no-file'], 'new', 'hello.txt', 'link', 'no-file'),
      out(['run', '--name', 'spec-y', 'spec-img', 'sh', '-c', 'echo z > /imgdir/z; rm /data/link']),
      commitOk(['spec-y', 'spec-img2']),
      out(['run', '--rm', 'spec-img2', 'sh', '-c', 'ls -A /imgdir; ls -A /data; test -e /file.txt || echo no-file'], 'new', 'z', 'hello.txt', 'no-file'),
      host('two more layers than spec-full', async (ctx) => {
        const count = async (image: string): Promise<number> =>
          Number((await ctx.ok(['image', 'inspect', '-f', '{{len .RootFS.Layers}}', image])).stdout.trim());
        assert.equal(await count('spec-img2'), (await count('spec-full')) + 2);
      }),
    ],
  },
  {
    id: 'CM-03', title: 'commit of a running container pauses it and lets it run on; --pause=false',
    steps: [
      { cli: ['run', '-d', '--name', 'spec-x', 'spec-full', 'sh', '-c', 'echo live > /live; sleep 300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'spec-x', 'cat', '/live'], 'live'),
      commitOk(['spec-x', 'spec-img:a']),
      out(['inspect', '-f', '{{.State.Status}}', 'spec-x'], 'running'),
      commitOk(['--pause=false', 'spec-x', 'spec-img:b']),
      out(['run', '--rm', 'spec-img:a', 'cat', '/live'], 'live'),
      out(['run', '--rm', 'spec-img:b', 'cat', '/live'], 'live'),
    ],
  },
  {
    id: 'CM-04', title: 'commit and export of a missing container',
    steps: [
      daemonErr(['commit', 'spec-nonexist'], 'No such container: spec-nonexist'),
      daemonErr(['export', 'spec-nonexist'], 'No such container: spec-nonexist'),
    ],
  },
  {
    id: 'EX-01', title: "export of a stopped container: the layer's changes, nothing under mounts", runc: true,
    steps: [
      out(['run', '--name', 'spec-x', '-v', 'spec-exv:/vol', '--tmpfs', '/tmpx', 'spec-full', 'sh', '-c',
        'echo r > /rootf; rm /imgdir/img.txt; echo v > /vol/v; echo t > /tmpx/t; echo i > /etc/app/app.conf']),
      { cli: ['export', 'spec-x'], stdoutFile: 'x.tar', expect: expect(0) },
      tarHas('x.tar', ['bin/busybox', 'rootf', 'imgdir', 'vol', 'tmpx', 'data/sub/nested.txt', 'file.txt'], ['imgdir/img.txt', 'vol/v', 'tmpx/t']),
      tarFile('x.tar', 'rootf', 'r\n'),
      tarFile('x.tar', 'etc/app/app.conf', 'i\n'),
      out(['export', '-o', '$W/o.tar', 'spec-x']),
      host('-o writes the same tar', (ctx) => assert.deepEqual(tarNames(ctx, 'o.tar'), tarNames(ctx, 'x.tar'))),
      out(['container', 'export', '--output', '$W/c.tar', 'spec-x']),
      tarFile('c.tar', 'rootf', 'r\n'),
      exportToTerminal,
    ],
  },
  {
    id: 'EX-02', title: 'export of a running container and of a never-started one',
    steps: [
      { cli: ['run', '-d', '--name', 'spec-x', 'spec-full', 'sh', '-c', 'echo live > /live; sleep 300'], expect: expect(0, '<hex>\n') },
      out(['exec', 'spec-x', 'cat', '/live'], 'live'),
      { cli: ['export', 'spec-x'], stdoutFile: 'run.tar', expect: expect(0) },
      tarFile('run.tar', 'live', 'live\n'),
      out(['inspect', '-f', '{{.State.Status}}', 'spec-x'], 'running'),
      run('create', '--name', 'spec-y', 'spec-full', 'true'),
      { cli: ['export', 'spec-y'], stdoutFile: 'new.tar', expect: expect(0) },
      tarHas('new.tar', ['bin/busybox', 'imgdir/img.txt', 'file.txt'], ['live']),
    ],
  },
];

runTable('commit and export', cases);
