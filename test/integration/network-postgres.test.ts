/**
 * The reference document's Example 1 as written (seed-data-persistence "Example 1: PostgreSQL
 * Database"), `-p 5432:5432` included, read by the host's psql over 127.0.0.1; and an app
 * container on a user network reaching `postgres://db/…` by name. Uses the postgres:15 image
 * of scripts/build-images.sh (skipped when it cannot be built here). Host port 5432 is used when
 * free, else a free port (another engine on this machine may hold 5432).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Ballastd } from '../helpers/daemon.js';
import type { Cli } from '../helpers/cli.js';
import { repoRoot, sleep } from '../helpers/tmp.js';
import { startNetDaemon } from './network-harness.js';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

async function hostPort(): Promise<number> {
  if (await portFree(5432)) return 5432;
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '0.0.0.0', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function hostPsql(port: number, sql: string): { code: number; out: string; err: string } {
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-At', '-c', sql], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: 'secret', PGCONNECT_TIMEOUT: '3' },
    timeout: 15_000,
  });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

async function waitForPsql(port: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = '';
  while (Date.now() < deadline) {
    const r = hostPsql(port, 'SELECT 1');
    if (r.code === 0) return;
    last = r.err;
    await sleep(500);
  }
  throw new Error(`postgres did not answer on 127.0.0.1:${port}: ${last}`);
}

describe('Example 1: PostgreSQL with -p 5432:5432', () => {
  let d: Ballastd | undefined;
  let docker: Cli;
  let ballast: Cli;
  let skip: string | false = false;

  before(async () => {
    if (spawnSync('psql', ['--version']).status !== 0) {
      skip = 'no host psql (apt-get install postgresql-client)';
      return;
    }
    const s = await startNetDaemon();
    d = s.d;
    docker = s.docker;
    ballast = s.ballast;
    const built = spawnSync(join(repoRoot(), 'scripts/build-images.sh'), ['postgres'], {
      encoding: 'utf8',
      env: { ...process.env, BALLAST_HOST: d.host },
      timeout: 900_000,
    });
    if (built.status !== 0) skip = `postgres:15 could not be built here: ${(built.stderr || '').split('\n').slice(-3).join(' ')}`;
  });

  after(async () => {
    await d?.stop();
  });

  it('runs as written and the host reads the rows over 127.0.0.1', async (t) => {
    if (skip) return t.skip(skip);
    const port = await hostPort();
    const run = ['run', '-d', '--name', 'postgres', '-e', 'POSTGRES_PASSWORD=secret', '-v', 'postgres-data:/var/lib/postgresql/data', '-p', `${port}:5432`, 'postgres:15'];
    await docker.ok(['volume', 'create', 'postgres-data']);
    await docker.ok(run);
    await waitForPsql(port);
    await docker.ok(['exec', 'postgres', 'psql', '-U', 'postgres', '-c', 'CREATE TABLE users (id INT, name TEXT);']);
    await docker.ok(['exec', 'postgres', 'psql', '-U', 'postgres', '-c', "INSERT INTO users VALUES (1, 'Alice'), (2, 'Bob');"]);
    await docker.ok(['stop', 'postgres']);
    await docker.ok(['rm', 'postgres']);
    await ballast.ok(run);
    await waitForPsql(port);
    const rows = hostPsql(port, 'SELECT * FROM users ORDER BY id');
    assert.equal(rows.out, '1|Alice\n2|Bob\n', rows.err);
    const table = await ballast.ok(['exec', 'postgres', 'psql', '-U', 'postgres', '-c', 'SELECT * FROM users;']);
    assert.match(table.stdout, /1 \| Alice\n\s+2 \| Bob/);
    await ballast.ok(['rm', '-f', 'postgres']);
  });

  it('an app container on a user network reaches postgres://db/ by name', async (t) => {
    if (skip) return t.skip(skip);
    await ballast.ok(['network', 'create', 'appnet']);
    await ballast.ok(['run', '-d', '--name', 'db', '--network', 'appnet', '-e', 'POSTGRES_PASSWORD=secret', '-e', 'POSTGRES_DB=myapp', 'postgres:15']);
    const deadline = Date.now() + 90_000;
    let last = '';
    for (;;) {
      const r = await docker.run(['run', '--rm', '--network', 'appnet', '-e', 'DATABASE_URL=postgres://postgres:secret@db/myapp', 'postgres:15', 'sh', '-c', 'psql "$DATABASE_URL" -At -c "SELECT current_database(), inet_server_addr() IS NOT NULL"']);
      if (r.code === 0) {
        assert.equal(r.stdout, 'myapp|t\n');
        break;
      }
      last = r.stderr;
      if (Date.now() > deadline) throw new Error(`app could not reach db: ${last}`);
      await sleep(1000);
    }
    await ballast.ok(['rm', '-f', 'db']);
  });
});
