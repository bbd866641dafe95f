import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { conmonCreateArgv, conmonExecArgv, isConmonAlive, LineReader, parseSyncLine } from './conmon.js';
import { classifyRuntimeError, RuntimeCli } from './runtime-cli.js';
import { signalArg } from './runtime.js';
import type { CgroupInfo } from './cgroups.js';

const hybrid: CgroupInfo = { root: '/sys/fs/cgroup', mode: 'hybrid', hybridV2Controllers: ['hugetlb'], crunNeedsHybridWorkaround: true };
const unified: CgroupInfo = { root: '/sys/fs/cgroup', mode: 'unified', hybridV2Controllers: [], crunNeedsHybridWorkaround: false };

describe('conmon argv', () => {
  it('create: sync/attach essentials, runtime args in "=" form', () => {
    const argv = conmonCreateArgv({
      id: 'c1',
      runtime: { path: '/usr/bin/unshare', args: ['--mount', '--', '/bin/sh'] },
      bundleDir: '/c/bundle',
      pidFile: '/c/pidfile',
      exitDir: '/e/exits',
      log: { driver: 'k8s-file', path: '/c/ctr.log', sizeMax: 1000 },
      terminal: false,
      stdin: true,
      conmonPidFile: '/c/conmon.pid',
      persistDir: '/c',
      exitCommand: { path: '/usr/bin/ballast', args: ['cleanup', 'c1'] },
    });
    const has = (...xs: string[]): void => {
      const i = argv.indexOf(xs[0] ?? '');
      assert.ok(i >= 0, `${xs[0]} missing in ${argv.join(' ')}`);
      assert.deepEqual(argv.slice(i, i + xs.length), xs);
    };
    has('--api-version', '-c', 'c1', '-u', 'c1', '-n', 'c1', '-r', '/usr/bin/unshare');
    has('--runtime-arg=--mount', '--runtime-arg=--', '--runtime-arg=/bin/sh');
    has('--full-attach');
    has('-l', 'k8s-file:/c/ctr.log', '--log-size-max', '1000');
    has('--exit-dir', '/e/exits');
    has('--persist-dir', '/c');
    has('--conmon-pidfile', '/c/conmon.pid');
    has('--exit-command', '/usr/bin/ballast', '--exit-command-arg=cleanup', '--exit-command-arg=c1');
    has('-i');
    assert.ok(!argv.includes('-t'));
    assert.ok(!argv.includes('--leave-stdin-open'));
  });

  it('create: --leave-stdin-open only with stdin', () => {
    const common = {
      id: 'c1',
      runtime: { path: '/usr/bin/crun', args: [] },
      bundleDir: '/b',
      pidFile: '/p',
      exitDir: '/e',
      log: { driver: 'none' as const },
      terminal: true,
      conmonPidFile: '/cp',
      persistDir: '/c',
      leaveStdinOpen: true,
    };
    assert.ok(conmonCreateArgv({ ...common, stdin: true }).includes('--leave-stdin-open'));
    assert.ok(!conmonCreateArgv({ ...common, stdin: false }).includes('--leave-stdin-open'));
  });

  it('exec: own uuid, process spec, exec-attach, tty', () => {
    const argv = conmonExecArgv({
      id: 'c1',
      execId: 'e1',
      runtime: { path: '/usr/bin/crun', args: ['--root=/e/crun'] },
      bundleDir: '/c/exec/e1',
      pidFile: '/c/exec/e1/pid',
      exitDir: '/c/exec/e1/exits',
      log: { driver: 'none' },
      terminal: true,
      stdin: false,
      processSpec: '/c/exec/e1/process.json',
      attach: true,
    });
    assert.deepEqual(argv.slice(0, 10), ['--api-version', '-c', 'c1', '-u', 'e1', '-n', 'c1', '-r', '/usr/bin/crun', '--runtime-arg=--root=/e/crun']);
    for (const a of ['--exec', '--exec-attach', '-t']) assert.ok(argv.includes(a), a);
    assert.ok(argv.includes('none'));
    assert.ok(!argv.includes('--persist-dir'));
  });
});

describe('sync pipe', () => {
  const cases: [string, ReturnType<typeof parseSyncLine>][] = [
    ['{"data": 28936}', { data: 28936 }],
    ['{"data": -1, "message": "executable file `/x` not found\\n"}', { data: -1, message: 'executable file `/x` not found\n' }],
    ['{"pid": 12}', { data: 12 }],
    ['{"exit_code": 3}', { data: 3 }],
  ];
  for (const [line, want] of cases) it(line, () => assert.deepEqual(parseSyncLine(line), want));
  it('rejects garbage', () => {
    assert.throws(() => parseSyncLine('{"nope": 1}'));
    assert.throws(() => parseSyncLine('[]'));
  });

  it('LineReader splits chunks into lines and reports the end', async () => {
    const s = new PassThrough();
    const r = new LineReader(s);
    s.write('{"data": 1}\n{"da');
    s.write('ta": 2}\n');
    s.end('{"data": 3}');
    assert.equal(await r.next(), '{"data": 1}');
    assert.equal(await r.next(), '{"data": 2}');
    assert.equal(await r.next(), '{"data": 3}');
    assert.equal(await r.next(), null);
  });
});

describe('runtime command line', () => {
  it('crun on a hybrid host creates through unshare, other commands directly', () => {
    const cli = new RuntimeCli({ name: 'crun', binary: '/usr/bin/crun', root: '/e/crun', cgroups: hybrid });
    const c = cli.createCommand();
    assert.equal(c.path, '/usr/bin/unshare');
    assert.deepEqual(c.args.slice(-3), ['/sys/fs/cgroup/unified/cgroup.controllers', '/usr/bin/crun', '--root=/e/crun']);
    assert.deepEqual(cli.plainCommand(), { path: '/usr/bin/crun', args: ['--root=/e/crun'] });
  });
  it('no workaround on unified hosts, never for runc', () => {
    const crun = new RuntimeCli({ name: 'crun', binary: '/usr/bin/crun', root: '/e/crun', cgroups: unified });
    assert.deepEqual(crun.createCommand(), { path: '/usr/bin/crun', args: ['--root=/e/crun'] });
    const runc = new RuntimeCli({ name: 'runc', binary: '/usr/sbin/runc', root: '/e/runc', cgroups: hybrid });
    assert.deepEqual(runc.createCommand(), { path: '/usr/sbin/runc', args: ['--root=/e/runc'] });
  });

  const errors: [string, ReturnType<typeof classifyRuntimeError>][] = [
    ['error opening file `/e/crun/nope/status`: No such file or directory', 'notFound'],
    ["cannot open directory '/e/crun/nope': No such file or directory", 'notFound'],
    ['container does not exist', 'notFound'],
    ['the container `c1` is not in `created` or `stopped` state', 'notStopped'],
    ['cannot delete container c1 that is not stopped: running', 'notStopped'],
    ['open pidfd: No such process', 'notRunning'],
    ['container not running', 'notRunning'],
    ['the container `c1` is paused', 'paused'],
    ['something else broke', 'other'],
  ];
  for (const [msg, want] of errors) it(`classifies "${msg}"`, () => assert.equal(classifyRuntimeError(msg), want));

  const signals: [string | number, string][] = [
    ['SIGTERM', 'TERM'],
    ['kill', 'KILL'],
    ['9', '9'],
    [15, '15'],
    ['sigusr1', 'USR1'],
  ];
  for (const [input, want] of signals) it(`signal ${input} → ${want}`, () => assert.equal(signalArg(input), want));
  it('refuses unknown signals', () => {
    assert.throws(() => signalArg('SIGNOPE'), /Invalid signal/);
    assert.throws(() => signalArg(0), /Invalid signal/);
  });
});

describe('isConmonAlive', () => {
  it('is false for processes that are not conmon, and for unused pids', () => {
    assert.equal(isConmonAlive(process.pid, 'x'), false);
    assert.equal(isConmonAlive(0, 'x'), false);
    assert.equal(isConmonAlive(2 ** 22 + 1, 'x'), false);
  });
});
