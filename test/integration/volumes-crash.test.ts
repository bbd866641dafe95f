/**
 * Crash consistency of the volume store: workers create and remove volumes through the API while
 * the daemon is `kill -9`ed at random moments, then restarted. After every restart:
 *   - every listed volume has <root>/volumes/<name>/_data,
 *   - every directory <root>/volumes/<name> (names starting with '.' ignored) is listed,
 *   - an acknowledged create (201) is still there and an acknowledged rm (204/404) stays gone,
 *     unless another operation on that name was in flight when the daemon died,
 *   - data written into a completed volume is still there.
 * Budget: BALLAST_CRASH_SECONDS (default 60). BALLAST_TEST_AGAINST=dockerd runs it on dockerd.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { RestartableEngine } from '../helpers/engine.js';
import type { Json } from '../helpers/http.js';
import { startTarget, targetKind, volumeDirsOnDisk } from '../helpers/target.js';
import { sleep } from '../helpers/tmp.js';

const BUDGET_MS = Number(process.env['BALLAST_CRASH_SECONDS'] ?? 60) * 1000;
const WORKERS = 4;
const NAMES_PER_WORKER = 6;
const MIN_OPS = 200;
const SEED = Number(process.env['BALLAST_TEST_SEED'] ?? Date.now() % 100000);

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

type State = 'present' | 'absent' | 'unknown';

interface Model {
  /** What the client knows about each churned name. */
  names: Map<string, State>;
  /** Completed volumes holding a payload file: name → content. Never removed. */
  kept: Map<string, string>;
  ops: number;
  violations: string[];
}

class DaemonGone extends Error {}

async function call(engine: RestartableEngine, method: string, path: string, body?: Json): Promise<{ status: number; body: string }> {
  try {
    const opts = body === undefined ? { timeoutMs: 10_000 } : { body, timeoutMs: 10_000 };
    return await engine.api.request(method, path, opts);
  } catch {
    // Refused, reset or cut off mid-response: the daemon was killed under this request.
    throw new DaemonGone();
  }
}

/** One worker: churns its own names (so per-name history is sequential) and adds kept volumes. */
async function worker(engine: RestartableEngine, id: number, round: number, model: Model, rnd: () => number, stop: { now: boolean }): Promise<void> {
  let seq = 0;
  while (!stop.now) {
    const keep = rnd() < 0.15;
    if (keep) {
      const name = `keep-${round}-${id}-${seq++}`;
      let r: { status: number; body: string };
      try {
        r = await call(engine, 'POST', '/v1.41/volumes/create', { Name: name });
      } catch {
        return;
      }
      model.ops++;
      if (r.status !== 201) {
        model.violations.push(`create ${name}: ${r.status} ${r.body.trim()}`);
        continue;
      }
      const content = `payload ${name} ${rnd()}\n`;
      writeFileSync(`${engine.root}/volumes/${name}/_data/payload`, content);
      model.kept.set(name, content);
      continue;
    }
    const name = `churn-${id}-${Math.floor(rnd() * NAMES_PER_WORKER)}`;
    const before = model.names.get(name) ?? 'absent';
    const op = before === 'present' ? (rnd() < 0.8 ? 'rm' : 'create') : before === 'absent' ? (rnd() < 0.85 ? 'create' : 'rm') : rnd() < 0.5 ? 'rm' : 'create';
    model.names.set(name, 'unknown');
    let r: { status: number; body: string };
    try {
      r = op === 'create'
        ? await call(engine, 'POST', '/v1.41/volumes/create', { Name: name })
        : await call(engine, 'DELETE', `/v1.41/volumes/${name}`);
    } catch {
      return; // stays 'unknown': the operation may or may not have happened
    }
    model.ops++;
    if (op === 'create' && r.status === 201) model.names.set(name, 'present');
    else if (op === 'rm' && (r.status === 204 || (r.status === 404 && r.body.includes(`get ${name}: no such volume`)))) {
      if (r.status === 404 && before === 'present') model.violations.push(`rm ${name}: 404 but the volume had been created`);
      model.names.set(name, 'absent');
    } else {
      model.violations.push(`${op} ${name}: unexpected ${r.status} ${r.body.trim()}`);
    }
  }
}

interface Listing { names: string[] }

async function listVolumes(engine: RestartableEngine): Promise<Listing> {
  const r = await engine.api.request('GET', '/volumes');
  assert.equal(r.status, 200, `GET /volumes after restart: ${r.status} ${r.body}`);
  const body = JSON.parse(r.body) as { Volumes?: { Name?: string }[] | null };
  return { names: (body.Volumes ?? []).map((v) => String(v.Name)).sort() };
}

/** The consistency checks after a restart; resolves 'unknown' names to what the daemon says. */
async function check(engine: RestartableEngine, model: Model, round: number): Promise<void> {
  const { names: listed } = await listVolumes(engine);
  const set = new Set(listed);
  const dirs = volumeDirsOnDisk(engine.root);
  const where = `after crash #${round}`;
  const missingData = listed.filter((n) => !existsSync(`${engine.root}/volumes/${n}/_data`));
  assert.deepEqual(missingData, [], `${where}: listed volumes without <root>/volumes/<name>/_data`);
  const unlisted = dirs.filter((d) => !set.has(d));
  assert.deepEqual(unlisted, [], `${where}: directories under <root>/volumes that are not listed`);
  for (const [name, state] of model.names) {
    if (state === 'present') assert.ok(set.has(name), `${where}: ${name} was created (201) but is gone`);
    else if (state === 'absent') assert.ok(!set.has(name), `${where}: ${name} was removed (204/404) but is back`);
    else model.names.set(name, set.has(name) ? 'present' : 'absent');
  }
  for (const [name, content] of model.kept) {
    assert.ok(set.has(name), `${where}: kept volume ${name} is no longer listed`);
    const p = `${engine.root}/volumes/${name}/_data/payload`;
    assert.ok(existsSync(p), `${where}: ${p} is gone`);
    assert.equal(readFileSync(p, 'utf8'), content, `${where}: ${p} changed`);
  }
}

const kind = targetKind();

describe(`volume crash consistency (${kind})`, () => {
  let engine: RestartableEngine | undefined;

  before(async () => {
    engine = await startTarget(kind);
    process.stderr.write(`# crash seed ${SEED}, budget ${BUDGET_MS / 1000}s (BALLAST_TEST_SEED, BALLAST_CRASH_SECONDS)\n`);
  });

  after(async () => {
    await engine?.stop();
    // dockerd keeps (and on a clean stop removes) a bind of its data root; ballastd must leave nothing.
    if (engine?.kind === 'ballastd') assert.deepEqual(engine.leakedMounts, [], 'mounts left under the root after a clean stop');
  });

  it('create/rm under random kill -9, restart, consistency', { timeout: BUDGET_MS + 120_000 }, async () => {
    assert.ok(engine);
    const e = engine;
    const rnd = prng(SEED);
    const model: Model = { names: new Map(), kept: new Map(), ops: 0, violations: [] };
    const start = Date.now();
    let round = 0;
    // Kill moments spread from "right after start-up" to "well into the churn".
    while (Date.now() - start < BUDGET_MS || round < 3) {
      round++;
      const stop = { now: false };
      const workers = Array.from({ length: WORKERS }, (_, i) => worker(e, i, round, model, prng(SEED * 1000 + round * 10 + i), stop));
      await sleep(Math.floor(rnd() * 400));
      await e.kill9();
      stop.now = true;
      await Promise.all(workers);
      await e.restart();
      await check(e, model, round);
      assert.deepEqual(model.violations, [], `answers that were not Docker's (round ${round})`);
    }
    process.stderr.write(`# ${model.ops} acknowledged operations over ${round} kill -9 rounds; ${model.kept.size} volumes with data kept\n`);
    assert.ok(model.ops >= MIN_OPS, `only ${model.ops} operations completed in ${round} rounds (want ≥ ${MIN_OPS})`);
    // And the daemon still works normally after all that.
    const c = await e.api.request('POST', '/volumes/create', { body: { Name: 'after-crash' } });
    assert.equal(c.status, 201, c.body);
    const d = await e.api.request('DELETE', '/volumes/after-crash');
    assert.equal(d.status, 204, d.body);
  });
});
