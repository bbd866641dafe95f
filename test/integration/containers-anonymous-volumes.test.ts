/**
 * docker-storage-semantics §6: anonymous volumes and `--volumes-from` (A-01 … A-23), every case
 * dockerd 20.10 passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import {
  anonMount, bindMount, created, daemonErr, expect, fieldsAre, host, inspect, mountsAre, out, pat, run,
  runErr, runTable, sortMounts, volMount, type Case, type Ctx, type Step,
} from './containers-harness.js';

const RO = (p: string): string => `touch: ${p}: Read-only file system`;
/** Save the name of the volume mounted at `dst` in `container` as `as`. */
const saveVolume = (container: string, dst: string, as: string): Step => ({
  cli: ['container', 'inspect', '-f', `{{range .Mounts}}{{if eq .Destination "${dst}"}}{{.Name}}{{end}}{{end}}`, container],
  save: as,
});
const volExists = (as: string): Step => ({ cli: (ctx: Ctx) => ['volume', 'inspect', '-f', '{{.Name}}', ctx.v(as)], expect: expect(0, '<hex>\n') });
const volGone = (as: string): Step => ({
  cli: (ctx: Ctx) => ['volume', 'inspect', ctx.v(as)],
  expect: expect(1, '[]\n', 'Error response from daemon: get <hex>: no such volume\n'),
});
const rmVolume = (as: string): Step => ({ cli: (ctx: Ctx) => ['volume', 'rm', ctx.v(as)] });
/** Wait until the container is gone (the daemon removes --rm containers after they exit). */
const waitGone = (name: string): Step => host(`wait for ${name} to be removed`, async (ctx) => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await ctx.engine.api.request('GET', `/containers/${ctx.name(name)}/json`);
    if (r.status === 404) return;
    if (Date.now() > deadline) assert.fail(`${name} still there: ${r.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
});
/** The §6 source container of A-10 … A-15: a named volume at /a, $H read-only at /b. */
const srcAB: Step = created(['create', '--name', 'spec-src', '-v', 'spec-vfa:/a', '-v', '$H:/b:ro', 'spec-full', 'true']);
const TOUCH_AB = 'touch /a/x && echo a-ok; touch /b/x';

const cases: Case[] = [
  {
    id: 'A-01', title: '-v /data: anonymous volume rendered with Mode ""',
    steps: [
      created(['create', '--name', 'spec-a', '-v', '/data', 'spec-full']),
      mountsAre('spec-a', anonMount('/data')),
      fieldsAre('spec-a', { 'Config.Volumes': { '/data': {} }, 'HostConfig.Binds': null, 'HostConfig.Mounts': null }),
    ],
  },
  {
    id: 'A-02', title: 'the anonymous volume: no labels, no options, image content copied',
    steps: [
      created(['create', '--name', 'spec-a', '-v', '/data', 'spec-full']),
      saveVolume('spec-a', '/data', 'anon'),
      { cli: (ctx: Ctx) => ['volume', 'inspect', '-f', '{{json .Labels}} {{json .Options}} {{.Driver}}', ctx.v('anon')], expect: expect(0, 'null null local\n') },
      { cli: (ctx: Ctx) => ['run', '--rm', '-v', `${ctx.v('anon')}:/x`, 'busybox', 'ls', '-A', '/x'], expect: expect(0, 'hello.txt\nlink\nsub\n') },
    ],
  },
  {
    id: 'A-03', title: 'rm without -v leaves the anonymous volume',
    steps: [
      created(['create', '--name', 'spec-a', '-v', '/data', 'spec-full']),
      saveVolume('spec-a', '/data', 'anon'),
      out(['rm', 'spec-a'], 'spec-a'),
      volExists('anon'),
    ],
    teardown: [rmVolume('anon')],
  },
  {
    id: 'A-04', title: '--rm removes the anonymous volumes (-v and --mount), keeps the named one', runc: true,
    steps: [
      { cli: ['run', '-d', '--rm', '--name', 'spec-r', '-v', 'spec-named:/n', '-v', '/anon', '--mount', 'type=volume,dst=/anon2', 'spec-full', 'sleep', '300'], expect: expect(0, '<hex>\n') },
      saveVolume('spec-r', '/anon', 'a1'),
      saveVolume('spec-r', '/anon2', 'a2'),
      mountsAre('spec-r', volMount('spec-named', '/n'), anonMount('/anon'), anonMount('/anon2', 'z')),
      out(['stop', '-t', '1', 'spec-r'], 'spec-r'),
      waitGone('spec-r'),
      volGone('a1'),
      volGone('a2'),
      out(['volume', 'inspect', '-f', '{{.Name}}', 'spec-named'], 'spec-named'),
    ],
  },
  {
    id: 'A-05', title: 'rm -v removes the anonymous volume, keeps the named one',
    steps: [
      created(['create', '--name', 'spec-x', '-v', 'spec-named3:/n', '-v', '/anon', 'spec-full', 'true']),
      saveVolume('spec-x', '/anon', 'anon'),
      out(['rm', '-v', 'spec-x'], 'spec-x'),
      volGone('anon'),
      out(['volume', 'inspect', '-f', '{{.Name}}', 'spec-named3'], 'spec-named3'),
    ],
  },
  {
    id: 'A-06', title: 'image VOLUMEs become two anonymous volumes, /data populated', runc: true,
    steps: [
      created(['create', '--name', 'spec-x', 'spec-vol', 'true']),
      mountsAre('spec-x', anonMount('/data'), anonMount('/empty-vol')),
      fieldsAre('spec-x', { 'Config.Volumes': { '/data': {}, '/empty-vol': {} } }),
      saveVolume('spec-x', '/data', 'd'),
      { cli: (ctx: Ctx) => ['run', '--rm', '-v', `${ctx.v('d')}:/x`, 'busybox', 'ls', '-A', '/x'], expect: expect(0, 'hello.txt\nlink\nsub\n') },
    ],
  },
  {
    id: 'A-07', title: 'explicit mounts suppress the image volumes',
    steps: [
      created(['create', '--name', 'spec-x', '-v', 'spec-ivn:/data', '-v', '$H:/empty-vol', 'spec-vol']),
      mountsAre('spec-x', volMount('spec-ivn', '/data'), bindMount('$H', '/empty-vol')),
    ],
  },
  {
    id: 'A-08', title: '--tmpfs and --mount tmpfs suppress the image volumes',
    steps: [
      created(['create', '--name', 'spec-x', '--tmpfs', '/data', '--mount', 'type=tmpfs,dst=/empty-vol', 'spec-vol']),
      inspect('spec-x', (c) => assert.deepEqual(sortMounts(c['Mounts']), [{ Type: 'tmpfs', Source: '', Destination: '/empty-vol', Mode: '', RW: true, Propagation: '' }])),
    ],
  },
  {
    id: 'A-09', title: '--volumes-from a container with --mount tmpfs: 404 "get: no such volume"',
    setup: [created(['create', '--name', 'spec-src', '--mount', 'type=tmpfs,dst=/tmpm', 'spec-full', 'true'])],
    steps: [
      { cli: ['create', '--volumes-from', 'spec-src', 'spec-full', 'true'], expect: expect(1, '', /^Unable to find image 'spec-full:latest' locally\n[^]*$/), timeoutMs: 120_000 },
      daemonErr(['create', '--pull', 'never', '--volumes-from', 'spec-src', 'spec-full', 'true'], 'get: no such volume'),
    ],
  },
  {
    id: 'A-10', title: '--volumes-from src:ro makes every inherited mount read-only', runc: true,
    setup: [srcAB],
    steps: [{
      cli: ['run', '--rm', '--volumes-from', 'spec-src:ro', 'spec-full', 'sh', '-c', 'touch /a/x; touch /b/x; grep -E " /(a|b) " /proc/self/mountinfo | cut -d" " -f5,6 | cut -d, -f1 | sort'],
      expect: expect(0, '/a ro\n/b ro\n', `${RO('/a/x')}\n${RO('/b/x')}\n`),
    }],
  },
  {
    id: 'A-11', title: ':rw, :z, :Z or no mode: /a rw, /b stays ro',
    setup: [srcAB],
    steps: ['spec-src:rw', 'spec-src:z', 'spec-src:Z', 'spec-src'].map((vf): Step => ({
      cli: ['run', '--rm', '--volumes-from', vf, 'spec-full', 'sh', '-c', TOUCH_AB],
      expect: expect(1, 'a-ok\n', `${RO('/b/x')}\n`),
    })),
  },
  {
    id: 'A-12', title: 'propagation, nocopy, two access modes or junk → invalid mode',
    setup: [srcAB],
    steps: ['nocopy', 'shared', 'rw,ro', 'foo'].map((m) => runErr(['run', '--rm', '--volumes-from', `spec-src:${m}`, 'spec-full', 'true'], `invalid mode: ${m}`)),
  },
  { id: 'A-13', title: 'an unknown container', steps: [runErr(['run', '--rm', '--volumes-from', 'spec-nonexist', 'spec-full', 'true'], 'No such container: spec-nonexist')] },
  { id: 'A-14', title: 'an empty --volumes-from', steps: [daemonErr(['create', '--volumes-from', '', 'spec-full', 'true'], 'volumes-from specification cannot be an empty string')] },
  {
    id: 'A-15', title: 'a -v at an inherited destination overrides it silently', runc: true,
    setup: [srcAB],
    steps: [
      created(['create', '--name', 'spec-x', '--volumes-from', 'spec-src', '-v', 'spec-vfb:/a', 'spec-full', 'true']),
      mountsAre('spec-x', volMount('spec-vfb', '/a'), bindMount('$H', '/b', '', false)),
      out(['run', '--rm', '--volumes-from', 'spec-src', '-v', 'spec-vfb:/a', 'spec-full', 'sh', '-c', 'echo b > /a/m; cat /b/hello.txt'], 'from-host'),
      out(['run', '--rm', '-v', 'spec-vfb:/x', 'busybox', 'cat', '/x/m'], 'b'),
      out(['run', '--rm', '-v', 'spec-vfa:/x', 'busybox', 'ls', '-A', '/x']),
    ],
  },
  {
    id: 'A-16', title: 'inherited mounts: Mode not copied, RW from the source',
    setup: [created(['create', '--name', 'spec-src', '-v', 'spec-mm:/a:ro', '-v', '/anonm', 'spec-full', 'true'])],
    steps: [
      created(['create', '--name', 'spec-x', '--volumes-from', 'spec-src:rw', 'spec-full', 'true']),
      mountsAre('spec-x', volMount('spec-mm', '/a', '', false), anonMount('/anonm')),
    ],
  },
  {
    id: 'A-17', title: 'HostConfig.Tmpfs is not inherited; the bind is', runc: true,
    setup: [created(['create', '--name', 'spec-src', '--tmpfs', '/tmpf', '-v', '$H:/bind:ro', 'spec-full', 'true'])],
    steps: [
      created(['create', '--name', 'spec-x', '--volumes-from', 'spec-src', 'spec-full', 'true']),
      mountsAre('spec-x', bindMount('$H', '/bind', '', false)),
      fieldsAre('spec-x', { 'HostConfig.Tmpfs': null, 'HostConfig.VolumesFrom': ['spec-src'] }),
      out(['run', '--rm', '--volumes-from', 'spec-src', 'spec-full', 'sh', '-c', 'grep -c " /tmpf " /proc/self/mountinfo; cat /bind/hello.txt'], '0', 'from-host'),
    ],
  },
  {
    id: 'A-18', title: '--rm with --volumes-from keeps the source\'s anonymous volume',
    setup: [created(['create', '--name', 'spec-src', '-v', '/anon', 'spec-full', 'true']), saveVolume('spec-src', '/anon', 'anon')],
    steps: [out(['run', '--rm', '--volumes-from', 'spec-src', 'spec-full', 'true']), volExists('anon')],
  },
  {
    id: 'A-19', title: 'rm -v of the source keeps a volume another container references',
    setup: [created(['create', '--name', 'spec-src', '-v', '/anon', 'spec-full', 'true']), saveVolume('spec-src', '/anon', 'anon')],
    steps: [
      created(['create', '--name', 'spec-user', '--volumes-from', 'spec-src', 'spec-full', 'true']),
      out(['rm', '-v', 'spec-src'], 'spec-src'),
      volExists('anon'),
    ],
  },
  {
    id: 'A-20', title: 'rm -v of the last user removes the inherited anonymous volume',
    setup: [
      created(['create', '--name', 'spec-src', '-v', '/anon', 'spec-full', 'true']),
      saveVolume('spec-src', '/anon', 'anon'),
      created(['create', '--name', 'spec-user', '--volumes-from', 'spec-src', 'spec-full', 'true']),
      run('rm', '-v', 'spec-src'),
    ],
    steps: [out(['rm', '-v', 'spec-user'], 'spec-user'), volGone('anon')],
  },
  {
    id: 'A-21', title: 'commit turns an anonymous -v into an image VOLUME (not a named one)',
    steps: [
      created(['create', '--name', 'spec-x', '-v', '/anonx', '-v', 'spec-cmn:/named', 'spec-full', 'true']),
      { cli: ['commit', 'spec-x', 'spec-img'], expect: expect(0, 'sha256:<hex>\n') },
      out(['image', 'inspect', '-f', '{{json .Config.Volumes}}', 'spec-img'], '{"/anonx":{}}'),
    ],
  },
  {
    id: 'A-22', title: 'an image VOLUME over a file fails at create',
    steps: [daemonErr(['create', '--name', 'spec-x', 'spec-filevol'], pat('cannot mount volume over existing file, file exists <root>/...file.txt'))],
  },
  {
    id: 'A-23', title: 'an explicit nocopy mount suppresses that image VOLUME',
    steps: [created(['create', '--name', 'spec-x', '-v', 'spec-vff:/file.txt:nocopy', 'spec-filevol']), mountsAre('spec-x', volMount('spec-vff', '/file.txt', 'nocopy'))],
  },
  {
    id: 'A-R1', title: '--rm with a failed start still removes the container', runc: true,
    steps: [
      { cli: ['run', '--rm', '--name', 'spec-x', '-v', '/anon', '-v', '$H:/file.txt', 'spec-full', 'true'], expect: expect(125, '', /^<cli>: Error response from daemon: /) },
      waitGone('spec-x'),
      { cli: ['container', 'inspect', 'spec-x'], expect: expect(1, '[]\n', 'Error response from daemon: No such container: spec-x\n') },
    ],
  },
];

runTable('§6 anonymous volumes and --volumes-from', cases, { fixtures: { filevol: true } });
