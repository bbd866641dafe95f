/**
 * docker-storage-semantics §9: read-only enforcement, sharing, ordering, nesting (R-01 … R-14),
 * every case dockerd 20.10 passes, through the docker CLI and bin/ballast (see containers-harness.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, hasLines, host, ls, out, outText, pat, run, runErr, runTable, type Case, type Step } from './containers-harness.js';

/** Mount points of the container (mountinfo field 5) matching `re` at the start, in mount order, with their first option. */
const MOUNTS = (re: string): string => `cut -d" " -f5,6 /proc/self/mountinfo | grep -E "^${re}" | cut -d, -f1`;

/** $W/rec with a tmpfs (source `spec-rec-tmpfs`) mounted at $W/rec/sub, holding sub/inside. */
const recSetup: Step = host('mount a tmpfs at $W/rec/sub', (ctx) => {
  const sub = join(ctx.W, 'rec', 'sub');
  mkdirSync(sub, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', 'spec-rec-tmpfs', sub], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(join(sub, 'inside'), 'in-tmpfs\n');
});
const recTeardown: Step = host('umount $W/rec/sub', (ctx) => {
  spawnSync('umount', [join(ctx.W, 'rec', 'sub')]);
});

const cases: Case[] = [
  {
    id: 'R-01', title: ':ro is enforced by the kernel', runc: true,
    steps: [{ cli: ['run', '--rm', '-v', 'spec-ro:/data:ro', 'spec-full', 'touch', '/data/x'], expect: expect(1, '', 'touch: /data/x: Read-only file system\n') }],
  },
  {
    id: 'R-02', title: '--mount readonly is enforced',
    steps: [{
      cli: ['run', '--rm', '--mount', 'type=volume,src=spec-ro,dst=/data,readonly', 'spec-full', 'mkdir', '/data/d'],
      expect: expect(1, '', "mkdir: can't create directory '/data/d': Read-only file system\n"),
    }],
  },
  {
    id: 'R-03', title: 'a read-only bind', runc: true,
    steps: [{
      cli: ['run', '--rm', '-v', '$H:/data:ro', 'spec-full', 'rm', '/data/hello.txt'],
      expect: expect(1, '', "rm: can't remove '/data/hello.txt': Read-only file system\n"),
    }],
  },
  {
    id: 'R-04', title: '--read-only: volume and tmpfs writable, rootfs not', runc: true,
    steps: [{
      cli: ['run', '--rm', '--read-only', '-v', 'spec-ro:/data', '--tmpfs', '/t', 'spec-full', 'sh', '-c', 'echo a > /data/a && echo b > /t/b && cat /data/a /t/b; touch /root-file'],
      expect: expect(1, 'a\nb\n', 'touch: /root-file: Read-only file system\n'),
    }],
  },
  {
    id: 'R-05', title: '--read-only: overlay root and /etc/hosts are ro', runc: true,
    steps: [outText(['run', '--rm', '--read-only', 'spec-full', 'mount'], hasLines(/^overlay on \/ type overlay \(ro,/, /^\S+ on \/etc\/hosts type \S+ \(ro,/, /^\S+ on \/etc\/hostname type \S+ \(ro,/, /^\S+ on \/etc\/resolv\.conf type \S+ \(ro,/))],
  },
  {
    id: 'R-06', title: 'a read-only rbind is not recursively read-only (20.10)', runc: true,
    setup: [recSetup],
    steps: [{
      cli: ['run', '--rm', '-v', '$W/rec:/r:ro', 'spec-full', 'sh', '-c', `touch /r/x; touch /r/sub/x && echo sub-ok; ${MOUNTS('/r(/| )')}`],
      expect: expect(0, 'sub-ok\n/r ro\n/r/sub rw\n', 'touch: /r/x: Read-only file system\n'),
    }],
    teardown: [recTeardown],
  },
  {
    id: 'R-07', title: 'a bind carries its submounts', runc: true,
    setup: [recSetup],
    steps: [out(['run', '--rm', '-v', '$W/rec:/r', 'spec-full', 'sh', '-c', 'mount | grep " /r/sub "; cat /r/sub/inside'],
      'spec-rec-tmpfs on /r/sub type tmpfs (rw,relatime)', 'in-tmpfs')],
    teardown: [recTeardown],
  },
  {
    id: 'R-08', title: 'bind-recursive=disabled drops the submounts',
    setup: [recSetup],
    steps: [out(['run', '--rm', '--mount', 'type=bind,src=$W/rec,dst=/r,bind-recursive=disabled', 'spec-full', 'sh', '-c', `ls -A /r/sub; ${MOUNTS('/r(/| )')}`], '/r rw')],
    teardown: [recTeardown],
  },
  {
    id: 'R-09', title: 'one volume shared rw and ro at once', runc: true,
    steps: [
      run('run', '-d', '--name', 'spec-a', '-v', 'spec-shared:/s', 'spec-full', 'sleep', '300'),
      run('run', '-d', '--name', 'spec-b', '-v', 'spec-shared:/s:ro', 'spec-full', 'sleep', '300'),
      out(['exec', 'spec-a', 'sh', '-c', 'echo from1 > /s/f']),
      out(['exec', 'spec-b', 'cat', '/s/f'], 'from1'),
      { cli: ['exec', 'spec-b', 'sh', '-c', 'echo x > /s/g'], expect: expect(1, '', "sh: can't create /s/g: Read-only file system\n") },
    ],
  },
  {
    id: 'R-10', title: 'parents are mounted first whatever the order; the child mount point persists in the parent volume', runc: true,
    steps: [
      out(['run', '--rm', '-v', 'spec-inner:/data/inner', '-v', 'spec-outer:/data', 'spec-full', 'sh', '-c', MOUNTS('/data(/| )')], '/data rw', '/data/inner rw'),
      outText(['run', '--rm', '-v', 'spec-outer:/o', 'busybox', 'ls', '-lnd', '/o/inner'], ls('drwxr-xr-x 0 0 /o/inner')),
    ],
  },
  {
    id: 'R-11', title: 'a child under a read-only parent whose mount point is missing fails', runc: true,
    steps: [
      runErr(['run', '--rm', '-v', 'spec-outer:/data:ro', '-v', 'spec-inner2:/data/inner2', 'spec-full', 'true'],
        pat('...error mounting "<root>/volumes/spec-inner2/_data" to rootfs at "/data/inner2": mkdir <root>/...data/inner2: read-only file system: unknown')),
    ],
  },
  {
    id: 'R-12', title: 'a child under a read-only parent whose mount point exists works', runc: true,
    setup: [run('run', '--rm', '-v', 'spec-inner:/data/inner', '-v', 'spec-outer:/data', 'spec-full', 'true')],
    steps: [{
      cli: ['run', '--rm', '-v', 'spec-outer:/data:ro', '-v', 'spec-inner:/data/inner', 'spec-full', 'sh', '-c', `echo i > /data/inner/f && cat /data/inner/f; touch /data/x; ${MOUNTS('/data(/| )')}`],
      expect: expect(0, 'i\n/data ro\n/data/inner rw\n', 'touch: /data/x: Read-only file system\n'),
    }],
  },
  {
    id: 'R-13', title: 'a volume nested in a tmpfs (also a read-only tmpfs)', runc: true,
    steps: [
      out(['run', '--rm', '--tmpfs', '/data', '-v', 'spec-nest:/data/sub', 'spec-full', 'sh', '-c', `echo n > /data/sub/f && cat /data/sub/f; ${MOUNTS('/data(/| )')}`],
        'n', '/data rw', '/data/sub rw'),
      out(['run', '--rm', '-v', 'spec-nest:/data/sub', '--tmpfs', '/data:ro', 'spec-full', 'sh', '-c', `cat /data/sub/f; ${MOUNTS('/data(/| )')}`],
        'n', '/data ro', '/data/sub rw'),
    ],
  },
  {
    id: 'R-14', title: '-v, --mount and --tmpfs sorted together by depth, parents first', runc: true,
    steps: [
      out(['run', '--rm', '-v', 'spec-c:/a/b/c', '--mount', 'type=volume,src=spec-b,dst=/a/b', '--tmpfs', '/a', '-v', 'spec-d:/d', '--mount', 'type=tmpfs,dst=/e',
        'spec-full', 'sh', '-c', `${MOUNTS('/a(/| )')}; ${MOUNTS('/(d|e) ')} | sort`],
      '/a rw', '/a/b rw', '/a/b/c rw', '/d rw', '/e rw'),
    ],
  },
];

runTable('§9 read-only, sharing, ordering, nesting', cases);
