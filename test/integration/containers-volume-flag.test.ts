/**
 * docker-storage-semantics §2: the `-v` / `--volume` short syntax (V-01 … V-50), every case
 * dockerd 20.10 passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  anonMount, bindMount, cliErr, created, daemonErr, expect, fieldsAre, host, mountsAre, out, pat, run, runErr,
  runTable, volMount, type Case, type Ctx, type Step,
} from './containers-harness.js';

/** `create --name spec-x -v <spec>… spec-full true` */
const createV = (...specs: string[]): string[] => ['create', '--name', 'spec-x', ...specs.flatMap((s) => ['-v', s]), 'spec-full', 'true'];
const createVn = (n: string, ...specs: string[]): string[] => ['create', '--name', n, ...specs.flatMap((s) => ['-v', s]), 'spec-full', 'true'];

const invalidSpec = (raw: string, rest = ''): string => `invalid volume specification: '${raw}'${rest}`;
const cfg = (type: string, msg: string): string => `: invalid mount config for type "${type}": ${msg}`;
const mustBeAbs = (t: string): string => `invalid mount path: '${t}' mount path must be absolute`;
const NOT_SLASH = "invalid specification: destination can't be '/'";
const invalidName = (n: string): string =>
  `create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
/** Shell: print the argument when it is a mount point in the container (busybox has no `mountpoint`). */
const MP = 'mp() { cut -d" " -f5 /proc/self/mountinfo | grep -x "$1"; }; mp';
const MOUNT_TYPE_HINT = 'Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type';

function hostFile(rel: string, content: string): Step {
  return host(`write $W/${rel}`, (ctx) => writeFileSync(join(ctx.W, rel), content));
}

/** One create per mode, each inspected: Mode verbatim, RW false only with `ro`. */
function modeSteps(source: string, modes: readonly string[], bind: boolean): Step[] {
  return modes.flatMap((m, i): Step[] => {
    const n = `spec-m${i}`;
    const rw = !m.split(',').includes('ro');
    const props = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate'];
    const prop = m.split(',').find((x) => props.includes(x)) ?? 'rprivate';
    return [
      created(createVn(n, `${source}:/data:${m}`)),
      mountsAre(n, bind ? bindMount('$H', '/data', m, rw, prop) : volMount('spec-v1', '/data', m, rw)),
    ];
  });
}

const cases: Case[] = [
  {
    id: 'V-01', title: 'named volume: mode "z", rw, no propagation; Binds keeps the spec',
    steps: [
      created(createV('spec-v1:/data')),
      mountsAre('spec-x', volMount('spec-v1', '/data')),
      fieldsAre('spec-x', { 'HostConfig.Binds': ['spec-v1:/data'], 'Config.Volumes': null }),
      out(['volume', 'ls', '-q', '--filter', 'name=spec-v1'], 'spec-v1'),
    ],
  },
  {
    id: 'V-02', title: 'bind: mode "", rw, rprivate',
    steps: [created(createV('$H:/data')), mountsAre('spec-x', bindMount('$H', '/data')), fieldsAre('spec-x', { 'HostConfig.Binds': ['$H:/data'] })],
  },
  {
    id: 'V-03', title: 'one token: anonymous volume in Config.Volumes, not Binds',
    steps: [
      created(createV('/data')),
      mountsAre('spec-x', anonMount('/data')),
      fieldsAre('spec-x', { 'HostConfig.Binds': null, 'Config.Volumes': { '/data': {} } }),
    ],
  },
  {
    id: 'V-04', title: 'volume modes ro rw z Z nocopy consistent cached delegated accepted verbatim',
    steps: modeSteps('spec-v1', ['ro', 'rw', 'z', 'Z', 'nocopy', 'consistent', 'cached', 'delegated'], false),
  },
  {
    id: 'V-05', title: 'bind propagation modes stored as given',
    steps: modeSteps('$H', ['shared', 'rslave', 'private', 'slave', 'rshared', 'rprivate'], true),
  },
  { id: 'V-06', title: 'ro,z,nocopy,cached on a volume', steps: modeSteps('spec-v1', ['ro,z,nocopy,cached'], false) },
  { id: 'V-07', title: 'ro,Z,rshared,delegated on a bind (create)', steps: modeSteps('$H', ['ro,Z,rshared,delegated'], true) },
  { id: 'V-08', title: 'order is free: z,ro', steps: modeSteps('spec-v1', ['z,ro'], false) },
  { id: 'V-09', title: 'ro,rw → invalid mode', steps: [daemonErr(createV('spec-v1:/data:ro,rw'), 'invalid mode: ro,rw')] },
  {
    id: 'V-10', title: 'two of one group → invalid mode',
    steps: ['z,Z', 'ro,ro', 'shared,rslave', 'nocopy,nocopy', 'cached,delegated'].map((m) => daemonErr(createV(`spec-v1:/data:${m}`), `invalid mode: ${m}`)),
  },
  {
    id: 'V-11', title: 'unknown, upper-case or empty items → invalid mode',
    steps: ['foo', 'RO', 'ro,', ',ro'].map((m) => daemonErr(createV(`spec-v1:/data:${m}`), `invalid mode: ${m}`)),
  },
  {
    id: 'V-12', title: 'propagation on a volume',
    steps: [daemonErr(createV('spec-v1:/data:shared'), invalidSpec('spec-v1:/data:shared', cfg('volume', 'field BindOptions must not be specified')))],
  },
  {
    id: 'V-13', title: 'nocopy on a bind',
    steps: [daemonErr(createV('$H:/data:nocopy'), invalidSpec('$H:/data:nocopy', cfg('bind', 'field VolumeOptions must not be specified')))],
  },
  {
    id: 'V-14', title: 'a mode without a source',
    steps: [daemonErr(createV('/data:ro'), invalidSpec('/data:ro')), daemonErr(createV('/data:nocopy'), invalidSpec('/data:nocopy'))],
  },
  { id: 'V-15', title: 'relative target (volume)', steps: [daemonErr(createV('spec-v1:data'), invalidSpec('spec-v1:data', cfg('volume', mustBeAbs('data'))))] },
  { id: 'V-16', title: 'relative target (bind)', steps: [daemonErr(createV('$H:data'), invalidSpec('$H:data', cfg('bind', mustBeAbs('data'))))] },
  {
    id: 'V-17', title: "target / (also /data/..) for a volume",
    steps: ['spec-v1:/', 'spec-v1:/data/..'].map((s) => daemonErr(createV(s), invalidSpec(s, cfg('volume', NOT_SLASH)))),
  },
  { id: 'V-18', title: 'target / for a bind', steps: [daemonErr(createV('$H:/'), invalidSpec('$H:/', cfg('bind', NOT_SLASH)))] },
  { id: 'V-19', title: 'a:b:c:d passes the CLI (drive letter) and fails in the daemon', steps: [daemonErr(createV('a:b:c:d'), invalidSpec('a:b:c:d'))] },
  {
    id: 'V-20', title: 'four sections → client error: too many colons',
    steps: ['spec-v1:/data:ro:z', 'spec-v1:/data:ro:'].map((s) => cliErr(createV(s), 'create', `invalid spec: ${s}: too many colons`)),
  },
  {
    id: 'V-21', title: 'empty sections → client error',
    steps: ['::/data', ':/data', 'spec-v1:/data:', 'spec-v1::/data'].map((s) => cliErr(createV(s), 'create', `invalid spec: ${s}: empty section between colons`)),
  },
  { id: 'V-22', title: 'empty spec → client error', steps: [cliErr(createV(''), 'create', 'invalid empty volume spec')] },
  { id: 'V-23', title: '~ is not expanded: a volume name', steps: [daemonErr(createV('~/spec:/data'), invalidName('~/spec'))] },
  { id: 'V-24', title: 'rel/x is a volume name', steps: [daemonErr(createV('rel/x:/data'), invalidName('rel/x'))] },
  { id: 'V-25', title: 'a name with a space', steps: [daemonErr(createV('spec v1:/data'), invalidName('spec v1'))] },
  {
    id: 'V-26', title: 'x:/data is one token (drive letter): anonymous volume at /x:/data', runc: true,
    steps: [
      created(createV('x:/data')),
      fieldsAre('spec-x', { 'Config.Volumes': { 'x:/data': {} }, 'HostConfig.Binds': null }),
      mountsAre('spec-x', anonMount('x:/data')),
      out(['run', '--rm', '-v', 'x:/data', 'spec-full', 'sh', '-c', `${MP} /x:/data && ls -d /x: && echo hi > /x:/data/f && cat /x:/data/f`],
        '/x:/data', '/x:', 'hi'),
    ],
  },
  {
    id: 'V-27', title: 'raw API Binds ["x:/data"] → 400 too short',
    steps: [
      host('POST /containers/create', async (ctx) => {
        const r = await ctx.engine.api.request('POST', `/v1.41/containers/create?name=${ctx.name('spec-x')}`, {
          body: { Image: 'spec-full', Cmd: ['true'], HostConfig: { Binds: ['x:/data'] } },
        });
        assert.equal(r.status, 400, r.body);
        assert.deepEqual(JSON.parse(r.body), { message: 'create x: volume name is too short, names should be at least two alphanumeric characters' });
      }),
    ],
  },
  {
    id: 'V-28', title: 'ab and /a are anonymous targets; -v ab mounts at /ab, not relative to -w', runc: true,
    steps: [
      created(createV('ab')),
      fieldsAre('spec-x', { 'Config.Volumes': { ab: {} } }),
      mountsAre('spec-x', anonMount('ab')),
      created(createVn('spec-y', '/a')),
      mountsAre('spec-y', anonMount('/a')),
      out(['run', '--rm', '-v', 'ab', '-w', '/tmp', 'spec-full', 'sh', '-c', `${MP} /ab; test -e /tmp/ab || echo no /tmp/ab`],
        '/ab', 'no /tmp/ab'),
    ],
  },
  {
    id: 'V-29', title: 'C:\\data is an unvalidated anonymous target',
    steps: [created(createV('C:\\data')), fieldsAre('spec-x', { 'Config.Volumes': { 'C:\\data': {} } }), mountsAre('spec-x', anonMount('C:\\data'))],
  },
  { id: 'V-30', title: 'a colon in the host path', steps: [daemonErr(createV('$W/a:b:/data'), 'invalid mode: /data')] },
  {
    id: 'V-31', title: 'source and target are cleaned; Binds keeps the raw string',
    steps: [created(createV('$H/:/data/')), mountsAre('spec-x', bindMount('$H', '/data')), fieldsAre('spec-x', { 'HostConfig.Binds': ['$H/:/data/'] })],
  },
  { id: 'V-32', title: 'target /data/../x → /x', steps: [created(createV('spec-v1:/data/../x')), mountsAre('spec-x', volMount('spec-v1', '/x'))] },
  { id: 'V-33', title: 'a space in the target', steps: [created(createV('spec-v1:/da ta')), mountsAre('spec-x', volMount('spec-v1', '/da ta'))] },
  {
    id: 'V-34', title: 'relative sources are made absolute by the CLI (cwd $W)',
    steps: [
      created(createVn('spec-a', './rel:/data')),
      fieldsAre('spec-a', { 'HostConfig.Binds': ['$W/rel:/data'] }),
      mountsAre('spec-a', bindMount('$W/rel', '/data')),
      created((ctx: Ctx) => createVn('spec-b', `../${basename(ctx.W)}/rel:/data`)),
      fieldsAre('spec-b', { 'HostConfig.Binds': ['$W/rel:/data'] }),
      created(createVn('spec-c', '.:/data')),
      fieldsAre('spec-c', { 'HostConfig.Binds': ['$W:/data'] }),
      mountsAre('spec-c', bindMount('$W', '/data')),
    ],
  },
  {
    id: 'V-35', title: 'a missing bind source is created at start (root 0755), not at create', runc: true,
    steps: [
      created(createV('$W/newdir/a/b:/data')),
      host('no $W/newdir after create', (ctx) => assert.equal(existsSync(join(ctx.W, 'newdir')), false)),
      out(['start', '-a', 'spec-x']),
      host('$W/newdir/a/b is root 0755', (ctx) => {
        const st = statSync(join(ctx.W, 'newdir/a/b'));
        assert.ok(st.isDirectory());
        assert.equal(st.mode & 0o7777, 0o755);
        assert.equal(st.uid, 0);
        assert.equal(st.gid, 0);
      }),
    ],
  },
  {
    id: 'V-36', title: 'missing source onto an image file: runtime error, the source is left as a directory', runc: true,
    steps: [
      runErr(['run', '--rm', '-v', '$W/nofile.conf:/etc/app/app.conf', 'spec-full', 'true'],
        pat(`...error mounting "$W/nofile.conf" to rootfs at "/etc/app/app.conf": ...not a directory...: unknown: ${MOUNT_TYPE_HINT}`)),
      host('$W/nofile.conf is a directory', (ctx) => assert.ok(statSync(join(ctx.W, 'nofile.conf')).isDirectory())),
    ],
  },
  {
    id: 'V-37', title: 'a file onto a file replaces the content', runc: true,
    steps: [hostFile('hostfile.txt', 'from-host-file\n'), out(['run', '--rm', '-v', '$W/hostfile.txt:/file.txt', 'spec-full', 'cat', '/file.txt'], 'from-host-file')],
  },
  {
    id: 'V-38', title: 'a file onto a missing path: parents and an empty mountpoint file in the layer', runc: true,
    steps: [
      hostFile('hostfile.txt', 'from-host-file\n'),
      out(['run', '--name', 'spec-x', '-v', '$W/hostfile.txt:/new/dir/f.txt', 'spec-full', 'cat', '/new/dir/f.txt'], 'from-host-file'),
      { cli: ['diff', 'spec-x'], expect: expect(0, (a) => assert.deepEqual(a.split('\n').filter(Boolean).sort(), ['A /new', 'A /new/dir', 'A /new/dir/f.txt'])) },
    ],
  },
  {
    id: 'V-39', title: 'file onto dir, dir onto file: runtime error', runc: true,
    steps: [
      hostFile('hostfile.txt', 'x\n'),
      runErr(['run', '--rm', '-v', '$W/hostfile.txt:/data', 'spec-full', 'true'], pat(`...not a directory...: unknown: ${MOUNT_TYPE_HINT}`)),
      runErr(['run', '--rm', '-v', '$H:/file.txt', 'spec-full', 'true'], pat(`...not a directory...: unknown: ${MOUNT_TYPE_HINT}`)),
    ],
  },
  {
    id: 'V-40', title: 'shared propagation needs a shared host mount', runc: true,
    steps: [runErr(['run', '--rm', '-v', '$H:/data:shared', 'spec-full', 'true'], 'path $H is mounted on / but it is not a shared mount')],
  },
  {
    id: 'V-41', title: 'rslave propagation needs a shared or slave host mount',
    steps: [runErr(['run', '--rm', '-v', '$H:/data:rslave', 'spec-full', 'true'], 'path $H is mounted on / but it is not a shared or slave mount')],
  },
  {
    id: 'V-42', title: 'a bind source inside the daemon root must be rslave/rshared',
    steps: [
      runErr((ctx) => ['run', '--rm', '--mount', `type=bind,src=${ctx.root}/volumes,dst=/data,bind-propagation=private`, 'spec-full', 'true'],
        'invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "<root>", bind mount source: "<root>/volumes", propagation: "private"'),
    ],
  },
  {
    id: 'V-43', title: 'duplicate destinations (after Clean)',
    steps: [
      daemonErr(createV('spec-d1:/x', 'spec-d2:/x'), 'Duplicate mount point: /x'),
      daemonErr(createV('spec-d1:/x', 'spec-d2:/x/'), 'Duplicate mount point: /x'),
      daemonErr(createV('spec-d1:/x', '$H:/x'), 'Duplicate mount point: /x'),
    ],
  },
  {
    id: 'V-44', title: 'identical -v strings are one mount',
    steps: [created(createV('spec-d1:/x', 'spec-d1:/x')), mountsAre('spec-x', volMount('spec-d1', '/x')), fieldsAre('spec-x', { 'HostConfig.Binds': ['spec-d1:/x'] })],
  },
  {
    id: 'V-45', title: 'one volume at two targets',
    steps: [created(createV('spec-d1:/x', 'spec-d1:/y')), mountsAre('spec-x', volMount('spec-d1', '/x'), volMount('spec-d1', '/y'))],
  },
  {
    id: 'V-46', title: 'an anonymous -v yields to a named one at the same path',
    steps: [
      created(createV('/x', 'spec-d1:/x')),
      mountsAre('spec-x', volMount('spec-d1', '/x')),
      fieldsAre('spec-x', { 'Config.Volumes': { '/x': {} }, 'HostConfig.Binds': ['spec-d1:/x'] }),
    ],
  },
  {
    id: 'V-47', title: '--volume-driver that does not exist (named)',
    steps: [
      runErr(['run', '--rm', '--pull', 'never', '-v', 'spec-vd:/data', '--volume-driver', 'nosuchdrv', 'spec-full', 'true'],
        'create spec-vd: error looking up volume plugin nosuchdrv: plugin "nosuchdrv" not found'),
    ],
  },
  {
    id: 'V-48', title: '--volume-driver that does not exist (anonymous)',
    steps: [
      runErr(['run', '--rm', '--pull', 'never', '-v', '/anon', '--volume-driver', 'nosuchdrv', 'spec-full', 'true'],
        'create <hex>: error looking up volume plugin nosuchdrv: plugin "nosuchdrv" not found'),
    ],
  },
  {
    id: 'V-49', title: 'a user bind replaces the managed /etc/hosts', runc: true,
    steps: [
      hostFile('hosts', '10.9.8.7 spec-host\n'),
      out(['run', '--rm', '-v', '$W/hosts:/etc/hosts', 'spec-full', 'sh', '-c', 'cat /etc/hosts; grep -c " /etc/hosts " /proc/self/mountinfo'], '10.9.8.7 spec-host', '1'),
    ],
  },
  {
    id: 'V-50', title: 'a volume at /proc is refused by the runtime', runc: true,
    steps: [runErr(['run', '--rm', '-v', 'spec-px:/proc', 'spec-full', 'true'], pat('...error mounting "<root>/volumes/spec-px/_data" to rootfs at "/proc": ...proc" cannot be mounted because it is not of type proc: unknown'))],
  },
];

// Mounts as rendered must also be what the container sees: a sample, mounted for real.
cases.push({
  id: 'V-01r', title: 'V-01/V-02/V-03 mounted: named volume populated, bind shows the host file, anonymous populated', runc: true,
  steps: [
    out(['run', '--rm', '-v', 'spec-v1:/data', '-v', '$H:/h', '-v', '/imgdir', 'spec-full', 'sh', '-c', `cat /data/hello.txt /h/hello.txt /imgdir/img.txt; ${MP} /data; ${MP} /h; ${MP} /imgdir`],
      'from-image', 'from-host', 'imgfile', '/data', '/h', '/imgdir'),
    run('volume', 'inspect', 'spec-v1'),
  ],
});

runTable('§2 -v / --volume', cases);
