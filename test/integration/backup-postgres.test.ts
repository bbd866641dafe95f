/**
 * A PostgreSQL volume backed up with --quiesce pause while a write load runs restores to a
 * database that starts (replaying its WAL from the crash-consistent copy) and passes
 * pg_amcheck (heap and every btree index, heapallindexed). Uses the postgres:15 image that
 * scripts/build-images.sh makes from Debian's postgresql-15 (cached).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cli } from '../helpers/cli.js';
import { Ballastd } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir, repoRoot, sleep } from '../helpers/tmp.js';

let d: Ballastd;
let cli: Cli;
let work: string;
let skip: string | false = false;

async function waitReady(name: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = '';
  while (Date.now() < deadline) {
    const r = await cli.run(['exec', name, 'psql', '-U', 'postgres', '-At', '-c', 'SELECT 1']);
    if (r.code === 0 && r.stdout.trim() === '1') return;
    last = r.stderr.trim();
    await sleep(500);
  }
  const logs = await cli.run(['logs', name]);
  throw new Error(`${name} not ready: ${last}\n${logs.stdout.slice(-2000)}${logs.stderr.slice(-2000)}`);
}

async function sql(name: string, q: string): Promise<string> {
  return (await cli.ok(['exec', name, 'psql', '-U', 'postgres', '-At', '-v', 'ON_ERROR_STOP=1', '-c', q])).stdout.trim();
}

describe('PostgreSQL under write load, backed up with --quiesce pause', { timeout: 900_000 }, () => {
  before(async () => {
    d = await Ballastd.start();
    cli = new Cli('ballast', d.host);
    work = makeTempDir('ballast-backup-pg');
    const built = spawnSync(join(repoRoot(), 'scripts/build-images.sh'), ['postgres'], {
      encoding: 'utf8',
      env: { ...process.env, BALLAST_HOST: d.host },
      timeout: 900_000,
    });
    if (built.status !== 0) skip = `postgres:15 could not be built here: ${(built.stderr || '').split('\n').slice(-3).join(' ')}`;
  });
  after(async () => {
    if (!skip) await cli.run(['rm', '-f', 'pg', 'pg2']);
    await d.stop();
    removeTempDir(work);
  });

  it('restores to a database that starts and passes pg_amcheck', async (t) => {
    if (skip) return t.skip(skip);
    await cli.ok(['run', '-d', '--name', 'pg', '-e', 'POSTGRES_PASSWORD=secret', '-v', 'pgdata:/var/lib/postgresql/data', 'postgres:15']);
    await waitReady('pg');
    await sql('pg', 'CREATE EXTENSION amcheck; CREATE TABLE t (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL); CREATE INDEX t_n ON t (n);');
    // A steady stream of committed transactions, several per freeze window.
    await cli.ok([
      'exec', '-d', 'pg', 'sh', '-c',
      'while true; do psql -U postgres -q -c "INSERT INTO t (v, n) SELECT md5(random()::text), (random()*100000)::int FROM generate_series(1, 200)" >/dev/null 2>&1; done',
    ]);
    await sleep(3000);
    const before = Number(await sql('pg', 'SELECT count(*) FROM t'));
    assert.ok(before > 0, 'the load is writing');
    const file = join(work, 'pg.tar.zst');
    const r = await cli.ok(['volume', 'backup', 'pgdata', '--quiesce', 'pause', '-o', file, '--json']);
    const s = JSON.parse(r.stdout) as { quiesce: { containers: Array<{ name: string; frozenMs: number }> } };
    assert.equal(s.quiesce.containers[0]?.name, 'pg');
    console.log(`postgres frozen for ${s.quiesce.containers[0]?.frozenMs} ms`);
    await sleep(1000);
    const later = Number(await sql('pg', 'SELECT count(*) FROM t'));
    assert.ok(later > before, 'the load went on after the backup');

    await cli.ok(['volume', 'restore', file, 'pgcopy']);
    await cli.ok(['run', '-d', '--name', 'pg2', '-v', 'pgcopy:/var/lib/postgresql/data', 'postgres:15']);
    await waitReady('pg2');
    const restored = Number(await sql('pg2', 'SELECT count(*) FROM t'));
    assert.ok(restored >= before && restored <= later, `restored ${restored} rows, before ${before}, later ${later}`);
    assert.equal(restored % 200, 0, 'whole transactions only');
    const check = await cli.run(['exec', 'pg2', 'pg_amcheck', '-U', 'postgres', '--all', '--heapallindexed', '--rootdescend']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(await sql('pg2', "SELECT count(*) FROM t WHERE v !~ '^[0-9a-f]{32}$'"), '0');
  });
});
