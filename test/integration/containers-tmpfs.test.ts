/**
 * docker-storage-semantics §4: `--tmpfs` and `--mount type=tmpfs` (T-01 … T-32), every case
 * dockerd 20.10 passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  created, expect, fieldsAre, host, inspect, ls, mountsAre, out, outText, pat, pick, runErr, runTable, startErr,
  tmpfsMount, type Case, type Step,
} from './containers-harness.js';

/** `run --rm <opts> spec-full ls -lnd /data` → this lsView line. */
function lsOut(opts: readonly string[], want: string): Step {
  return outText(['run', '--rm', ...opts, 'spec-full', 'ls', '-lnd', '/data'], ls(want));
}

/** The §4 probe: the `mount` line of /t, then `ls -ld /t`. */
const PROBE = 'busybox mount | grep " /t "; ls -lnd /t';
const D = '(rw,nosuid,nodev,noexec,relatime';

/** `run --rm <opts> spec-full sh -c PROBE` → this mount line and this `ls -ld` view. */
function probe(opts: readonly string[], mountLine: string, lsLine = 'drwxrwxrwt 0 0 /t'): Step {
  return outText(['run', '--rm', ...opts, 'spec-full', 'sh', '-c', PROBE], (a, ctx) => ls(mountLine, lsLine)(a, ctx));
}
const line = (opts: string): string => `tmpfs on /t type tmpfs ${opts}`;

function memTotalKiB(): number {
  const m = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  assert.ok(m?.[1], 'MemTotal not found');
  return Number(m[1]);
}

const cases: Case[] = [
  { id: 'T-01', title: 'defaults: rw,nosuid,nodev,noexec; 1777 root', runc: true, steps: [probe(['--tmpfs', '/t'], line(`${D})`))] },
  { id: 'T-02', title: ':rw is the default', steps: [probe(['--tmpfs', '/t:rw'], line(`${D})`))] },
  { id: 'T-03', title: ':ro', runc: true, steps: [probe(['--tmpfs', '/t:ro'], line('(ro,nosuid,nodev,noexec,relatime)'))] },
  { id: 'T-04', title: 'size=64m', runc: true, steps: [probe(['--tmpfs', '/t:size=64m'], line(`${D},size=65536k)`))] },
  { id: 'T-05', title: 'size and mode', steps: [probe(['--tmpfs', '/t:size=64m,mode=1770'], line(`${D},size=65536k,mode=1770)`), 'drwxrwx--T 0 0 /t')] },
  {
    id: 'T-06', title: 'exec clears noexec: a copied binary runs (and does not without it)', runc: true,
    steps: [
      probe(['--tmpfs', '/t:exec'], line('(rw,nosuid,nodev,relatime)')),
      out(['run', '--rm', '--tmpfs', '/t:exec', 'spec-full', 'sh', '-c', 'cp /bin/busybox /t/echo && /t/echo ran'], 'ran'),
      { cli: ['run', '--rm', '--tmpfs', '/t', 'spec-full', 'sh', '-c', 'cp /bin/busybox /t/echo && /t/echo ran'], expect: expect(126, '', 'sh: /t/echo: Permission denied\n') },
    ],
  },
  { id: 'T-07', title: 'exec,suid,dev', steps: [probe(['--tmpfs', '/t:exec,suid,dev'], line('(rw,relatime)'))] },
  { id: 'T-08', title: 'uid and gid', runc: true, steps: [probe(['--tmpfs', '/t:uid=1000,gid=1000'], line(`${D},uid=1000,gid=1000)`), 'drwxrwxrwt 1000 1000 /t')] },
  { id: 'T-09', title: 'nr_inodes', steps: [probe(['--tmpfs', '/t:nr_inodes=100'], line(`${D},nr_inodes=100)`))] },
  { id: 'T-10', title: 'the last size wins', steps: [probe(['--tmpfs', '/t:size=1m,size=2m'], line(`${D},size=2048k)`))] },
  { id: 'T-11', title: 'noatime', steps: [probe(['--tmpfs', '/t:noatime'], line('(rw,nosuid,nodev,noexec,noatime)'))] },
  {
    id: 'T-12', title: 'mpol, propagation words and defaults are accepted, nothing shown',
    steps: ['mpol=default', 'rprivate', 'shared', 'defaults'].map((o) => probe(['--tmpfs', `/t:${o}`], line(`${D})`))),
  },
  { id: 'T-13', title: 'mode=0700', steps: [probe(['--tmpfs', '/t:mode=0700'], line(`${D},mode=700)`), 'drwx------ 0 0 /t')] },
  { id: 'T-14', title: 'size=0 is accepted', steps: [probe(['--tmpfs', '/t:size=0'], line(`${D},size=0k)`))] },
  { id: 'T-15', title: 'an unknown key=value option', steps: [runErr(['run', '--rm', '--tmpfs', '/t:foo=bar', 'spec-full', 'true'], 'invalid tmpfs option ["foo" "bar"]')] },
  {
    id: 'T-16', title: 'a bare data key or unknown word',
    steps: [
      runErr(['run', '--rm', '--tmpfs', '/t:size', 'spec-full', 'true'], 'invalid tmpfs option ["size"]'),
      runErr(['run', '--rm', '--tmpfs', '/t:foo', 'spec-full', 'true'], 'invalid tmpfs option ["foo"]'),
    ],
  },
  {
    id: 'T-17', title: 'values are checked by the kernel', runc: true,
    steps: [runErr(['run', '--rm', '--tmpfs', '/t:size=abc', 'spec-full', 'true'], pat('...flags: 0xe, data: size=abc: invalid argument: unknown'))],
  },
  {
    id: 'T-18', title: 'options are validated at start: created, ExitCode 128, State.Error',
    steps: [
      created(['create', '--name', 'spec-x', '--tmpfs', '/t:foo=bar', 'spec-full', 'true']),
      startErr(['start', 'spec-x'], 'invalid tmpfs option ["foo" "bar"]', 'spec-x'),
      out(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}', 'spec-x'], 'created 128 invalid tmpfs option ["foo" "bar"]'),
    ],
  },
  { id: 'T-19', title: 'target /', steps: [runErr(['run', '--rm', '--tmpfs', '/', 'spec-full', 'true'], "invalid specification: destination can't be '/'")] },
  {
    id: 'T-20', title: 'a relative target (CLI and API)',
    steps: [
      runErr(['run', '--rm', '--tmpfs', 'ab', 'spec-full', 'true'], "invalid mount path: 'ab' mount path must be absolute"),
      host('API Tmpfs {"rel":""} → 400', async (ctx) => {
        const r = await ctx.engine.api.request('POST', `/v1.41/containers/create?name=${ctx.name('spec-x')}`, {
          body: { Image: 'spec-full', Cmd: ['true'], HostConfig: { Tmpfs: { rel: '' } } },
        });
        assert.equal(r.status, 400, r.body);
        assert.deepEqual(JSON.parse(r.body), { message: "invalid mount path: 'rel' mount path must be absolute" });
      }),
    ],
  },
  {
    id: 'T-21', title: 'size is enforced: ENOSPC at 1 MiB', runc: true,
    steps: [{
      cli: ['run', '--rm', '--tmpfs', '/t:size=1m', 'spec-full', 'sh', '-c', 'dd if=/dev/zero of=/t/f bs=1k count=2048 2>/dev/null; echo rc=$?; dd if=/dev/zero of=/t/g bs=1k count=1 2>&1 | head -1; wc -c < /t/f; df /t | tail -1 | awk \'{print $5}\''],
      expect: expect(0, "rc=1\ndd: error writing '/t/g': No space left on device\n1048576\n100%\n"),
    }],
  },
  {
    id: 'T-22', title: '--tmpfs /dev breaks the start (nodev)',
    steps: [runErr(['run', '--rm', '--tmpfs', '/dev', 'spec-full', 'true'], pat('...error reopening /dev/null inside container: open /dev/null: permission denied: unknown'), 126)],
  },
  {
    id: 'T-23', title: '--tmpfs /dev/shm replaces the default shm', runc: true,
    steps: [out(['run', '--rm', '--tmpfs', '/dev/shm:size=1m', 'spec-full', 'sh', '-c', 'busybox mount | grep " /dev/shm "'], 'tmpfs on /dev/shm type tmpfs (rw,nosuid,nodev,noexec,relatime,size=1024k)')],
  },
  {
    id: 'T-24', title: 'the default size is half of RAM',
    steps: [outText(['run', '--rm', '--tmpfs', '/t', 'spec-full', 'sh', '-c', 'df -k /t | tail -1'], (a) => {
      const size = Number(a.trim().split(/\s+/)[1]);
      const half = memTotalKiB() / 2;
      assert.ok(Math.abs(size - half) <= 8, `df size ${size} KiB, half of MemTotal ${half} KiB`);
    })],
  },
  {
    id: 'T-25', title: 'over an image directory the tmpfs root takes its mode (runc quirk), mode= ignored', runc: true,
    steps: [
      lsOut(['--tmpfs', '/data'], 'drwxr-x--- 0 0 /data'),
      lsOut(['--tmpfs', '/data:mode=1777'], 'drwxr-x--- 0 0 /data'),
      lsOut(['--mount', 'type=tmpfs,dst=/data'], 'drwxr-x--- 0 0 /data'),
    ],
  },
  {
    id: 'T-26', title: 'tmpfs-size rendering', runc: true,
    steps: [
      probe(['--mount', 'type=tmpfs,dst=/t,tmpfs-size=1500k'], line(`${D},size=1500k)`)),
      probe(['--mount', 'type=tmpfs,dst=/t,tmpfs-size=1000'], line(`${D},size=4k)`)),
      probe(['--mount', 'type=tmpfs,dst=/t,tmpfs-size=1g'], line(`${D},size=1048576k)`)),
      probe(['--mount', 'type=tmpfs,dst=/t,tmpfs-size=1.5m'], line(`${D},size=1536k)`)),
      created(['create', '--name', 'spec-x', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1.5m', 'spec-full', 'true']),
      inspect('spec-x', (c) => assert.deepEqual(pick(c, 'HostConfig.Mounts'), [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1572864 } }])),
    ],
  },
  { id: 'T-27', title: 'tmpfs-mode=700', steps: [probe(['--mount', 'type=tmpfs,dst=/t,tmpfs-mode=700'], line(`${D},mode=700)`), 'drwx------ 0 0 /t')] },
  {
    id: 'T-28', title: 'tmpfs-mode=1770,readonly', runc: true,
    steps: [probe(['--mount', 'type=tmpfs,dst=/t,tmpfs-mode=1770,readonly'], line('(ro,nosuid,nodev,noexec,relatime,mode=1770)'), 'drwxrwx--T 0 0 /t')],
  },
  {
    id: 'T-29', title: 'tmpfs-size is enforced',
    steps: [{
      cli: ['run', '--rm', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', 'spec-full', 'sh', '-c', 'dd if=/dev/zero of=/t/f bs=1k count=2048'],
      expect: expect(1, '', /^dd: error writing '\/t\/f': No space left on device\n/),
    }],
  },
  {
    id: 'T-30', title: 'the same --tmpfs target twice: the last wins',
    steps: [
      created(['create', '--name', 'spec-x', '--tmpfs', '/x', '--tmpfs', '/x:size=1m', 'spec-full', 'true']),
      fieldsAre('spec-x', { 'HostConfig.Tmpfs': { '/x': 'size=1m' } }),
    ],
  },
  {
    id: 'T-31', title: '--read-only: volume and tmpfs stay writable', runc: true,
    steps: [{
      cli: ['run', '--rm', '--read-only', '-v', 'spec-vol1:/data', '--tmpfs', '/t', 'spec-full', 'sh', '-c', 'echo v > /data/v && echo t > /t/t && cat /data/v /t/t; touch /root-file'],
      expect: expect(1, 'v\nt\n', 'touch: /root-file: Read-only file system\n'),
    }],
  },
  {
    id: 'T-32', title: '--tmpfs is not in .Mounts; --mount tmpfs is',
    steps: [
      created(['create', '--name', 'spec-x', '--tmpfs', '/h:size=2m', '--mount', 'type=tmpfs,dst=/g,tmpfs-size=1m', 'spec-full', 'true']),
      mountsAre('spec-x', tmpfsMount('/g')),
      fieldsAre('spec-x', {
        'HostConfig.Tmpfs': { '/h': 'size=2m' },
        'HostConfig.Mounts': [{ Type: 'tmpfs', Target: '/g', TmpfsOptions: { SizeBytes: 1048576 } }],
      }),
    ],
  },
  {
    id: 'T-L1', title: 'tmpfs content is lost on restart (lifetime rule)', runc: true,
    steps: [
      out(['run', '--name', 'spec-x', '--tmpfs', '/t', '--mount', 'type=tmpfs,dst=/g', 'spec-full', 'sh', '-c', 'cat /t/f /g/f 2>/dev/null; echo x > /t/f; echo y > /g/f; echo done'], 'done'),
      out(['start', '-a', 'spec-x'], 'done'),
    ],
  },
];

runTable('§4 tmpfs', cases);
