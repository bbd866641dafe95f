/**
 * Eight clients creating and removing the same volume names at once must each get one of
 * Docker's answers, and afterwards the volume list and the directories under <root>/volumes
 * must agree. BALLAST_TEST_AGAINST=dockerd runs the same file against the reference dockerd.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Cli, type CliResult } from '../helpers/cli.js';
import type { Engine } from '../helpers/engine.js';
import type { ApiResponse, Json } from '../helpers/http.js';
import { clientsFor, startTarget, targetKind, volumeDirsOnDisk } from '../helpers/target.js';

const NAMES = ['cc-a', 'cc-b', 'cc-c', 'cc-d'] as const;
const CLIENTS = 8;
const CLI_OPS = Number(process.env['BALLAST_CONCURRENCY_CLI_OPS'] ?? 10);
const API_OPS = Number(process.env['BALLAST_CONCURRENCY_API_OPS'] ?? 100);

/** Small deterministic PRNG (mulberry32), so a failing interleaving's op mix can be replayed. */
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
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const SEED = Number(process.env['BALLAST_TEST_SEED'] ?? Date.now() % 100000);

function cliVerdict(op: 'create' | 'rm', name: string, r: CliResult): string | undefined {
  const got = `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
  if (r.code === 0 && r.stdout === `${name}\n` && r.stderr === '') return undefined;
  if (op === 'rm' && r.code === 1 && r.stdout === '' && r.stderr === `Error response from daemon: get ${name}: no such volume\n`) return undefined;
  return `volume ${op} ${name}: ${got}`;
}

function obj(v: Json): { [k: string]: Json } {
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `expected a JSON object, got ${JSON.stringify(v)}`);
  return v;
}

function parse(res: ApiResponse): Json {
  return JSON.parse(res.body) as Json;
}

function apiVerdict(op: string, name: string, res: ApiResponse): string | undefined {
  const got = `${res.status} ${res.body.trim()}`;
  try {
    switch (op) {
      case 'create':
        if (res.status === 201 && obj(parse(res))['Name'] === name) return undefined;
        break;
      case 'rm':
        if (res.status === 204 && res.body === '') return undefined;
        if (res.status === 404 && obj(parse(res))['message'] === `get ${name}: no such volume`) return undefined;
        break;
      case 'inspect':
        if (res.status === 200 && obj(parse(res))['Mountpoint'] !== undefined && obj(parse(res))['Name'] === name) return undefined;
        if (res.status === 404 && obj(parse(res))['message'] === `get ${name}: no such volume`) return undefined;
        break;
      case 'ls': {
        const vols = obj(parse(res))['Volumes'];
        if (res.status === 200 && Array.isArray(vols) && vols.every((v) => typeof obj(v)['Name'] === 'string')) return undefined;
        break;
      }
    }
  } catch {
    /* not JSON: a violation */
  }
  return `${op} ${name}: ${got}`;
}

/** The list (API and CLI) and the directories on disk name the same volumes, each with _data. */
async function assertConsistent(engine: Engine, cli: Cli): Promise<string[]> {
  const res = await engine.api.request('GET', '/volumes');
  assert.equal(res.status, 200, res.body);
  const listed = (obj(parse(res))['Volumes'] as Json[]).map((v) => String(obj(v)['Name'])).sort();
  const dirs = volumeDirsOnDisk(engine.root);
  assert.deepEqual(dirs, listed, 'directories under <root>/volumes vs GET /volumes');
  for (const n of listed) assert.ok(existsSync(`${engine.root}/volumes/${n}/_data`), `${n} has no _data`);
  const ls = await cli.ok(['volume', 'ls', '-q']);
  assert.deepEqual(ls.stdout.split('\n').filter(Boolean).sort(), listed, 'volume ls -q vs GET /volumes');
  for (const n of NAMES) {
    const r = await engine.api.request('GET', `/volumes/${n}`);
    assert.equal(r.status, listed.includes(n) ? 200 : 404, `inspect ${n} disagrees with the list: ${r.status} ${r.body}`);
  }
  return listed;
}

const kind = targetKind();

describe(`volume concurrency (${kind})`, () => {
  let engine: Engine | undefined;

  before(async () => {
    engine = await startTarget(kind);
    process.stderr.write(`# concurrency seed ${SEED} (BALLAST_TEST_SEED to replay the op mix)\n`);
  });

  after(async () => {
    await engine?.stop();
    // dockerd keeps (and on a clean stop removes) a bind of its data root; ballastd must leave nothing.
    if (engine?.kind === 'ballastd') assert.deepEqual(engine.leakedMounts, [], 'mounts left under the root after a clean stop');
  });

  it(`${CLIENTS} CLI clients create and rm the same names`, { timeout: 180_000 }, async () => {
    assert.ok(engine);
    const e = engine;
    const kinds = clientsFor(kind);
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Cli(kinds[i % kinds.length] ?? 'docker', e.host));
    const violations: string[] = [];
    let ops = 0;
    await Promise.all(clients.map(async (cli, i) => {
      const rnd = prng(SEED * 31 + i);
      for (let k = 0; k < CLI_OPS; k++) {
        const name = pick(rnd, NAMES);
        const op = rnd() < 0.5 ? 'create' : 'rm';
        const r = await cli.run(['volume', op, name]);
        ops++;
        const v = cliVerdict(op, name, r);
        if (v) violations.push(`[${cli.kind} #${i}] ${v}`);
      }
    }));
    assert.deepEqual(violations, [], `${violations.length} of ${ops} answers were not Docker's`);
    await assertConsistent(e, clients[0] ?? new Cli('docker', e.host));
  });

  it(`${CLIENTS} API clients create, rm, inspect and list the same names`, { timeout: 180_000 }, async () => {
    assert.ok(engine);
    const e = engine;
    const violations: string[] = [];
    const counts: Record<string, number> = {};
    await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
      const rnd = prng(SEED * 17 + 1000 + i);
      for (let k = 0; k < API_OPS; k++) {
        const name = pick(rnd, NAMES);
        const op = pick(rnd, ['create', 'create', 'rm', 'rm', 'rm-force', 'inspect', 'ls'] as const);
        let res: ApiResponse;
        if (op === 'create') res = await e.api.request('POST', '/v1.41/volumes/create', { body: { Name: name, Driver: 'local' } });
        else if (op === 'rm') res = await e.api.request('DELETE', `/v1.41/volumes/${name}`);
        else if (op === 'rm-force') res = await e.api.request('DELETE', `/v1.41/volumes/${name}?force=1`);
        else if (op === 'inspect') res = await e.api.request('GET', `/v1.41/volumes/${name}`);
        else res = await e.api.request('GET', '/v1.41/volumes');
        const key = `${op} ${res.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
        const v = op === 'rm-force'
          ? (res.status === 204 ? undefined : `rm -f ${name}: ${res.status} ${res.body.trim()}`)
          : apiVerdict(op, name, res);
        if (v) violations.push(`[api #${i}] ${v}`);
      }
    }));
    process.stderr.write(`# answers: ${JSON.stringify(counts)}\n`);
    assert.deepEqual(violations, [], `${violations.length} answers were not Docker's`);
    await assertConsistent(e, new Cli(clientsFor(kind)[0] ?? 'docker', e.host));
  });

  it('afterwards every name can be created and removed cleanly', { timeout: 60_000 }, async () => {
    assert.ok(engine);
    for (const n of NAMES) {
      const c = await engine.api.request('POST', '/volumes/create', { body: { Name: n } });
      assert.equal(c.status, 201, c.body);
    }
    assert.deepEqual(volumeDirsOnDisk(engine.root), [...NAMES].sort());
    for (const n of NAMES) {
      const d = await engine.api.request('DELETE', `/volumes/${n}`);
      assert.equal(d.status, 204, d.body);
    }
    assert.deepEqual(volumeDirsOnDisk(engine.root), []);
  });
});
