/**
 * The reference document's PostgreSQL examples, run as the examples/*.sh scripts against a real
 * postgres:15 (Debian's postgresql-15), then checked independently: rows through `exec psql`
 * and over TCP, the volume's files on the host, dump files byte for byte.
 *
 *   Example 1   rows survive `stop` + `rm` and a new container          examples/example1-postgres.sh
 *   Pattern 1   pg_dump through exec to a host file, restore via exec -i  examples/pattern1-db-backups.sh
 *   Q2 Method 3 dumps to a host file and into a volume, restore           examples/q2-method3-db-dump.sh
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { targetKind } from '../helpers/target.js';
import {
  cleanupExample, execSql, freePort, printedIds, psqlTcp, runExample, startWithImages,
  BUILD_TIMEOUT_MS, type ExampleEnv, type ExampleRun,
} from './examples-helpers.js';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
/** pg_dump (15.14+) brackets a dump with `\restrict <random key>` … `\unrestrict <key>`. */
const unkeyed = (dump: string | Buffer): string =>
  dump.toString().replace(/^\\(un)?restrict \S+$/gm, '\\$1restrict <key>');

describe(`examples: PostgreSQL (${targetKind()})`, { timeout: BUILD_TIMEOUT_MS + 10 * 60_000 }, () => {
  let env: ExampleEnv;
  before(async () => {
    env = await startWithImages(['postgres']);
  }, { timeout: BUILD_TIMEOUT_MS });
  after(async () => {
    await env?.engine.stop();
  });

  const clients = targetKind() === 'dockerd' ? (['docker'] as const) : (['ballast', 'docker'] as const);
  for (const client of clients) {
    it(`Example 1 (${client} CLI): rows survive rm and a new container on the same volume`, async () => {
      let run: ExampleRun | undefined;
      try {
        const port = await freePort();
        run = await runExample(env, 'example1-postgres.sh', { EXAMPLE_PGPORT: String(port) }, client);
        const ids = printedIds(run.output);
        assert.equal(ids.length, 2, `two containers were run:\n${run.output}`);
        const [first, second] = ids as [string, string];
        assert.notEqual(first, second);
        // The first container is gone; the one serving the rows is the second.
        assert.notEqual((await env.cli.run(['inspect', first])).code, 0, 'the first container still exists');
        assert.equal((await env.cli.ok(['inspect', '-f', '{{.Id}}', 'postgres'])).stdout.trim(), second);
        assert.equal(await execSql(env.cli, 'postgres', 'SELECT id, name FROM users ORDER BY id'), '1|Alice\n2|Bob');
        // Over TCP with the password (--network host, PGPORT), and not without it.
        const tcp = await psqlTcp(port, 'SELECT count(*) FROM users');
        assert.equal(tcp.code, 0, tcp.output);
        assert.equal(tcp.stdout.trim(), '2');
        assert.notEqual((await psqlTcp(port, 'SELECT 1', 'wrong-password')).code, 0, 'a wrong password was accepted');
        // Where the data lives: the volume's directory on the host holds the cluster.
        const data = join(env.engine.root, 'volumes', 'postgres-data', '_data');
        assert.equal(readFileSync(join(data, 'PG_VERSION'), 'utf8'), '15\n');
        const st = statSync(data);
        assert.equal(st.uid, 999, 'PGDATA is owned by the image postgres user (999)');
        assert.equal(st.mode & 0o777, 0o700);
        const mounts = JSON.parse((await env.cli.ok(['inspect', '-f', '{{json .Mounts}}', 'postgres'])).stdout) as Array<Record<string, unknown>>;
        assert.deepEqual(
          mounts.map((m) => [m['Type'], m['Name'], m['Destination']]),
          [['volume', 'postgres-data', '/var/lib/postgresql/data']],
        );
        // The second start found the cluster and did not initialise it again.
        const logs = await env.cli.ok(['logs', 'postgres']);
        assert.match(logs.stdout + logs.stderr, /Database directory appears to contain a database; Skipping initialization/);
      } finally {
        await cleanupExample(env, run);
      }
    });
  }

  it('Pattern 1: pg_dump through exec into a host file, restore through exec -i psql', async () => {
    let run: ExampleRun | undefined;
    try {
      run = await runExample(env, 'pattern1-db-backups.sh', { EXAMPLE_PGPORT: String(await freePort()) });
      const dumpPath = join(run.dir, 'backups', 'dump.sql');
      const dump = readFileSync(dumpPath, 'utf8');
      assert.match(dump, /^--\n-- PostgreSQL database dump\n--/);
      assert.match(dump, /\n-- PostgreSQL database dump complete\n/);
      const copy = /\nCOPY public\.orders \(id, customer, amount, note\) FROM stdin;\n([\s\S]*?)\n\\\.\n/.exec(dump);
      assert.ok(copy, 'the dump holds the orders table as COPY data');
      const rows = (copy[1] ?? '').split('\n');
      assert.equal(rows.length, 1000);
      assert.equal(rows[0], '1\tcustomer-1\t1.25\txy');
      assert.equal(rows[999], `1000\tcustomer-1000\t1250.00\t${'xy'.repeat(1000 % 7)}`);
      // The restored table is the dumped one: same rows, and a new dump has the same bytes.
      assert.equal(await execSql(env.cli, 'db', 'SELECT count(*), sum(amount) FROM orders'), '1000|625625.00');
      const again = await env.cli.ok(['exec', 'db', 'pg_dump', '-U', 'postgres']);
      assert.equal(sha256(unkeyed(again.stdout)), sha256(unkeyed(dump)), 'a dump of the restored database differs from the backup');
    } finally {
      await cleanupExample(env, run);
    }
  });

  it('Q2 Method 3: dumps through exec to a host file and into a volume; restore', async () => {
    let run: ExampleRun | undefined;
    try {
      run = await runExample(env, 'q2-method3-db-dump.sh', { EXAMPLE_PGPORT: String(await freePort()) });
      const hostDump = readFileSync(join(run.dir, 'backup.sql'));
      const volumeDump = readFileSync(join(env.engine.root, 'volumes', 'pg-backup', '_data', 'dump.sql'));
      assert.ok(hostDump.length > 50_000, `dump is ${hostDump.length} bytes`);
      assert.equal(sha256(unkeyed(volumeDump)), sha256(unkeyed(hostDump)), 'the dump in the volume differs from the host file');
      assert.ok(hostDump.includes(Buffer.from("doc 7 'quoted' ü €")), 'UTF-8 text survives the exec stream');
      assert.equal(await execSql(env.cli, 'postgres', 'SELECT count(*) FROM docs', 'mydb'), '500');
      assert.equal(
        await execSql(env.cli, 'postgres', "SELECT encode(blob, 'hex'), meta->>'n', md5(body) FROM docs WHERE id = 7", 'mydb'),
        `${md5('7')}|7|${md5('line\n\ttab '.repeat(7 % 5))}`,
      );
    } finally {
      await cleanupExample(env, run);
    }
  });
});
