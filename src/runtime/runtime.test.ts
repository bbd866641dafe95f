/**
 * Real containers through conmon + crun and conmon + runc, on a busybox
 * rootfs copied per container. Each suite ends by checking that nothing is
 * left: no conmon, no runtime state, no exit files, no mounts, no cgroups.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { hostCgroups, removeCgroupParent } from './cgroups.js';
import { readLog, type LogRecord } from './k8s-log.js';
import { readHostRlimits } from './rlimits.js';
import { ContainerRuntime, CreateError, ExecStartError, type ContainerRef } from './runtime.js';
import type { RuntimeName } from './runtime-cli.js';
import {
  copyRootfs,
  leakReport,
  mountPoints,
  realContainersUnavailable,
  tempDir,
  testSpec,
  TEST_CGROUP_PARENT,
} from './testkit.js';
import type { ContainerSpecInput } from './oci-spec.js';

function collect(stream: Readable): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (b: Buffer) => chunks.push(b));
  return () => Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Terminals echo what is typed: type only once the prompt-like output is there. */
async function waitForOutput(get: () => string, re: RegExp, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(get())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(get())}`);
    await sleep(10);
  }
}

for (const runtimeName of ['crun', 'runc'] as RuntimeName[]) {
  const skip = realContainersUnavailable(runtimeName);
  describe(`ContainerRuntime with ${runtimeName}`, { skip: skip ?? false }, () => {
    let base: string;
    let stateDir: string;
    let rt: ContainerRuntime;
    let mountsBefore: Set<string>;
    const refs: ContainerRef[] = [];
    let seq = 0;

    /** A fresh container directory and rootfs; registered for cleanup. */
    function prepare(over: Partial<ContainerSpecInput> = {}): { ref: ContainerRef; rootfs: string; spec: ReturnType<typeof testSpec> } {
      const id = `rt-${runtimeName}-${process.pid}-${++seq}`;
      const dir = join(base, id);
      const rootfs = copyRootfs(join(base, `${id}-rootfs`));
      const ref = { id, dir };
      refs.push(ref);
      return { ref, rootfs, spec: testSpec(id, rootfs, over) };
    }

    /** create → attach → start → wait, collecting output the way `docker run` does. */
    async function runAttached(args: string[], over: Partial<ContainerSpecInput> = {}, stdinData?: string) {
      const { ref, spec } = prepare({ args, ...over });
      await rt.create({ ...ref, spec, openStdin: stdinData !== undefined });
      const a = await rt.attach(ref, { stdin: stdinData !== undefined });
      const out = collect(a.stdout);
      const err = collect(a.stderr);
      await rt.start(ref);
      if (stdinData !== undefined) a.stdin?.end(stdinData);
      const status = await rt.wait(ref);
      await a.closed;
      return { ref, status, out: out(), err: err() };
    }

    before(() => {
      mountsBefore = mountPoints();
      base = tempDir(`ballast-rt-${runtimeName}-`);
      stateDir = join(base, 'state');
      rt = new ContainerRuntime({ stateDir, runtime: runtimeName, exitPollMs: 200 });
    });

    after(async () => {
      for (const ref of refs) await rt.delete(ref, { force: true }).catch(() => {});
      rt.close();
      removeCgroupParent(TEST_CGROUP_PARENT);
      // conmon removes nothing it made in the rootfs copies; they all go with base.
      const report = leakReport(stateDir, mountsBefore, [base]);
      rmSync(base, { recursive: true, force: true });
      assert.deepEqual(report, { conmons: [], runtimeState: [], exitFiles: [], newMounts: [], cgroups: [] });
    });

    it('echo hi: exit 0, output streamed and logged', async () => {
      const r = await runAttached(['sh', '-c', 'echo hi; echo oops >&2']);
      assert.equal(r.status.exitCode, 0);
      assert.equal(r.status.oomKilled, false);
      assert.equal(r.out, 'hi\n');
      assert.equal(r.err, 'oops\n');
      const records: LogRecord[] = [];
      for await (const rec of readLog(ContainerRuntime.defaultLogPath(r.ref))) records.push(rec);
      assert.deepEqual(
        records.map((x) => [x.stream, x.data.toString()]),
        [
          ['stdout', 'hi\n'],
          ['stderr', 'oops\n'],
        ],
      );
      assert.ok(records.every((x) => x.timeNs > 0n));
      // The crun hybrid workaround hides the v2 controllers in a private mount namespace only.
      const info = hostCgroups();
      if (info.mode === 'hybrid') {
        assert.deepEqual(readFileSync(`${info.root}/unified/cgroup.controllers`, 'utf8').split(/\s+/).filter(Boolean), info.hybridV2Controllers);
      }
      await rt.delete(r.ref);
      assert.deepEqual(await rt.state(r.ref), { status: 'missing' });
    });

    it('exit 3 → 3, and again after a restart of the same container', async () => {
      const { ref, spec } = prepare({ args: ['sh', '-c', 'echo run; exit 3'] });
      for (let round = 1; round <= 2; round++) {
        await rt.create({ ...ref, spec });
        await assert.rejects(rt.create({ ...ref, spec }), /already supervised/);
        await rt.start(ref);
        assert.equal((await rt.wait(ref)).exitCode, 3);
        await rt.delete(ref);
      }
      const lines: string[] = [];
      for await (const rec of readLog(ContainerRuntime.defaultLogPath(ref))) lines.push(rec.data.toString());
      assert.deepEqual(lines, ['run\n', 'run\n'], 'the log accumulates across runs, as docker logs does');
    });

    it('stdin is piped and closed on EOF', async () => {
      const r = await runAttached(['sh', '-c', 'cat; echo done'], {}, 'line one\nline two\n');
      assert.equal(r.status.exitCode, 0);
      assert.equal(r.out, 'line one\nline two\ndone\n');
      await rt.delete(r.ref);
    });

    it('create failure reports the runtime message and leaves nothing', async () => {
      const { ref, spec } = prepare({ args: ['/nonexistent-binary'] });
      await assert.rejects(rt.create({ ...ref, spec }), (e: unknown) => {
        assert.ok(e instanceof CreateError, String(e));
        assert.equal(e.reason, 'notFound');
        assert.match(e.message, /nonexistent-binary/);
        return true;
      });
      const st = await rt.state(ref);
      assert.deepEqual(st, { status: 'missing' }, JSON.stringify(st));
    });

    it('sleep 100: TERM is ignored by PID 1, KILL gives 137', async () => {
      const { ref, spec } = prepare({ args: ['sleep', '100'] });
      const created = await rt.create({ ...ref, spec });
      assert.ok(created.pid > 0 && created.conmonPid > 0);
      assert.equal((await rt.state(ref)).status, 'created');
      await rt.start(ref);
      await rt.kill(ref, 'SIGTERM');
      await sleep(300);
      assert.equal((await rt.state(ref)).status, 'running');
      await rt.kill(ref, 'KILL');
      const st = await rt.wait(ref);
      assert.equal(st.exitCode, 137);
      assert.equal((await rt.state(ref)).status, 'exited');
      await rt.delete(ref);
    });

    it('pause and resume', async () => {
      const { ref, spec } = prepare({ args: ['sleep', '100'] });
      await rt.create({ ...ref, spec });
      await rt.start(ref);
      await rt.pause(ref);
      assert.equal((await rt.state(ref)).status, 'paused');
      await rt.resume(ref);
      assert.equal((await rt.state(ref)).status, 'running');
      await rt.delete(ref, { force: true });
      assert.deepEqual(await rt.state(ref), { status: 'missing' });
    });

    it('a detached container outlives its adapter; a new adapter finds it and its exit code', async () => {
      const { ref, rootfs, spec } = prepare({
        args: ['sh', '-c', 'echo started; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo leaving; exit 7'],
      });
      const first = new ContainerRuntime({ stateDir, runtime: runtimeName });
      await first.create({ ...ref, spec });
      await first.start(ref);
      first.close(); // the engine goes away; conmon does not care

      const second = new ContainerRuntime({ stateDir, runtime: runtimeName, exitPollMs: 200 });
      try {
        const st = await second.state(ref);
        assert.equal(st.status, 'running');
        assert.ok(st.status === 'running' && st.supervised);
        // docker logs -f: follow until the container exits.
        const done = second.wait(ref);
        const lines: string[] = [];
        const follow = (async () => {
          for await (const rec of readLog(ContainerRuntime.defaultLogPath(ref), { follow: true, until: done, pollMs: 50 })) {
            lines.push(rec.data.toString());
            if (rec.data.toString() === 'started\n') writeFileSync(join(rootfs, 'tmp', 'go'), '');
          }
        })();
        const exit = await done;
        await follow;
        assert.equal(exit.exitCode, 7);
        assert.deepEqual(lines, ['started\n', 'leaving\n']);
        const again = await new ContainerRuntime({ stateDir, runtime: runtimeName }).state(ref);
        assert.equal(again.status, 'exited');
        assert.ok(again.status === 'exited' && again.exitCode === 7);
        await second.delete(ref);
      } finally {
        second.close();
      }
    });

    it('exec returns the exit code, with piped stdin/stdout/stderr', async () => {
      const { ref, spec } = prepare({ args: ['sleep', '100'], env: ['PATH=/bin', 'A=container'] });
      await rt.create({ ...ref, spec });
      await rt.start(ref);
      const ex = await rt.exec(ref, {
        args: ['sh', '-c', 'read x; echo "got:$x A=$A B=$B cwd=$(pwd) uid=$(id -u)"; echo e >&2; exit 5'],
        env: ['B=exec'],
        cwd: '/tmp',
        user: { uid: 65534, gid: 65534 },
      });
      const out = collect(ex.stdout);
      const err = collect(ex.stderr);
      ex.stdin.end('hello\n');
      assert.equal(await ex.exit, 5);
      assert.equal(out(), 'got:hello A=container B=exec cwd=/tmp uid=65534\n');
      assert.equal(err(), 'e\n');

      const missing = await rt.exec(ref, { args: ['no-such-command'] });
      missing.stdin.end();
      await assert.rejects(missing.exit, (e: unknown) => e instanceof ExecStartError && e.reason === 'notFound');

      const zero = await rt.exec(ref, { args: ['true'] });
      zero.stdin.end();
      assert.equal(await zero.exit, 0);

      const long = await rt.exec(ref, { args: ['sh', '-c', 'echo up; exec sleep 100'] });
      const longOut = collect(long.stdout);
      await waitForOutput(longOut, /up/);
      await sleep(50); // let `exec sleep` replace the shell
      long.kill('SIGKILL');
      assert.equal(await long.exit, 137);
      await rt.delete(ref, { force: true });
    });

    it('exec with a TTY: terminal, size, exit code', async () => {
      const { ref, spec } = prepare({ args: ['sleep', '100'] });
      await rt.create({ ...ref, spec });
      await rt.start(ref);
      const s = await rt.execTty(ref, {
        // The size reaches the pty through conmon's ctl FIFO, which can land a moment after the
        // process starts on a loaded machine: wait for it (at most 5 s) rather than race it.
        args: ['sh', '-c', 'tty; i=0; while ! stty size >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; stty size; read x; echo "typed:$x"; exit 4'],
        consoleSize: { height: 33, width: 101 },
        stdin: true,
      });
      assert.ok(s.pid > 0);
      const out = collect(s.attachment.stdout);
      await waitForOutput(out, /33 101\r\n/);
      s.attachment.stdin?.write('abc\n');
      assert.equal(await s.exit, 4);
      assert.match(out(), /\/dev\/pts\/\d+\r\n33 101\r\n/);
      assert.match(out(), /typed:abc/);
      await rt.delete(ref, { force: true });
    });

    it('TTY container (docker run -it): pty output, resize before start', async () => {
      const { ref, spec } = prepare({
        // As for exec: the size may land a moment after the process starts (re-sent at start).
        args: ['sh', '-c', 'tty; i=0; while ! stty size >/dev/null 2>&1 && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; stty size; read x; echo "in:$x"; exit 2'],
        terminal: true,
      });
      await rt.create({ ...ref, spec, openStdin: true });
      const a = await rt.attach(ref, { stdin: true });
      const out = collect(a.stdout);
      rt.resize(ref, 40, 120);
      await rt.start(ref);
      await waitForOutput(out, /40 120\r\n/);
      a.stdin?.write('xyz\n');
      const st = await rt.wait(ref);
      await a.closed;
      assert.equal(st.exitCode, 2);
      assert.match(out(), /\/dev\/pts\/0\r\n40 120\r\n/);
      assert.match(out(), /in:xyz/);
      await rt.delete(ref);
    });

    it('bind mounts (rw, ro), tmpfs and a read-only rootfs', async () => {
      const host = join(base, `host-${++seq}`);
      mkdirSync(join(host, 'rw'), { recursive: true });
      mkdirSync(join(host, 'ro'), { recursive: true });
      writeFileSync(join(host, 'ro', 'file'), 'from host\n');
      const r = await runAttached(
        [
          'sh',
          '-c',
          'echo w > /data/new && cat /ro/file && (echo x > /ro/x) 2>/dev/null || echo ro-ok; ' +
            '(touch /etc/x) 2>/dev/null || echo rootfs-ro-ok; echo s > /scratch/s && grep " /scratch " /proc/mounts | cut -d" " -f3',
        ],
        {
          readonlyRootfs: true,
          mounts: [
            { destination: '/data', type: 'bind', source: join(host, 'rw'), options: ['rbind', 'rw'] },
            { destination: '/ro', type: 'bind', source: join(host, 'ro'), options: ['rbind', 'ro'] },
            { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=64k'] },
          ],
        },
      );
      assert.equal(r.err, '');
      assert.equal(r.out, 'from host\nro-ok\nrootfs-ro-ok\ntmpfs\n');
      assert.equal(r.status.exitCode, 0);
      assert.equal(readFileSync(join(host, 'rw', 'new'), 'utf8'), 'w\n');
      await rt.delete(r.ref);
    });

    it('rlimits above the hard limit are clamped and the container starts', async () => {
      const hard = readHostRlimits().RLIMIT_NOFILE?.hard;
      assert.ok(hard !== undefined);
      const r = await runAttached(['sh', '-c', 'ulimit -Hn; ulimit -Sn'], {
        rlimits: {
          requested: [{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }],
          policy: 'clamp',
          host: readHostRlimits(),
        },
      });
      assert.equal(r.status.exitCode, 0);
      const limit = hard === 0xffff_ffff_ffff_ffffn ? 'unlimited' : hard.toString();
      assert.equal(r.out, `${limit}\n${limit}\n`);
      await rt.delete(r.ref);
    });

    it('memory limit: OOM kill is 137 and flagged', async () => {
      const r = await runAttached(['sh', '-c', 'tail /dev/zero'], {
        resources: { memoryBytes: 32 * 1024 * 1024, memorySwapBytes: 32 * 1024 * 1024 },
      });
      assert.equal(r.status.exitCode, 137);
      assert.equal(r.status.oomKilled, true);
      await rt.delete(r.ref);
    });
  });
}
