/**
 * PostgreSQL durability on ballast (postgres:15, Debian's postgresql-15, data in a named volume):
 *
 *  1. Ten remove-and-recreate cycles: every cycle is a new container on the same volume that finds
 *     all earlier rows and adds its own; half the removals are `stop` + `rm` (clean shutdown), half
 *     `rm -f` (SIGKILL: the next container runs crash recovery).
 *  2. `kill -9` of ballastd in the middle of a write load: the database keeps serving while the
 *     daemon is gone (conmon supervises it), the restarted daemon finds it running, a clean
 *     `restart` follows, and every acknowledged insert is there.
 *  3. `kill -9` of ballastd and of the container's init together (the database crashes too):
 *     the restarted daemon reports the container exited, `start` runs crash recovery, and every
 *     acknowledged insert is there.
 *
 * The write load is the host's psql over TCP (--network host), so acknowledgements never depend
 * on the engine under test. BALLAST_TEST_AGAINST=dockerd runs the same on Debian's dockerd.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { targetKind } from '../helpers/target.js';
import { sleep } from '../helpers/tmp.js';
import {
  execSql, freePort, hostPsql, startWithImages, waitForPostgres, BUILD_TIMEOUT_MS, type ExampleEnv,
} from './examples-helpers.js';
import { resetEngine } from '../helpers/table.js';

const CYCLES = 10;
const ROWS_PER_CYCLE = 100;
const WRITERS = 4;

function pgArgs(name: string, volume: string, port: number): string[] {
  return [
    'run', '-d', '--name', name,
    '-e', 'POSTGRES_PASSWORD=secret', '-e', `PGPORT=${port}`,
    '-v', `${volume}:/var/lib/postgresql/data`,
    '--network', 'host',
    'postgres:15',
  ];
}

/**
 * Writers inserting ids over TCP, each through one long-lived host psql session (reconnecting
 * when it dies). An id is acknowledged when psql has printed the `\echo` that follows its
 * INSERT: the INSERT (autocommit) returned success, i.e. it is committed.
 */
class WriteLoad {
  readonly acked = new Set<number>();
  readonly failed: string[] = [];
  private next = 1;
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly children = new Set<ChildProcessWithoutNullStreams>();

  constructor(private readonly port: number) {}

  start(writers: number): void {
    for (let w = 0; w < writers; w++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.session();
      if (!this.stopped) await sleep(100);
    }
  }

  /** One psql session: insert until it fails or the load stops. */
  private session(): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(hostPsql(), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qtA'], {
        env: { ...process.env, PGPASSWORD: 'secret', PGCONNECT_TIMEOUT: '5' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.children.add(child);
      let pending: number | undefined;
      let buf = '';
      let err = '';
      const send = (): void => {
        if (this.stopped) { child.stdin.end(); return; }
        pending = this.next++;
        child.stdin.write(`INSERT INTO acks VALUES (${pending}, md5('${pending}'));\n\\echo ack ${pending}\n`);
      };
      child.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /^ack (\d+)$/.exec(line);
          if (m && Number(m[1]) === pending) {
            this.acked.add(pending);
            send();
          }
        }
      });
      child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      child.stdin.on('error', () => undefined);
      child.on('error', () => resolve());
      child.on('close', (code) => {
        this.children.delete(child);
        if (code !== 0 && this.failed.length < 5) this.failed.push(`psql exit ${code}: ${err.trim()}`);
        resolve();
      });
      send();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A session blocked on a dead server would wait for its TCP timeout.
    const t = setTimeout(() => { for (const c of this.children) c.kill('SIGKILL'); }, 5000);
    await Promise.all(this.loops);
    clearTimeout(t);
  }
}

describe(`examples: PostgreSQL durability (${targetKind()})`, { timeout: BUILD_TIMEOUT_MS + 10 * 60_000 }, () => {
  let env: ExampleEnv;
  before(async () => {
    hostPsql();
    env = await startWithImages(['postgres']);
  }, { timeout: BUILD_TIMEOUT_MS });
  after(async () => {
    await env?.engine.stop();
  });

  it(`data survives ${CYCLES} remove-and-recreate cycles (clean and SIGKILL removals)`, async () => {
    const port = await freePort();
    const { cli } = env;
    try {
      await cli.ok(['volume', 'create', 'pgcycles']);
      const payloads: string[] = [];
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const name = `pg-cycle-${cycle}`;
        await cli.ok(pgArgs(name, 'pgcycles', port));
        await waitForPostgres(cli, name);
        if (cycle === 1) {
          await execSql(cli, name, 'CREATE TABLE rows (cycle int, i int, payload text, PRIMARY KEY (cycle, i))');
        } else {
          // The previous container ended with SIGKILL on even cycles: this start recovered.
          const logs = await cli.ok(['logs', name]);
          const text = logs.stdout + logs.stderr;
          if ((cycle - 1) % 2 === 0) assert.match(text, /database system was (interrupted|not properly shut down)|automatic recovery in progress/, `cycle ${cycle}`);
          else assert.match(text, /database system was shut down at/, `cycle ${cycle}`);
        }
        // Everything written by earlier containers is there, bit for bit.
        const expectMd5 = createHash('md5').update(payloads.join(',')).digest('hex');
        const got = await execSql(cli, name, "SELECT count(*) || ' ' || coalesce(md5(string_agg(payload, ',' ORDER BY cycle, i)), md5('')) FROM rows");
        assert.equal(got, `${payloads.length} ${expectMd5}`, `cycle ${cycle}`);
        await execSql(cli, name, `INSERT INTO rows SELECT ${cycle}, g, 'cycle ${cycle} row ' || g FROM generate_series(1, ${ROWS_PER_CYCLE}) g`);
        for (let g = 1; g <= ROWS_PER_CYCLE; g++) payloads.push(`cycle ${cycle} row ${g}`);
        if (cycle % 2 === 1) {
          await cli.ok(['stop', name]);
          await cli.ok(['rm', name]);
        } else {
          await cli.ok(['rm', '-f', name]);
        }
      }
      await cli.ok(pgArgs('pg-final', 'pgcycles', port));
      await waitForPostgres(cli, 'pg-final');
      assert.equal(await execSql(cli, 'pg-final', 'SELECT count(*), count(DISTINCT cycle) FROM rows'), `${CYCLES * ROWS_PER_CYCLE}|${CYCLES}`);
      // The table is healthy, not just readable: an index scan agrees with the heap.
      assert.equal(await execSql(cli, 'pg-final', 'SET enable_seqscan = off; SELECT count(*) FROM rows WHERE cycle > 0'), `SET\n${CYCLES * ROWS_PER_CYCLE}`);
    } finally {
      await resetEngine(env.engine);
    }
  });

  it('kill -9 of the daemon under a write load: the database keeps serving, nothing acknowledged is lost', async (t) => {
    const port = await freePort();
    const { cli, engine } = env;
    const load = new WriteLoad(port);
    try {
      await cli.ok(pgArgs('pg', 'pgload', port));
      await waitForPostgres(cli, 'pg');
      await execSql(cli, 'pg', 'CREATE TABLE acks (id int PRIMARY KEY, v text)');
      load.start(WRITERS);
      await sleep(2000);
      const beforeKill = load.acked.size;
      await engine.kill9();
      await sleep(2000);
      const duringOutage = load.acked.size - beforeKill;
      await engine.restart();
      await sleep(1500);
      await load.stop();
      assert.ok(beforeKill > 0, `no write was acknowledged before the kill: ${load.failed.join('; ')}`);
      if (engine.kind === 'ballastd') {
        // conmon kept the container: writes went on while ballastd was dead, and it is still running.
        assert.ok(duringOutage > 0, `no write was acknowledged while ballastd was down: ${load.failed.join('; ')}`);
        assert.equal((await cli.ok(['inspect', '-f', '{{.State.Running}}', 'pg'])).stdout.trim(), 'true');
      } else if ((await cli.ok(['inspect', '-f', '{{.State.Running}}', 'pg'])).stdout.trim() !== 'true') {
        await cli.ok(['start', 'pg']);
      }
      await waitForPostgres(cli, 'pg');
      const present = async (): Promise<Set<number>> =>
        new Set((await execSql(cli, 'pg', 'SELECT id FROM acks ORDER BY id')).split('\n').filter(Boolean).map(Number));
      const rows = await present();
      const lost = [...load.acked].filter((id) => !rows.has(id));
      t.diagnostic(`acknowledged ${load.acked.size} inserts (${duringOutage} while the daemon was down), ${rows.size} rows present`);
      assert.deepEqual(lost, [], `${lost.length} of ${load.acked.size} acknowledged inserts are missing`);
      // A clean restart of the database after all that.
      await cli.ok(['restart', 'pg']);
      await waitForPostgres(cli, 'pg');
      const logs = await cli.ok(['logs', '--tail', '20', 'pg']);
      assert.match(logs.stdout + logs.stderr, /database system was shut down at/);
      const again = await present();
      assert.deepEqual([...load.acked].filter((id) => !again.has(id)), []);
      assert.equal(await execSql(cli, 'pg', "SELECT count(*) FROM acks WHERE v <> md5(id::text)"), '0');
    } finally {
      await load.stop();
      await resetEngine(engine);
    }
  });

  it('kill -9 of the daemon and of the database together: crash recovery, nothing acknowledged is lost', async (t) => {
    const port = await freePort();
    const { cli, engine } = env;
    const load = new WriteLoad(port);
    try {
      await cli.ok(pgArgs('pg', 'pgcrash', port));
      await waitForPostgres(cli, 'pg');
      await execSql(cli, 'pg', 'CREATE TABLE acks (id int PRIMARY KEY, v text)');
      const pid = Number((await cli.ok(['inspect', '-f', '{{.State.Pid}}', 'pg'])).stdout.trim());
      assert.ok(pid > 1, `container pid ${pid}`);
      load.start(WRITERS);
      await sleep(2000);
      await engine.kill9();
      // The container's init dies: the kernel kills everything in its pid namespace (postmaster,
      // backends mid-transaction) — PostgreSQL crashes as it would on a power cut of its own.
      process.kill(pid, 'SIGKILL');
      await sleep(500);
      await load.stop();
      assert.ok(load.acked.size > 0, `no write was acknowledged: ${load.failed.join('; ')}`);
      await engine.restart();
      // The daemon noticed the exit while it was away.
      assert.equal((await cli.ok(['inspect', '-f', '{{.State.Running}}', 'pg'])).stdout.trim(), 'false');
      await cli.ok(['start', 'pg']);
      await waitForPostgres(cli, 'pg');
      const logs = await cli.ok(['logs', '--tail', '30', 'pg']);
      assert.match(logs.stdout + logs.stderr, /database system was (interrupted|not properly shut down)|automatic recovery in progress/);
      const rows = new Set((await execSql(cli, 'pg', 'SELECT id FROM acks')).split('\n').filter(Boolean).map(Number));
      const lost = [...load.acked].filter((id) => !rows.has(id));
      t.diagnostic(`acknowledged ${load.acked.size} inserts before the crash, ${rows.size} rows present after recovery`);
      assert.deepEqual(lost, [], `${lost.length} of ${load.acked.size} acknowledged inserts are missing`);
      assert.equal(await execSql(cli, 'pg', "SELECT count(*) FROM acks WHERE v <> md5(id::text)"), '0');
    } finally {
      await load.stop();
      await resetEngine(engine);
    }
  });
});
