/**
 * No leaks after the daemon dies at each step of create, start, exit and remove (issue 3,
 * item 7). The daemon's crash points (src/engine/containers/crash-points.ts, enabled by
 * BALLAST_CRASH_POINT_FILE) make it SIGKILL itself exactly between two steps; then it is
 * restarted and:
 *   - nothing is left that no row accounts for (leaks-harness.ts);
 *   - a create that never answered is undone, with the anonymous volumes it made (a named
 *     volume it made stays, as after any failed create);
 *   - a start that never answered is rolled back (the container does not run), and the
 *     container starts normally afterwards;
 *   - an exit recorded just before the crash keeps its code;
 *   - a removal that never answered is finished, `-v` included;
 *   - two long-running containers started at the beginning keep running through every crash and
 *     are still controllable at the end (logs, exec, stop with its exit code), and a container
 *     that exits while the daemon is down has its exit code recorded.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import {
  api, armCrashPoint, assertNoLeaks, createContainer, disarmCrashPoint, field, inspectState, noteIdsOnDisk,
  startWorld, stopWorld, waitDaemonDeath, type World,
} from './leaks-harness.js';
import { sleep } from '../helpers/tmp.js';
import type { Json } from '../helpers/http.js';

const RUNTIMES = (process.env['BALLAST_TEST_RUNTIMES'] ?? 'crun,runc').split(',') as Array<'crun' | 'runc'>;
/** Long-running, answers TERM with 42, prints a tick every 0.2 s. */
const TICKER = ['sh', '-c', 'trap "echo got TERM; exit 42" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'];

let w: World | undefined;
const world = (): World => {
  if (!w) throw new Error('no daemon');
  return w;
};

async function volumeNames(): Promise<string[]> {
  const r = await api(world(), 'GET', '/volumes');
  return ((field(r.json, 'Volumes') as Array<{ Name: string }> | null) ?? []).map((v) => v.Name).sort();
}

async function containerIds(): Promise<string[]> {
  const r = await api(world(), 'GET', '/containers/json?all=1');
  return (r.json as Array<{ Id: string }>).map((c) => c.Id).sort();
}

async function waitForTick(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await world().cli.run(['logs', id]);
    if (r.stdout.includes('tick 0')) return;
    await sleep(50);
  }
  throw new Error(`${id} never printed a tick`);
}

/** Arms `point`, fires the request (which must die with the daemon), restarts, checks no leaks. */
async function crashAt(point: string, request: () => Promise<unknown>): Promise<void> {
  const wd = world();
  armCrashPoint(wd, point);
  const answered = await request().then(
    (r) => ({ ok: true, r }),
    () => ({ ok: false, r: null }),
  );
  const died = await waitDaemonDeath(wd);
  disarmCrashPoint(wd);
  assert.ok(died, `the daemon did not reach ${point} (answer: ${JSON.stringify(answered.r)})`);
  noteIdsOnDisk(wd);
  await wd.d.restart();
  await assertNoLeaks(wd, `after a crash at ${point}`);
}

for (const RUNTIME of RUNTIMES) {
  function volumeBody(extra: { [key: string]: Json } = {}): { [key: string]: Json } {
    return {
      Image: 'spec-full',
      Cmd: TICKER,
      // /data: an anonymous volume filled from the image (copy-up); a named one; a driver-mounted one.
      HostConfig: { Runtime: RUNTIME, Binds: ['/data', 'cp-named:/named', 'cp-tmpfs:/drv'], NetworkMode: 'none' },
      ...extra,
    };
  }

  describe(`no leaks after a crash at each step (${RUNTIME})`, { timeout: 300_000 }, () => {
    const keepers: string[] = [];

    before(async () => {
      w = await startWorld();
      const r = await api(w, 'POST', '/volumes/create', { Name: 'cp-tmpfs', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
      assert.equal(r.status, 201, r.body);
      for (const name of ['keeper-a', 'keeper-b']) {
        const id = await createContainer(w, volumeBody(), name);
        const s = await api(w, 'POST', `/containers/${id}/start`);
        assert.equal(s.status, 204, s.body);
        const ex = await w.cli.run(['exec', name, 'sh', '-c', `echo ${name} > /data/marker; echo ${name} > /drv/${name}`]);
        assert.equal(ex.code, 0, ex.stderr);
        keepers.push(id);
      }
    });
    after(async () => {
      await stopWorld(w);
      w = undefined;
    });

    for (const point of ['create:dir', 'create:rootfs', 'create:volumes', 'create:row', 'create:copy-up']) {
      it(`create dies at ${point}: undone, its anonymous volume too`, async () => {
        const beforeIds = await containerIds();
        const beforeVolumes = await volumeNames();
        await crashAt(point, () => api(world(), 'POST', `/containers/create?name=half-${point.replace(':', '-')}`, volumeBody()));
        assert.deepEqual(await containerIds(), beforeIds, 'the half-made container is gone');
        const volumes = await volumeNames();
        // cp-named was made by the create (as dockerd keeps it after a failed create) or before.
        assert.deepEqual(volumes.filter((v) => v !== 'cp-named'), beforeVolumes.filter((v) => v !== 'cp-named'), 'no anonymous volume is left');
        // The name is free again.
        const id = await createContainer(world(), volumeBody(), `half-${point.replace(':', '-')}`);
        const rm = await api(world(), 'DELETE', `/containers/${id}?v=1`);
        assert.equal(rm.status, 204, rm.body);
        await assertNoLeaks(world(), `after the retried create (${point})`);
      });
    }

    for (const point of ['start:mounts', 'start:runtime-created', 'start:runtime-started']) {
      it(`start dies at ${point}: rolled back, and the container starts afterwards`, async () => {
        const id = await createContainer(world(), volumeBody(), `st-${point.replace(':', '-')}`);
        await crashAt(point, () => api(world(), 'POST', `/containers/${id}/start`));
        const st = await inspectState(world(), id);
        assert.equal(st?.running, false, `a start nobody was told about is rolled back: ${JSON.stringify(st)}`);
        const s = await api(world(), 'POST', `/containers/${id}/start`);
        assert.equal(s.status, 204, s.body);
        await waitForTick(id); // the TERM trap is set: sh as PID 1 ignores TERM before that
        const stop = await api(world(), 'POST', `/containers/${id}/stop?t=5`);
        assert.equal(stop.status, 204, stop.body);
        assert.equal((await inspectState(world(), id))?.exitCode, 42);
        const rm = await api(world(), 'DELETE', `/containers/${id}?v=1`);
        assert.equal(rm.status, 204, rm.body);
        await assertNoLeaks(world(), `after start/stop/rm following ${point}`);
      });
    }

    it('the engine dies right after recording an exit: the code stays, the rest is cleaned', async () => {
      const id = await createContainer(world(), volumeBody({ Cmd: ['sh', '-c', 'sleep 0.3; exit 3'] }), 'exit-rec');
      await crashAt('exit:recorded', async () => {
        const s = await api(world(), 'POST', `/containers/${id}/start`);
        assert.equal(s.status, 204, s.body);
        await sleep(3000); // the exit, and the crash after recording it
      });
      const st = await inspectState(world(), id);
      assert.deepEqual({ running: st?.running, status: st?.status, exitCode: st?.exitCode }, { running: false, status: 'exited', exitCode: 3 });
      assert.equal((await api(world(), 'DELETE', `/containers/${id}?v=1`)).status, 204);
    });

    it('--rm: the engine dies after recording the exit, before removing: removed at the restart, -v included', async () => {
      const beforeVolumes = await volumeNames();
      const body = volumeBody({ Cmd: ['sh', '-c', 'sleep 0.3; exit 3'] });
      (body['HostConfig'] as { [key: string]: Json })['AutoRemove'] = true;
      const id = await createContainer(world(), body, 'rm-exit-rec');
      await crashAt('exit:recorded', async () => {
        assert.equal((await api(world(), 'POST', `/containers/${id}/start`)).status, 204);
        await sleep(3000);
      });
      assert.equal(await inspectState(world(), id), null);
      assert.deepEqual(await volumeNames(), beforeVolumes);
    });

    it('--rm: a container that exits while the daemon is down is removed at the restart', async () => {
      const wd = world();
      const beforeVolumes = await volumeNames();
      const body = volumeBody({ Cmd: ['sh', '-c', 'sleep 0.5; exit 5'] });
      (body['HostConfig'] as { [key: string]: Json })['AutoRemove'] = true;
      const id = await createContainer(wd, body, 'rm-while-down');
      assert.equal((await api(wd, 'POST', `/containers/${id}/start`)).status, 204);
      await wd.d.kill9();
      noteIdsOnDisk(wd);
      await sleep(1500);
      await wd.d.restart();
      assert.equal(await inspectState(wd, id), null);
      assert.deepEqual(await volumeNames(), beforeVolumes);
      await assertNoLeaks(wd, 'after a --rm container exited while the daemon was down');
    });

    for (const point of ['remove:marked', 'remove:runtime-deleted', 'remove:layer-removed', 'remove:row-deleted']) {
      it(`rm -f -v dies at ${point}: the removal is finished, anonymous volume included`, async () => {
        const beforeVolumes = await volumeNames();
        const id = await createContainer(world(), volumeBody(), `rm-${point.replace(':', '-')}`);
        const s = await api(world(), 'POST', `/containers/${id}/start`);
        assert.equal(s.status, 204, s.body);
        await crashAt(point, () => api(world(), 'DELETE', `/containers/${id}?force=1&v=1`));
        assert.equal(await inspectState(world(), id), null, 'the container is gone');
        assert.deepEqual(await volumeNames(), beforeVolumes, 'its anonymous volume is gone, the named ones stay');
      });
    }

    it('a container that exits while the daemon is down has its exit code recorded', async () => {
      const wd = world();
      const id = await createContainer(wd, volumeBody({ Cmd: ['sh', '-c', 'sleep 1; exit 7'] }), 'exits-while-down');
      assert.equal((await api(wd, 'POST', `/containers/${id}/start`)).status, 204);
      await wd.d.kill9();
      noteIdsOnDisk(wd);
      await sleep(2500);
      await wd.d.restart();
      const st = await inspectState(wd, id);
      assert.deepEqual({ running: st?.running, status: st?.status, exitCode: st?.exitCode }, { running: false, status: 'exited', exitCode: 7 });
      const waited = await api(wd, 'POST', `/containers/${id}/wait`);
      assert.equal(field(waited.json, 'StatusCode'), 7);
      await assertNoLeaks(wd, 'after an exit while the daemon was down');
      assert.equal((await api(wd, 'DELETE', `/containers/${id}?v=1`)).status, 204);
    });

    it('a running container the rows no longer know (a rolled-back database) is cleared from the host', async () => {
      const wd = world();
      const id = await createContainer(wd, volumeBody(), 'forgotten');
      assert.equal((await api(wd, 'POST', `/containers/${id}/start`)).status, 204);
      await wd.d.kill9();
      noteIdsOnDisk(wd);
      const db = new Database(`${wd.d.root}/state/ballast.db`);
      try {
        db.prepare('DELETE FROM volume_users WHERE container_id = ?').run(id);
        db.prepare('DELETE FROM containers WHERE id = ?').run(id);
      } finally {
        db.close();
      }
      await wd.d.restart();
      await assertNoLeaks(wd, 'after a restart with an orphaned running container');
      assert.equal(await inspectState(wd, id), null);
    });

    it('the long-running containers survived every crash and are still controllable', async () => {
      const wd = world();
      for (const [i, id] of keepers.entries()) {
        const name = i === 0 ? 'keeper-a' : 'keeper-b';
        const st = await inspectState(wd, id);
        assert.equal(st?.running, true, `${name} still runs`);
        const ex = await wd.cli.run(['exec', name, 'sh', '-c', `cat /data/marker /drv/${name}`]);
        assert.equal(ex.code, 0, ex.stderr);
        assert.equal(ex.stdout, `${name}\n${name}\n`, 'its volumes (the driver-mounted one too) are still there');
        const before = (await wd.cli.run(['logs', name])).stdout.split('\n').filter((l) => l.startsWith('tick')).length;
        await sleep(700);
        const logs = await wd.cli.run(['logs', name]);
        const ticks = logs.stdout.split('\n').filter((l) => l.startsWith('tick')).length;
        assert.ok(ticks > before, `${name} keeps logging (${before} → ${ticks} ticks)`);
      }
      const stop = await wd.cli.run(['stop', '-t', '10', 'keeper-a']);
      assert.equal(stop.code, 0, stop.stderr);
      const st = await inspectState(wd, keepers[0] as string);
      assert.deepEqual({ running: st?.running, exitCode: st?.exitCode }, { running: false, exitCode: 42 });
      assert.match((await wd.cli.run(['logs', '--tail', '1', 'keeper-a'])).stdout, /got TERM/);
      // keeper-b is killed while the daemon is down: its exit (137) is recorded at the restart.
      await wd.d.kill9();
      noteIdsOnDisk(wd);
      process.kill(Number(readFileSync(`${wd.d.root}/containers/${keepers[1]}/pidfile`, 'utf8')), 'SIGKILL');
      await sleep(1000);
      await wd.d.restart();
      const stb = await inspectState(wd, keepers[1] as string);
      assert.deepEqual({ running: stb?.running, exitCode: stb?.exitCode }, { running: false, exitCode: 137 });
      await assertNoLeaks(wd, 'after the keepers stopped');
      for (const id of keepers) assert.equal((await api(wd, 'DELETE', `/containers/${id}?v=1`)).status, 204);
      assert.equal((await api(wd, 'DELETE', '/volumes/cp-named')).status, 204);
      assert.equal((await api(wd, 'DELETE', '/volumes/cp-tmpfs')).status, 204);
      await assertNoLeaks(wd, 'at the end');
    });
  });
}
