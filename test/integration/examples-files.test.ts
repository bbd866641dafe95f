/**
 * The reference document's file-handling examples, run as the examples/*.sh scripts against
 * busybox-based containers, then checked independently on the host: files, modes, owners and
 * bytes in the binds and in `<root>/volumes/<name>/_data`.
 *
 *   Example 4    pipeline: ro input bind, output bind, cache volume, --tmpfs /tmp:size=2g
 *   Pattern 2    ro config bind per environment, one data volume per environment
 *   Pattern 3    extract → transform → load through volumes, read-only downstream
 *   Q2 Method 1  tar backup/restore through a temporary container
 *   Q2 Method 2  backup/restore with cp through a created container
 *   Q2 Method 4  backup-volumes.sh: every volume, with retention
 *   Q2 verify    restore into a scratch volume, compare, remove it
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { targetKind } from '../helpers/target.js';
import {
  cleanupExample, manifest, runExample, startWithImages, BUILD_TIMEOUT_MS, type ExampleEnv, type ExampleRun,
} from './examples-helpers.js';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Extract a .tar.gz into a fresh directory (as root: owners kept) and return the directory. */
function untar(archive: string): string {
  const dir = mkdtempSync('/tmp/ballast-ex-untar-');
  const r = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tar -xzf ${archive}: ${r.stderr}`);
  return dir;
}

describe(`examples: files, binds and volumes (${targetKind()})`, { timeout: BUILD_TIMEOUT_MS + 10 * 60_000 }, () => {
  let env: ExampleEnv;
  const vol = (name: string): string => join(env.engine.root, 'volumes', name, '_data');
  before(async () => {
    env = await startWithImages(['busybox']);
  }, { timeout: BUILD_TIMEOUT_MS });
  after(async () => {
    await env?.engine.stop();
  });

  /** Run one example, check it, and always put the engine back to empty. */
  async function example(script: string, check: (run: ExampleRun) => Promise<void> | void): Promise<void> {
    let run: ExampleRun | undefined;
    try {
      run = await runExample(env, script);
      await check(run);
    } finally {
      await cleanupExample(env, run);
    }
  }

  it('Example 4: pipeline with a read-only input, output bind, cache volume and tmpfs', () =>
    example('example4-pipeline.sh', async (run) => {
      assert.equal(
        readFileSync(join(run.dir, 'output/report.csv'), 'utf8'),
        'region,units,revenue\neast,8,8.20\nnorth,16,9.95\nsouth,16,9.00\nwest,5,2.50\n',
      );
      assert.equal(readFileSync(join(run.dir, 'output/cache-stats.txt'), 'utf8'), 'cache: 2 hit(s), 1 miss(es)\n');
      // Only the results reached the output; the scratch files stayed in the tmpfs.
      assert.deepEqual(readdirSync(join(run.dir, 'output')).sort(), ['cache-stats.txt', 'report.csv']);
      // The read-only input is untouched (no probe file, same bytes).
      assert.deepEqual(readdirSync(join(run.dir, 'input')).sort(), ['sales-feb.csv', 'sales-jan.csv', 'sales-mar.csv']);
      assert.equal(
        readFileSync(join(run.dir, 'input/sales-mar.csv'), 'utf8'),
        'region,product,units,price\nwest,apple,5,0.50\nnorth,apple,1,0.50\n',
      );
      // The cache volume kept one totals file per input, named by the input's hash.
      const cache = readdirSync(vol('processing-cache')).sort();
      assert.equal(cache.length, 3);
      const marKey = sha256(readFileSync(join(run.dir, 'input/sales-mar.csv'))).slice(0, 16);
      assert.equal(readFileSync(join(vol('processing-cache'), `${marKey}.totals`), 'utf8'), 'north,1,0.50\nwest,5,2.50\n');
      // --rm: no container is left behind.
      assert.equal((await env.cli.ok(['ps', '-aq'])).stdout.trim(), '');
      assert.match(run.output, /tmp: {3}tmpfs, 2\.0G/);
    }));

  it('Pattern 2: read-only config bind per environment, one data volume each', () =>
    example('pattern2-config.sh', async (run) => {
      assert.equal(readFileSync(join(run.dir, 'config.yml'), 'utf8'), 'env: production\ngreeting: good morning\n');
      assert.equal((await env.cli.ok(['exec', 'app', 'cat', '/app/config.yml'])).stdout, 'env: production\ngreeting: good morning\n');
      assert.equal((await env.cli.ok(['exec', 'app-dev', 'cat', '/app/config.yml'])).stdout, 'env: development\ngreeting: hi there\n');
      const write = await env.cli.run(['exec', 'app', 'sh', '-c', 'echo x >> /app/config.yml']);
      assert.notEqual(write.code, 0);
      assert.match(write.stderr + write.stdout, /Read-only file system/);
      assert.equal(readFileSync(join(vol('app-data'), 'starts.log'), 'utf8'),
        'start 1 env=production greeting=hello\nstart 2 env=production greeting=good morning\n');
      assert.equal(readFileSync(join(vol('app-dev-data'), 'starts.log'), 'utf8'), 'start 1 env=development greeting=hi there\n');
      const mounts = JSON.parse((await env.cli.ok(['inspect', '-f', '{{json .Mounts}}', 'app-dev'])).stdout) as Array<Record<string, unknown>>;
      const byDest = new Map(mounts.map((m) => [m['Destination'], m]));
      assert.equal(byDest.get('/app/config.yml')?.['Type'], 'bind');
      assert.equal(byDest.get('/app/config.yml')?.['Source'], join(run.dir, 'config.dev.yml'));
      assert.equal(byDest.get('/app/config.yml')?.['RW'], false);
      assert.equal(byDest.get('/app/data')?.['Name'], 'app-dev-data');
      assert.equal(byDest.get('/app/data')?.['RW'], true);
    }));

  it('Pattern 3: extract, transform, load through volumes (read-only downstream)', () =>
    example('pattern3-etl.sh', (run) => {
      const events = readFileSync(join(vol('raw-data'), 'events.csv'), 'utf8');
      const lines = events.trimEnd().split('\n');
      assert.equal(lines.length, 1000);
      assert.equal(lines[0], '1,user1,37');
      assert.equal(readFileSync(join(vol('raw-data'), 'events.sha256'), 'utf8'), `${sha256(events)}\n`);
      // The totals, computed here from the same rule.
      const totals = new Map<string, [number, number]>();
      for (let i = 1; i <= 1000; i++) {
        const t = totals.get(`user${i % 7}`) ?? [0, 0];
        totals.set(`user${i % 7}`, [t[0] + 1, t[1] + ((i * 37) % 100)]);
      }
      const expected = [...totals].map(([u, [n, t]]) => `${u},${n},${t}`).sort().join('\n') + '\n';
      assert.equal(readFileSync(join(vol('processed-data'), 'totals.csv'), 'utf8'), expected);
      // Read-only mounts stayed read-only: no probe file in either volume.
      assert.deepEqual(readdirSync(vol('raw-data')).sort(), ['events.csv', 'events.sha256']);
      assert.deepEqual(readdirSync(vol('processed-data')), ['totals.csv']);
      assert.match(run.output, /loaded 7 rows/);
    }));

  it('Q2 Method 1: tar backup and restore through a temporary container', () =>
    example('q2-method1-tar.sh', (run) => {
      const seed = manifest(join(run.dir, 'seed'));
      assert.ok(seed.some((l) => l.startsWith('uploads/photo.jpg f 640 1000:1000 200000 ')), seed.join('\n'));
      assert.deepEqual(manifest(vol('my-volume')), seed);
      assert.deepEqual(manifest(vol('my-volume-restored')), seed);
      const unpacked = untar(join(run.dir, 'my-volume-backup.tar.gz'));
      try {
        assert.deepEqual(manifest(unpacked), seed);
      } finally {
        rmSync(unpacked, { recursive: true, force: true });
      }
    }));

  it('Q2 Method 2: backup and restore with cp through a created container', () =>
    example('q2-method2-cp.sh', async (run) => {
      const seed = manifest(join(run.dir, 'seed'), { owners: false });
      // cp into a container makes root the owner (Docker's documented behaviour).
      assert.deepEqual(manifest(vol('my-volume'), { owners: false }), seed);
      assert.ok(manifest(vol('my-volume')).every((l) => / 0:0( |$)/.test(l)), manifest(vol('my-volume')).join('\n'));
      // The host copy and its archive hold the same bytes.
      assert.deepEqual(manifest(join(run.dir, 'backup-data'), { owners: false }), seed);
      const unpacked = untar(join(run.dir, 'backup-data.tar.gz'));
      try {
        assert.deepEqual(manifest(join(unpacked, 'backup-data'), { owners: false }), seed);
      } finally {
        rmSync(unpacked, { recursive: true, force: true });
      }
      assert.notEqual((await env.cli.run(['inspect', 'temp'])).code, 0, 'the temporary container is gone');
    }));

  it('Q2 Method 4: backup-volumes.sh backs up every volume and applies the retention', () =>
    example('q2-method4-backup-all.sh', (run) => {
      const dir = join(run.dir, 'backups');
      const names = readdirSync(dir).sort();
      assert.ok(!names.includes('app-data-20000101-000000.tar.gz'), 'the 10-day-old backup was kept');
      assert.ok(names.includes('app-data-20000102-000000.tar.gz'), 'the 2-day-old backup was removed');
      for (const v of ['app-data', 'db-config', 'empty-vol']) {
        const fresh = names.filter((n) => n.startsWith(`${v}-`) && !n.includes('-2000010'));
        assert.equal(fresh.length, 1, `${v}: ${names.join(' ')}`);
        const unpacked = untar(join(dir, fresh[0] ?? ''));
        try {
          assert.deepEqual(manifest(unpacked), manifest(vol(v)), v);
        } finally {
          rmSync(unpacked, { recursive: true, force: true });
        }
      }
      assert.equal(readFileSync(join(vol('db-config'), 'postgresql.conf'), 'utf8'), 'max_connections = 100\n');
    }));

  it('Q2 verify: restore into test-restore, compare, remove it', () =>
    example('q2-verify-backup.sh', async (run) => {
      assert.ok(existsSync(join(run.dir, 'my-volume-backup.tar.gz')));
      assert.notEqual((await env.cli.run(['volume', 'inspect', 'test-restore'])).code, 0, 'test-restore still exists');
      assert.ok(!existsSync(join(env.engine.root, 'volumes', 'test-restore')), 'test-restore is still on disk');
      assert.match(run.output, /current -> data\/records\.bin/);
      assert.deepEqual(manifest(vol('my-volume')), manifest(join(run.dir, 'seed')));
    }));
});
