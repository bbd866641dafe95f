/**
 * docker-storage-semantics §3: the `--mount` syntax (M-01 … M-52), every case dockerd 20.10
 * passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  bindMount, created, daemonErr, expect, fieldsAre, flagErr, host, inspect, mountLinesAt, mountsAre, out, outText, pick, run,
  runTable, startErr, tmpfsMount, volMount, type Case, type Json, type Step,
} from './containers-harness.js';

/** `create --name spec-x --mount <m>… spec-full true` */
const createM = (...ms: string[]): string[] => ['create', '--name', 'spec-x', ...ms.flatMap((m) => ['--mount', m]), 'spec-full', 'true'];
const createMn = (n: string, ...ms: string[]): string[] => ['create', '--name', n, ...ms.flatMap((m) => ['--mount', m]), 'spec-full', 'true'];
const cfg = (type: string, msg: string): string => `invalid mount config for type "${type}": ${msg}`;
/** A client-side --mount error for `create`. */
const mErr = (m: string, msg: string): Step => flagErr(createM(m), 'create', '--mount', m, msg);
const hostMounts = (n: string, want: Json): Step => fieldsAre(n, { 'HostConfig.Mounts': want });
const mkdir = (rel: string): Step => host(`mkdir $W/${rel}`, (ctx) => { mkdirSync(join(ctx.W, rel), { recursive: true }); });
const invalidName = (n: string): string =>
  `create ${n}: "${n}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
/** Shell: the `mount` lines of one mount point. */
const mountOf = (mp: string): string => `mount | grep " on ${mp} type "`;

const cases: Case[] = [
  {
    id: 'M-01', title: 'a missing bind source is an error (never created)',
    steps: [daemonErr(createM('type=bind,src=$W/nonexistent,dst=/data'), cfg('bind', 'bind source path does not exist: $W/nonexistent'))],
  },
  {
    id: 'M-02', title: 'no type means volume; Mode "z"; HostConfig.Mounts keeps the API object',
    steps: [
      created(createM('src=spec-mv,dst=/data')),
      mountsAre('spec-x', volMount('spec-mv', '/data')),
      hostMounts('spec-x', [{ Type: 'volume', Source: 'spec-mv', Target: '/data' }]),
      fieldsAre('spec-x', { 'HostConfig.Binds': null }),
    ],
  },
  {
    id: 'M-03', title: 'readonly, ro=true, readonly=1', runc: true,
    steps: [
      created(createMn('spec-a', 'type=volume,source=spec-mv,target=/data,readonly')),
      mountsAre('spec-a', volMount('spec-mv', '/data', 'z', false)),
      hostMounts('spec-a', [{ Type: 'volume', Source: 'spec-mv', Target: '/data', ReadOnly: true }]),
      created(createMn('spec-b', 'type=volume,source=spec-mv,destination=/data,ro=true')),
      mountsAre('spec-b', volMount('spec-mv', '/data', 'z', false)),
      created(createMn('spec-c', 'type=volume,source=spec-mv,target=/data,readonly=1')),
      hostMounts('spec-c', [{ Type: 'volume', Source: 'spec-mv', Target: '/data', ReadOnly: true }]),
      {
        cli: ['run', '--rm', '--mount', 'type=volume,src=spec-mv,dst=/data,readonly', 'spec-full', 'sh', '-c', 'cat /data/hello.txt; touch /data/x'],
        expect: expect(1, 'from-image\n', 'touch: /data/x: Read-only file system\n'),
      },
    ],
  },
  {
    id: 'M-04', title: 'ro=false: rw, ReadOnly omitted',
    steps: [
      created(createM('type=volume,src=spec-mv,dst=/data,ro=false')),
      mountsAre('spec-x', volMount('spec-mv', '/data')),
      hostMounts('spec-x', [{ Type: 'volume', Source: 'spec-mv', Target: '/data' }]),
    ],
  },
  { id: 'M-05', title: 'readonly=yes', steps: [mErr('type=volume,src=spec-mv,dst=/data,readonly=yes', 'invalid value for readonly: yes')] },
  { id: 'M-06', title: 'unknown key', steps: [mErr('type=volume,src=spec-mv,dst=/data,foo=bar', "unexpected key 'foo' in 'foo=bar'")] },
  { id: 'M-07', title: 'a bare unknown field', steps: [mErr('type=volume,src=spec-mv,dst=/data,foo', "invalid field 'foo' must be a key=value pair")] },
  { id: 'M-08', title: 'no target', steps: [mErr('type=volume,src=spec-mv', 'target is required')] },
  { id: 'M-09', title: 'empty type', steps: [mErr('type=,dst=/data', 'type is required')] },
  { id: 'M-10', title: 'unknown type (daemon)', steps: [daemonErr(createM('type=foo,dst=/data'), cfg('foo', 'mount type unknown'))] },
  {
    id: 'M-11', title: 'image and npipe are unknown to 20.10',
    steps: [
      daemonErr(createM('type=image,src=spec-full,dst=/data'), cfg('image', 'mount type unknown')),
      daemonErr(createM('type=npipe,src=/x,dst=/data'), cfg('npipe', 'mount type unknown')),
    ],
  },
  { id: 'M-12', title: 'bind without source', steps: [daemonErr(createM('type=bind,dst=/data'), cfg('bind', 'field Source must not be empty'))] },
  { id: 'M-13', title: 'tmpfs with a source', steps: [daemonErr(createM('type=tmpfs,src=foo,dst=/data'), cfg('tmpfs', 'field Source must not be specified'))] },
  {
    id: 'M-14', title: 'anonymous volume + readonly (20.10)',
    steps: [daemonErr(createM('type=volume,dst=/data,readonly'), cfg('volume', 'must not set ReadOnly mode when using anonymous volumes'))],
  },
  {
    id: 'M-15', title: 'relative bind source',
    steps: [daemonErr(createM('type=bind,src=rel,dst=/data'), cfg('bind', "invalid mount path: 'rel' mount path must be absolute"))],
  },
  {
    id: 'M-16', title: './rel is made absolute by the CLI (cwd $W), then missing',
    steps: [daemonErr(createM('type=bind,src=./rel,dst=/data'), cfg('bind', 'bind source path does not exist: $W/rel'))],
  },
  { id: 'M-17', title: 'an absolute path as a volume name', steps: [daemonErr(createM('type=volume,src=/abs,dst=/data'), invalidName('/abs'))] },
  {
    id: 'M-18', title: 'a one-character volume name',
    steps: [daemonErr(createM('type=volume,src=x,dst=/data'), 'create x: volume name is too short, names should be at least two alphanumeric characters')],
  },
  {
    id: 'M-19', title: 'target / and a relative target',
    steps: [
      daemonErr(createM('type=volume,src=spec-mv,dst=/'), cfg('volume', "invalid specification: destination can't be '/'")),
      daemonErr(createM('type=volume,src=spec-mv,dst=data'), cfg('volume', "invalid mount path: 'data' mount path must be absolute")),
    ],
  },
  { id: 'M-20', title: 'volume-* with a bind', steps: [mErr('type=bind,src=$H,dst=/data,volume-nocopy', "cannot mix 'volume-*' options with mount type 'bind'")] },
  {
    id: 'M-21', title: 'bind-* with volume and tmpfs',
    steps: [
      mErr('type=volume,src=spec-mv,dst=/data,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"),
      mErr('type=tmpfs,dst=/data,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'tmpfs'"),
    ],
  },
  { id: 'M-22', title: 'tmpfs-* with a volume', steps: [mErr('type=volume,src=spec-mv,dst=/data,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'volume'")] },
  {
    id: 'M-23', title: 'bad propagation (daemon)',
    steps: [daemonErr(createM('type=bind,src=$H,dst=/data,bind-propagation=foo'), cfg('bind', 'invalid propagation mode: foo'))],
  },
  {
    id: 'M-24', title: 'propagation is lower-cased',
    steps: [
      created(createM('type=bind,src=$H,dst=/data,bind-propagation=RSHARED')),
      hostMounts('spec-x', [{ Type: 'bind', Source: '$H', Target: '/data', BindOptions: { Propagation: 'rshared' } }]),
      mountsAre('spec-x', bindMount('$H', '/data', '', true, 'rshared')),
    ],
  },
  {
    id: 'M-25', title: 'consistency is stored, not validated',
    steps: [
      created(createM('type=bind,src=$H,dst=/data,consistency=foo')),
      hostMounts('spec-x', [{ Type: 'bind', Source: '$H', Target: '/data', Consistency: 'foo' }]),
      mountsAre('spec-x', bindMount('$H', '/data')),
    ],
  },
  {
    id: 'M-26', title: 'bad tmpfs-size / tmpfs-mode',
    steps: [
      mErr('type=tmpfs,dst=/data,tmpfs-size=abc', 'invalid value for tmpfs-size: abc'),
      mErr('type=tmpfs,dst=/data,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'),
    ],
  },
  {
    id: 'M-27', title: 'tmpfs options stored as SizeBytes and Mode', runc: true,
    steps: [
      created(createM('type=tmpfs,dst=/data,tmpfs-mode=1770,tmpfs-size=64m')),
      hostMounts('spec-x', [{ Type: 'tmpfs', Target: '/data', TmpfsOptions: { SizeBytes: 67108864, Mode: 1016 } }]),
      mountsAre('spec-x', tmpfsMount('/data')),
      out(['run', '--rm', '--mount', 'type=tmpfs,dst=/t,tmpfs-mode=1770,tmpfs-size=64m', 'spec-full', 'sh', '-c', mountOf('/t')],
        'tmpfs on /t type tmpfs (rw,nosuid,nodev,noexec,relatime,size=65536k,mode=1770)'),
    ],
  },
  {
    id: 'M-28', title: 'keys and type are case-insensitive',
    steps: [created(createM('TYPE=VOLUME,SRC=spec-mv,DST=/data')), mountsAre('spec-x', volMount('spec-mv', '/data'))],
  },
  {
    id: 'M-29', title: 'volume-subpath is dropped by API 1.41: the whole volume is mounted', runc: true,
    steps: [
      created(createM('type=volume,src=spec-mv,dst=/data,volume-subpath=sub')),
      hostMounts('spec-x', [{ Type: 'volume', Source: 'spec-mv', Target: '/data', VolumeOptions: { DriverConfig: {} } }]),
      out(['run', '--rm', '--mount', 'type=volume,src=spec-mv,dst=/data,volume-subpath=sub', 'spec-full', 'ls', '/data'], 'hello.txt', 'link', 'sub'),
    ],
  },
  {
    id: 'M-30', title: 'bind-recursive=disabled and bind-nonrecursive → NonRecursive',
    steps: [
      created(createMn('spec-a', 'type=bind,src=$H,dst=/data,bind-recursive=disabled')),
      hostMounts('spec-a', [{ Type: 'bind', Source: '$H', Target: '/data', BindOptions: { NonRecursive: true } }]),
      created(createMn('spec-b', 'type=bind,src=$H,dst=/data,bind-nonrecursive')),
      hostMounts('spec-b', [{ Type: 'bind', Source: '$H', Target: '/data', BindOptions: { NonRecursive: true } }]),
    ],
  },
  {
    id: 'M-31', title: 'bind-nonrecursive=true works with a deprecation warning',
    steps: [
      {
        cli: createM('type=bind,src=$H,dst=/data,bind-nonrecursive=true'),
        expect: expect(0, '<hex>\n', /^time="<time>" level=warning msg="bind-nonrecursive is deprecated, use bind-recursive=disabled instead"\n$/),
      },
      hostMounts('spec-x', [{ Type: 'bind', Source: '$H', Target: '/data', BindOptions: { NonRecursive: true } }]),
    ],
  },
  {
    id: 'M-32', title: 'bind-recursive=readonly needs rprivate',
    steps: [mErr('type=bind,src=$H,dst=/data,bind-recursive=readonly,readonly', "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction")],
  },
  {
    id: 'M-33', title: 'bind-recursive=readonly needs API 1.44',
    steps: [{
      cli: createM('type=bind,src=$H,dst=/data,bind-recursive=readonly,readonly,bind-propagation=rprivate'),
      expect: expect(1, '', 'bind-recursive=readonly requires API v1.44 or later\n'),
    }],
  },
  {
    id: 'M-34', title: 'bind-recursive=writable needs readonly',
    steps: [mErr('type=bind,src=$H,dst=/data,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")],
  },
  {
    id: 'M-35', title: 'bind-recursive=writable,readonly: stored as empty BindOptions',
    steps: [
      created(createM('type=bind,src=$H,dst=/data,bind-recursive=writable,readonly')),
      hostMounts('spec-x', [{ Type: 'bind', Source: '$H', Target: '/data', ReadOnly: true, BindOptions: {} }]),
    ],
  },
  {
    id: 'M-36', title: 'bind-recursive=foo',
    steps: [mErr('type=bind,src=$H,dst=/data,bind-recursive=foo', 'invalid value for bind-recursive: foo (must be "enabled", "disabled", "writable", or "readonly")')],
  },
  {
    id: 'M-37', title: 'volume-nocopy=false accepted; =maybe refused',
    steps: [
      created(createM('type=volume,src=spec-mv,dst=/data,volume-nocopy=false')),
      hostMounts('spec-x', [{ Type: 'volume', Source: 'spec-mv', Target: '/data', VolumeOptions: { DriverConfig: {} } }]),
      mErr('type=volume,src=spec-mv,dst=/data,volume-nocopy=maybe', 'invalid value for volume-nocopy: maybe'),
    ],
  },
  {
    id: 'M-38', title: 'an unknown volume driver: 404 looks like a missing image; --pull never shows it',
    steps: [
      {
        cli: createM('type=volume,src=spec-mvd,dst=/data,volume-driver=nosuchdrv'),
        expect: expect(1, '', /^Unable to find image 'spec-full:latest' locally\n[^]*$/),
        timeoutMs: 120_000,
      },
      daemonErr(['create', '--pull', 'never', '--name', 'spec-x', '--mount', 'type=volume,src=spec-mvd,dst=/data,volume-driver=nosuchdrv', 'spec-full', 'true'],
        'create spec-mvd: error looking up volume plugin nosuchdrv: plugin "nosuchdrv" not found'),
    ],
  },
  {
    id: 'M-39', title: 'volume-opt unknown to the local driver (new volume)',
    steps: [daemonErr(createM('type=volume,src=spec-mvo,dst=/data,volume-opt=foo'), 'create spec-mvo: invalid option: "foo"')],
  },
  {
    id: 'M-40', title: 'volume-opt ignored for an existing volume',
    setup: [run('volume', 'create', 'spec-mv')],
    steps: [created(createM('type=volume,src=spec-mv,dst=/data,volume-opt=foo')), out(['volume', 'inspect', '-f', '{{json .Options}}', 'spec-mv'], 'null')],
  },
  {
    id: 'M-41', title: 'volume-opt and volume-label create a tmpfs local volume', runc: true,
    steps: [
      created(createM('type=volume,src=spec-mvt,dst=/data,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m,volume-label=a=b,volume-label=c')),
      out(['volume', 'inspect', '-f', '{{json .Labels}} {{json .Options}}', 'spec-mvt'], '{"a":"b","c":""} {"device":"tmpfs","o":"size=1m","type":"tmpfs"}'),
      out(['start', '-a', 'spec-x']),
      out(['run', '--rm', '-v', 'spec-mvt:/data', 'spec-full', 'sh', '-c', mountOf('/data')], 'tmpfs on /data type tmpfs (rw,relatime,size=1024k)'),
    ],
  },
  {
    id: 'M-42', title: 'a quoted field may hold a comma', runc: true,
    steps: [
      mkdir('a,b'),
      created(createM('type=bind,"src=$W/a,b",dst=/data')),
      mountsAre('spec-x', bindMount('$W/a,b', '/data')),
      out(['start', '-a', 'spec-x']),
    ],
  },
  { id: 'M-43', title: 'an unquoted comma splits the field', steps: [mkdir('a,b'), mErr('type=bind,src=$W/a,b,dst=/data', "invalid field 'b' must be a key=value pair")] },
  {
    id: 'M-44', title: 'a bad quote',
    steps: [mErr('type=bind,"src=/srv/x,dst=/data', 'parse error on line 1, column 32: extraneous or missing " in quoted-field')],
  },
  {
    id: 'M-45', title: 'a quoted volume-opt with a comma', runc: true,
    steps: [
      out(['run', '--rm', '--mount', 'type=volume,src=spec-csv,dst=/data,"volume-opt=o=size=1m,uid=1000",volume-opt=type=tmpfs,volume-opt=device=tmpfs', 'spec-full', 'sh', '-c', mountOf('/data')],
        'tmpfs on /data type tmpfs (rw,relatime,size=1024k,uid=1000)'),
    ],
  },
  { id: 'M-46', title: 'whitespace is not trimmed', steps: [mErr('type=volume, src=x,dst=/data', "unexpected key ' src' in ' src=x'")] },
  { id: 'M-47', title: 'a trailing comma', steps: [mErr('type=volume,src=x,dst=/data,', "invalid field '' must be a key=value pair")] },
  {
    id: 'M-48', title: 'duplicates among --mount and -v',
    steps: [
      daemonErr(createM('type=volume,src=spec-d1,dst=/x', 'type=volume,src=spec-d2,dst=/x'), 'Duplicate mount point: /x'),
      daemonErr(['create', '--name', 'spec-x', '-v', 'spec-d1:/x', '--mount', 'type=volume,src=spec-d2,dst=/x', 'spec-full', 'true'], 'Duplicate mount point: /x'),
      daemonErr(createM('type=volume,src=spec-d1,dst=/x', 'type=tmpfs,dst=/x'), 'Duplicate mount point: /x'),
    ],
  },
  {
    id: 'M-49', title: '--tmpfs silently replaces a --mount volume at the same path', runc: true,
    steps: [
      out(['run', '--rm', '--mount', 'type=volume,src=spec-d1,dst=/x', '--tmpfs', '/x:size=1m', 'spec-full', 'sh', '-c', mountOf('/x')],
        'tmpfs on /x type tmpfs (rw,nosuid,nodev,noexec,relatime,size=1024k)'),
    ],
  },
  {
    id: 'M-50', title: '--mount tmpfs and --tmpfs at one path: two stacked tmpfs', runc: true,
    steps: [
      outText(['run', '--rm', '--mount', 'type=tmpfs,dst=/x,tmpfs-size=2m', '--tmpfs', '/x:size=1m', 'spec-full', 'sh', '-c', 'mount'], (a) => {
        assert.deepEqual(mountLinesAt(a, '/x').sort(), [
          'tmpfs on /x type tmpfs (rw,nosuid,nodev,noexec,relatime,size=1024k)',
          'tmpfs on /x type tmpfs (rw,nosuid,nodev,noexec,relatime,size=2048k)',
        ]);
      }),
    ],
  },
  {
    id: 'M-51', title: 'the bind source is checked again at start',
    steps: [
      mkdir('vanish'),
      created(['create', '--name', 'spec-van', '--mount', 'type=bind,src=$W/vanish,dst=/data', 'spec-full', 'true']),
      host('rm $W/vanish', (ctx) => rmSync(join(ctx.W, 'vanish'), { recursive: true })),
      startErr(['start', 'spec-van'], cfg('bind', 'bind source path does not exist: $W/vanish'), 'spec-van'),
    ],
  },
  {
    id: 'M-52', title: 'raw API VolumeOptions.Subpath is dropped, NoCopy kept',
    steps: [
      host('POST /containers/create', async (ctx) => {
        const r = await ctx.engine.api.request('POST', `/v1.41/containers/create?name=${ctx.name('spec-x')}`, {
          body: {
            Image: 'spec-full', Cmd: ['true'],
            HostConfig: { Mounts: [{ Type: 'volume', Source: ctx.name('spec-h3'), Target: '/x', VolumeOptions: { Subpath: 'sub', NoCopy: true } }] },
          },
        });
        assert.equal(r.status, 201, r.body);
      }),
      inspect('spec-x', (c) => assert.deepEqual(pick(c, 'HostConfig.Mounts'), [{ Type: 'volume', Source: 'spec-h3', Target: '/x', VolumeOptions: { NoCopy: true } }])),
    ],
  },
];

runTable('§3 --mount', cases);
