/**
 * No leaks after `kill -9` at random moments (issue 3, item 7). Each iteration fires one
 * container operation through the API — create (copy-up into an anonymous volume, a named
 * volume, a driver-mounted volume), run, start, stop, rm -f -v — on crun or runc, kills the
 * daemon after a random delay, restarts it, then checks:
 *   - nothing leaks (leaks-harness.ts: mounts, overlays, cgroups, conmons, runtime state, exit
 *     files, rows, directories);
 *   - what was acknowledged before the kill holds (a 201 create exists, a 204 start runs, a 204
 *     stop does not run, a 204 rm is gone), and an operation cut short left a valid state;
 *   - containers that exit while the daemon is down have their exit code recorded;
 *   - two long-running containers started first keep running through every kill and are still
 *     controllable at the end (exec, logs, stop and its exit code).
 * At the end every container is removed with -v and no anonymous volume is left.
 * BALLAST_KILL_ITERATIONS (default 30), BALLAST_TEST_SEED.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Json } from '../helpers/http.js';
import { sleep } from '../helpers/tmp.js';
import {
  HEX64, api, assertNoLeaks, createContainer, field, inspectState, noteIdsOnDisk, startWorld, stopWorld, type Answer, type World,
} from './leaks-harness.js';

const ITERATIONS = Number(process.env['BALLAST_KILL_ITERATIONS'] ?? 30);
const SEED = Number(process.env['BALLAST_TEST_SEED'] ?? Date.now() % 100000);
const TICKER = ['sh', '-c', 'trap "echo got TERM; exit 42" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done'];
/** Exits at once on TERM, so a stop is quick. */
const IDLE = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the test knows of a churn container. `unknown`: an operation on it was cut short. */
type Known = 'created' | 'running' | 'stopped' | 'gone' | 'unknown';

interface Churn {
  name: string;
  id: string | undefined;
  known: Known;
  runtime: 'crun' | 'runc';
  /** --rm: once it does not run it goes (at the latest at the next start-up, as dockerd's restore). */
  autoRemove: boolean;
}

let w: World | undefined;
const world = (): World => {
  if (!w) throw new Error('no daemon');
  return w;
};

function body(runtime: string, cmd: string[], autoRemove = false): { [key: string]: Json } {
  return {
    Image: 'spec-full',
    Cmd: cmd,
    HostConfig: { Runtime: runtime, Binds: ['/data', 'loop-named:/named', 'loop-tmpfs:/drv'], NetworkMode: 'none', AutoRemove: autoRemove },
  };
}

/** An API call that may be cut off by the kill: resolves with the answer or null. */
async function tryApi(method: string, path: string, b?: Json): Promise<Answer | null> {
  try {
    return await api(world(), method, path, b, 30_000);
  } catch {
    return null;
  }
}

describe('no leaks after kill -9 at random moments', { timeout: 600_000 }, () => {
  const rnd = prng(SEED);
  const churn: Churn[] = [];
  const keepers: string[] = [];
  /** Containers started to exit (with this code) on their own, possibly while the daemon is down. */
  const exiters = new Map<string, number>();

  before(async () => {
    w = await startWorld();
    const r = await api(w, 'POST', '/volumes/create', { Name: 'loop-tmpfs', DriverOpts: { type: 'tmpfs', device: 'tmpfs' } });
    assert.equal(r.status, 201, r.body);
    for (const [i, runtime] of (['crun', 'runc'] as const).entries()) {
      const id = await createContainer(w, body(runtime, TICKER), `loop-keeper-${i}`);
      assert.equal((await api(w, 'POST', `/containers/${id}/start`)).status, 204);
      keepers.push(id);
    }
  });
  after(async () => {
    await stopWorld(w);
    w = undefined;
  });

  it(`${ITERATIONS} kills during create / start / stop / rm (seed ${SEED})`, async (t) => {
    const slow: string[] = [];
    const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(rnd() * xs.length)];
    for (let iter = 0; iter < ITERATIONS; iter++) {
      const wd = world();
      const ctx = `iteration ${iter} (seed ${SEED})`;
      // Sometimes a container that exits by itself shortly, maybe while the daemon is down.
      if (rnd() < 0.3) {
        const code = 1 + Math.floor(rnd() * 100);
        const rt = rnd() < 0.5 ? 'crun' : 'runc';
        const id = await createContainer(wd, body(rt, ['sh', '-c', `sleep ${(rnd() * 0.6).toFixed(2)}; exit ${code}`]), `loop-exit-${iter}`);
        assert.equal((await api(wd, 'POST', `/containers/${id}/start`)).status, 204);
        exiters.set(id, code);
      }

      const live = churn.filter((c) => c.known !== 'gone' && c.id !== undefined);
      const roll = rnd();
      let op: 'create' | 'run' | 'start' | 'stop' | 'rm';
      if (live.length < 2 || roll < 0.25) op = rnd() < 0.5 ? 'create' : 'run';
      else if (roll < 0.45) op = 'start';
      else if (roll < 0.65) op = 'stop';
      else if (roll < 0.85) op = 'rm';
      else op = 'run';
      let target: Churn | undefined;
      if (op === 'start') target = pick(live.filter((c) => c.known === 'created' || c.known === 'stopped'));
      if (op === 'stop') target = pick(live.filter((c) => c.known === 'running'));
      if (op === 'rm') target = pick(live);
      if ((op === 'start' || op === 'stop' || op === 'rm') && !target) op = 'run';

      let ack: () => void = () => undefined;
      let flight: Promise<void>;
      if (op === 'create' || op === 'run') {
        const c: Churn = { name: `loop-${iter}`, id: undefined, known: 'unknown', runtime: rnd() < 0.5 ? 'crun' : 'runc', autoRemove: op === 'run' && rnd() < 0.3 };
        churn.push(c);
        target = c;
        flight = (async () => {
          const r = await tryApi('POST', `/containers/create?name=${c.name}`, body(c.runtime, IDLE, c.autoRemove));
          if (r?.status !== 201) return;
          c.id = field(r.json, 'Id') as string;
          wd.seen.add(c.id);
          if (op === 'create') {
            ack = () => (c.known = 'created');
            return;
          }
          c.known = 'created';
          const s = await tryApi('POST', `/containers/${c.id}/start`);
          if (s?.status === 204) ack = () => (c.known = 'running');
          else c.known = 'unknown';
        })();
      } else {
        const c = target as Churn;
        const before = c.known;
        c.known = 'unknown';
        const path = op === 'rm' ? `/containers/${c.id}?force=1&v=1` : `/containers/${c.id}/${op}${op === 'stop' ? '?t=5' : ''}`;
        flight = (async () => {
          const r = await tryApi(op === 'rm' ? 'DELETE' : 'POST', path);
          if (r && (r.status === 204 || r.status === 304)) ack = () => (c.known = op === 'rm' ? 'gone' : op === 'start' ? 'running' : 'stopped');
          else if (r) c.known = before; // refused: nothing happened
        })();
      }
      // Kill at a random moment, biased towards the first few hundred milliseconds.
      const delay = Math.floor(rnd() * rnd() * 500);
      await sleep(delay);
      await wd.d.kill9();
      await flight;
      ack();
      noteIdsOnDisk(wd);
      const restartAt = Date.now();
      await wd.d.restart();
      if (Date.now() - restartAt > 5000) slow.push(`${iter}: ${op} restart took ${Date.now() - restartAt} ms`);
      await assertNoLeaks(wd, `${ctx}: ${op} ${target?.name ?? ''} killed after ${delay} ms`);

      // What was acknowledged holds; what was cut short is in a valid state, learnt from inspect.
      for (const c of churn) {
        if (c.known === 'gone') continue;
        const ref = c.id ?? c.name;
        const st = await inspectState(wd, ref);
        const where = `${ctx}: ${c.name} (${c.runtime}) was ${c.known}, is ${JSON.stringify(st)}`;
        if (c.autoRemove) {
          if (c.known === 'created' || c.known === 'stopped') assert.equal(st, null, where);
          if (st) assert.ok(st.running, where);
        }
        if (c.known === 'created' && !c.autoRemove) assert.ok(st && !st.running && st.status === 'created', where);
        if (c.known === 'running') assert.ok(st?.running, where);
        if (c.known === 'stopped' && !c.autoRemove) assert.ok(st && !st.running, where);
        if (st && !c.id) {
          c.id = (field((await api(wd, 'GET', `/containers/${c.name}/json`)).json, 'Id') as string | null) ?? undefined;
          if (c.id) wd.seen.add(c.id);
        }
        c.known = !st ? 'gone' : st.running ? 'running' : st.status === 'created' ? 'created' : 'stopped';
      }
      for (const id of keepers) assert.equal((await inspectState(wd, id))?.running, true, `${ctx}: keeper ${id} still runs`);
      for (const [id, code] of exiters) {
        let st = await inspectState(wd, id);
        for (let i = 0; i < 30 && st?.running; i++) {
          await sleep(100);
          st = await inspectState(wd, id);
        }
        assert.deepEqual({ running: st?.running, status: st?.status, exitCode: st?.exitCode }, { running: false, status: 'exited', exitCode: code }, `${ctx}: exiter ${id}`);
        assert.equal((await api(wd, 'DELETE', `/containers/${id}?v=1`)).status, 204);
        exiters.delete(id);
      }
    }
    // What start-up reconciliation had to do, from the daemon's log: evidence the kills landed mid-operation.
    const logs = world().d.logs();
    for (const what of ['interrupted create undone', 'interrupted removal finished', 'runtime leftovers of a stopped container removed', 'orphaned container removed', 'volumes reconciled']) {
      t.diagnostic(`${what}: ${logs.split(`"msg":"${what}"`).length - 1}`);
    }
    for (const s of slow) t.diagnostic(`slow restart: ${s}`);
  });

  it('the long-running containers are still controllable; everything removes cleanly', async () => {
    const wd = world();
    for (const [i, id] of keepers.entries()) {
      const name = `loop-keeper-${i}`;
      const ex = await wd.cli.run(['exec', name, 'sh', '-c', 'echo $((6*7)); ls /data /named /drv >/dev/null && echo mounts-ok']);
      assert.equal(ex.code, 0, ex.stderr);
      assert.equal(ex.stdout, '42\nmounts-ok\n');
      const logs = await wd.cli.run(['logs', '--tail', '3', name]);
      assert.match(logs.stdout, /^tick \d+\n/);
      const stop = await wd.cli.run(['stop', name]);
      assert.equal(stop.code, 0, stop.stderr);
      const st = await inspectState(wd, id);
      assert.deepEqual({ running: st?.running, exitCode: st?.exitCode }, { running: false, exitCode: 42 });
    }
    const all = (await api(wd, 'GET', '/containers/json?all=1')).json as Array<{ Id: string }>;
    for (const c of all) {
      const r = await api(wd, 'DELETE', `/containers/${c.Id}?force=1&v=1`);
      assert.equal(r.status, 204, r.body);
    }
    await assertNoLeaks(wd, 'after removing everything');
    const volumes = ((field((await api(wd, 'GET', '/volumes')).json, 'Volumes') as Array<{ Name: string }> | null) ?? []).map((v) => v.Name);
    assert.deepEqual(volumes.filter((v) => HEX64.test(v)), [], 'no anonymous volume outlives its container');
  });
});
