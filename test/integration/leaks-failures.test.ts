/**
 * No leaks after a failure (issue 3, item 7): every way a create, a start or a `run --rm` can
 * fail through bin/ballast, then a restart of the daemon; after each, and again after the
 * restart, nothing is left (see leaks-harness.ts for what is checked) and the failure is
 * recorded as Docker records it. Both runtimes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, assertNoLeaks, field, inspectState, startWorld, stopWorld, type World } from './leaks-harness.js';

let w: World | undefined;
const world = (): World => {
  if (!w) throw new Error('no daemon');
  return w;
};

async function ballast(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await world().cli.run(args, { timeoutMs: 60_000 });
  return r;
}

/** Ids of all containers (and notes them as seen, for the cgroup checks). */
async function allIds(): Promise<string[]> {
  const r = await api(world(), 'GET', '/containers/json?all=1');
  const ids = (r.json as Array<{ Id: string }>).map((c) => c.Id);
  for (const id of ids) world().seen.add(id);
  return ids;
}

async function volumeNames(): Promise<string[]> {
  const r = await api(world(), 'GET', '/volumes');
  return ((field(r.json, 'Volumes') as Array<{ Name: string }> | null) ?? []).map((v) => v.Name).sort();
}

async function idOf(name: string): Promise<string> {
  const r = await api(world(), 'GET', `/containers/${name}/json`);
  assert.equal(r.status, 200, r.body);
  const id = field(r.json, 'Id') as string;
  world().seen.add(id);
  return id;
}

const RUNTIMES = (process.env['BALLAST_TEST_RUNTIMES'] ?? 'crun,runc').split(',') as Array<'crun' | 'runc'>;

for (const runtime of RUNTIMES) {
  describe(`no leaks after failures (${runtime})`, { timeout: 240_000 }, () => {
    const rt = ['--runtime', runtime];
    let scratch = '';

    before(async () => {
      w = await startWorld();
      scratch = join(w.d.dir, 'scratch');
      mkdirSync(scratch, { recursive: true });
      writeFileSync(join(scratch, 'file.txt'), 'x\n');
    });
    after(async () => {
      await stopWorld(w);
      w = undefined;
    });

    it('bad mount specs and a missing image fail at create and leave nothing', async () => {
      const before = await volumeNames();
      const cases: Array<readonly string[]> = [
        ['--mount', 'type=bind,src=/nonexistent-ballast-leak,dst=/x'],
        ['-v', 'leakvol:/data:zz'],
        ['-v', 'leakvol:/data', '-v', 'leakvol2:/data'],
        ['--tmpfs', 'relative'],
        ['--mount', 'type=volume,dst=/data,volume-opt=type=tmpfs,volume-driver=nosuchdriver'],
        ['-v', 'nosuch:/data', '--volume-driver', 'nosuchdriver'],
      ];
      for (const opts of cases) {
        const r = await ballast(['run', '--rm', ...rt, ...opts, 'spec-full', 'true']);
        assert.notEqual(r.code, 0, `${opts.join(' ')} should fail`);
        const c = await ballast(['create', ...rt, ...opts, 'spec-full', 'true']);
        assert.notEqual(c.code, 0, `create ${opts.join(' ')} should fail`);
      }
      const missing = await ballast(['run', '--rm', ...rt, '-v', '/data', 'no-such-image-ballast', 'true']);
      assert.equal(missing.code, 125, missing.stderr);
      assert.match(missing.stderr, /No such image|Unable to find image|not found/i);
      assert.deepEqual(await allIds(), []);
      // A create that fails on its specification makes no volume, not even the named ones.
      assert.deepEqual(await volumeNames(), before);
      await assertNoLeaks(world(), 'after create failures');
    });

    it('an image VOLUME over a file fails after the rootfs was mounted: no row, no mount', async () => {
      // spec-full has /file.txt: a config volume there fails checkImagePaths, after the overlay is up.
      const r = await api(world(), 'POST', '/containers/create?name=leak-volfile', {
        Image: 'spec-full', Cmd: ['true'], Volumes: { '/file.txt': {} }, HostConfig: { Runtime: runtime },
      });
      assert.equal(r.status, 400, r.body);
      assert.deepEqual(await allIds(), []);
      await assertNoLeaks(world(), 'after a create that failed with the rootfs mounted');
    });

    it('a copy-up into a volume whose driver mount fails: create fails, no row, no user, no hold', async () => {
      const v = await ballast(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/nonexistent-ballast-leak', `badmount-${runtime}`]);
      assert.equal(v.code, 0, v.stderr);
      const before = await volumeNames();
      // /imgdir's anonymous volume is made (and filled) before /data's copy-up fails: dockerd removes it with the container.
      const r = await ballast(['create', ...rt, '--name', 'leak-copyup', '-v', '/imgdir', '-v', `badmount-${runtime}:/data`, 'spec-full', 'true']);
      assert.notEqual(r.code, 0, 'create should fail: the copy-up cannot mount the volume');
      assert.deepEqual(await allIds(), []);
      assert.deepEqual(await volumeNames(), before);
      await assertNoLeaks(world(), 'after a failed copy-up');
    });

    it('T-18: an invalid tmpfs option fails the start: created, 128, State.Error; nothing mounted', async () => {
      const c = await ballast(['create', ...rt, '--name', 'leak-t18', '-v', '/data', '--tmpfs', '/t:foo=bar', 'spec-full', 'true']);
      assert.equal(c.code, 0, c.stderr);
      const id = await idOf('leak-t18');
      const s = await ballast(['start', 'leak-t18']);
      assert.notEqual(s.code, 0);
      assert.match(s.stderr, /invalid tmpfs option \["foo" "bar"\]/);
      assert.deepEqual(await inspectState(world(), id), { status: 'created', running: false, exitCode: 128, error: 'invalid tmpfs option ["foo" "bar"]' });
      await assertNoLeaks(world(), 'after T-18');
      const rm = await ballast(['rm', '-v', 'leak-t18']);
      assert.equal(rm.code, 0, rm.stderr);
      await assertNoLeaks(world(), 'after rm of T-18');
    });

    it('a missing executable: 127, the container exits, nothing is left; --rm removes it', async () => {
      const r = await ballast(['run', ...rt, '--name', 'leak-127', '-v', '/data', 'spec-full', '/nonexistent']);
      assert.equal(r.code, 127, r.stderr);
      const id = await idOf('leak-127');
      const st = await inspectState(world(), id);
      assert.equal(st?.running, false);
      assert.equal(st?.exitCode, 127);
      await assertNoLeaks(world(), 'after a missing executable');
      const before = await volumeNames();
      const rr = await ballast(['run', '--rm', ...rt, '-v', '/anon', 'spec-full', '/nonexistent']);
      assert.equal(rr.code, 127, rr.stderr);
      assert.deepEqual((await allIds()).filter((x) => x !== id), []);
      assert.deepEqual(await volumeNames(), before, '--rm removes the anonymous volume of a container that failed to start');
      await ballast(['rm', '-v', 'leak-127']);
      await assertNoLeaks(world(), 'after --rm with a missing executable');
    });

    it('the runtime fails to create (a file bound over a directory): no conmon, state, cgroup, mount', async () => {
      const args = ['-v', `${join(scratch, 'file.txt')}:/bin`, '-v', '/data', 'spec-full', '/bin/true'];
      const r = await ballast(['run', ...rt, '--name', 'leak-rt', ...args]);
      assert.ok(r.code === 125 || r.code === 126 || r.code === 127, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /OCI runtime|runtime create failed|not a directory/i);
      const id = await idOf('leak-rt');
      const st = await inspectState(world(), id);
      assert.equal(st?.running, false);
      assert.notEqual(st?.exitCode, 0);
      await assertNoLeaks(world(), 'after a runtime create failure');
      const before = await volumeNames();
      const rr = await ballast(['run', '--rm', ...rt, ...args]);
      assert.notEqual(rr.code, 0);
      assert.deepEqual((await allIds()).filter((x) => x !== id), []);
      assert.deepEqual(await volumeNames(), before);
      await ballast(['rm', '-v', 'leak-rt']);
      await assertNoLeaks(world(), 'after --rm with a runtime create failure');
    });

    it('a driver mount that fails at start releases the volumes mounted before it', async () => {
      const good = `goodmount-${runtime}`;
      const bad = `badstart-${runtime}`;
      assert.equal((await ballast(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', good])).code, 0);
      assert.equal((await ballast(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${join(scratch, 'gone')}`, bad])).code, 0);
      // /a and /b do not exist in the image: no copy-up, so create succeeds and start is the first mount.
      const r = await ballast(['run', ...rt, '--name', 'leak-drv', '-v', `${good}:/a`, '-v', `${bad}:/b`, 'spec-full', 'true']);
      assert.notEqual(r.code, 0, 'start should fail on the bad volume');
      const id = await idOf('leak-drv');
      const st = await inspectState(world(), id);
      assert.equal(st?.running, false);
      assert.equal(st?.exitCode, 128);
      await assertNoLeaks(world(), 'after a failing driver mount');
      const rr = await ballast(['run', '--rm', ...rt, '-v', `${good}:/a`, '-v', `${bad}:/b`, 'spec-full', 'true']);
      assert.notEqual(rr.code, 0);
      assert.deepEqual((await allIds()).filter((x) => x !== id), [], '--rm removes the container whose start failed');
      await assertNoLeaks(world(), 'after --rm with a failing driver mount');
      // And once the source exists, the same container starts and stops cleanly.
      mkdirSync(join(scratch, 'gone'));
      const ok = await ballast(['start', '-a', 'leak-drv']);
      assert.equal(ok.code, 0, ok.stderr);
      await assertNoLeaks(world(), 'after the fixed container ran');
      assert.equal((await ballast(['rm', 'leak-drv'])).code, 0);
      assert.equal((await ballast(['volume', 'rm', good, bad])).code, 0);
    });

    it('after a restart nothing reappears and nothing is left', async () => {
      await world().d.restart();
      await assertNoLeaks(world(), 'after a restart');
      const r = await ballast(['run', '--rm', ...rt, 'spec-full', 'echo', 'still works']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'still works\n');
      for (const id of await allIds()) await ballast(['rm', '-f', '-v', id]);
      await assertNoLeaks(world(), 'at the end');
    });
  });
}
