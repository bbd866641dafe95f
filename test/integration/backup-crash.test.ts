/**
 * Restores killed at random moments never leave a half-restored volume (issue 5): a restore
 * of archive X into a volume holding Y is started, the daemon is kill -9ed after a random
 * delay (anywhere from before extraction to after the swap), then restarted. The volume must
 * then hold exactly Y or exactly X — every name, byte and piece of metadata — and nothing of
 * the restore may be left in the volumes directory. Some rounds restore into a volume that
 * does not exist yet: it must afterwards be either absent or complete.
 * BALLAST_BACKUP_CRASH_ROUNDS (default 100), BALLAST_BACKUP_CRASH_SECONDS (default 110).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCorpus } from '../../src/backup/testkit.js';
import { snapshotTree } from '../../src/backup/tree-compare.js';
import { ApiClient } from '../../src/client/api-client.js';
import { BackupApi } from '../../src/client/backup.js';
import { Cli } from '../helpers/cli.js';
import { Ballastd } from '../helpers/daemon.js';
import { killProcessesMentioning } from '../helpers/engine.js';
import { makeTempDir, removeTempDir, sleep } from '../helpers/tmp.js';

const ROUNDS = Number(process.env['BALLAST_BACKUP_CRASH_ROUNDS'] ?? 100);
const BUDGET_MS = Number(process.env['BALLAST_BACKUP_CRASH_SECONDS'] ?? 110) * 1000;

let d: Ballastd;
let cli: Cli;
let work: string;

async function fingerprint(name: string): Promise<string | 'absent'> {
  const dir = join(d.root, 'volumes', name, '_data');
  if (!existsSync(dir)) return 'absent';
  const tree = await snapshotTree(dir);
  const h = createHash('sha256');
  for (const [p, e] of [...tree.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    h.update(JSON.stringify([p, e.type, e.mode, e.uid, e.gid, String(e.mtimeNs), e.size, e.sha256 ?? '', e.link ?? '', e.xattrs, e.nlink]));
  }
  return h.digest('hex');
}

/**
 * Starts a restore through the API (the daemon reads the archive itself, as for the CLI);
 * resolves with 0 when it completed, 1 when it failed (the daemon died under it).
 */
function startRestore(archive: string, name: string): Promise<number> {
  const client = new ApiClient(d.socketPath);
  const st = statSync(archive, { bigint: true });
  return new BackupApi(client)
    .restore({ path: archive, dev: String(st.dev), ino: String(st.ino) }, { name })
    .then(
      () => 0,
      () => 1,
    )
    .finally(() => client.close());
}

describe('restores killed at random moments', { timeout: 300_000 }, () => {
  before(async () => {
    d = await Ballastd.start();
    cli = new Cli('ballast', d.host);
    work = makeTempDir('ballast-backup-crash');
  });
  after(async () => {
    await d.stop();
    removeTempDir(work);
  });

  it(`leave the volume exactly old or exactly new (${ROUNDS} rounds)`, async () => {
    const archives: Record<'A' | 'B', string> = { A: join(work, 'A.tar.zst'), B: join(work, 'B.tar.zst') };
    const prints: Record<string, string> = {};
    for (const [k, seed] of [['A', 1], ['B', 2]] as const) {
      await cli.ok(['volume', 'create', `src${k}`]);
      makeCorpus(join(d.root, 'volumes', `src${k}`, '_data'), { files: 300, seed, sparseMiB: 4 });
      await cli.ok(['volume', 'backup', `src${k}`, '-o', archives[k]]);
      prints[k] = (await fingerprint(`src${k}`)) as string;
    }
    assert.notEqual(prints['A'], prints['B']);
    // How long does an undisturbed restore take (the kill delays span it)?
    await cli.ok(['volume', 'restore', archives.B, 'tgt']);
    const t0 = Date.now();
    assert.equal(await startRestore(archives.A, 'tgt'), 0);
    const restoreMs = Date.now() - t0;
    assert.equal(await fingerprint('tgt'), prints['A']);

    let state: 'A' | 'B' = 'A';
    const outcomes = { old: 0, new: 0, freshAbsent: 0, freshComplete: 0 };
    const start = Date.now();
    let rounds = 0;
    let restartMs = 0;
    for (; rounds < ROUNDS && Date.now() - start < BUDGET_MS; rounds++) {
      const fresh = rounds % 5 === 4;
      const x: 'A' | 'B' = state === 'A' ? 'B' : 'A';
      const name = fresh ? `fresh-${rounds}` : 'tgt';
      const cliDone = startRestore(archives[x], name);
      await sleep(Math.random() * restoreMs * 1.5);
      const k0 = Date.now();
      await d.kill9();
      killProcessesMentioning(d.root);
      await cliDone;
      await d.restart();
      restartMs += Date.now() - k0;
      const fp = await fingerprint(name);
      const leftovers = readdirSync(join(d.root, 'volumes')).filter((n) => n.startsWith('.restore-') || n.startsWith('..restore-'));
      assert.deepEqual(leftovers, [], `round ${rounds}: restore leftovers`);
      if (fresh) {
        if (fp === 'absent') {
          outcomes.freshAbsent++;
          const r = await d.api.request('GET', `/v1.41/volumes/${name}`);
          assert.equal(r.status, 404, `round ${rounds}: ${name} still known without data`);
        } else {
          assert.equal(fp, prints[x], `round ${rounds}: fresh volume ${name} is neither absent nor complete`);
          outcomes.freshComplete++;
        }
        continue;
      }
      if (fp === prints[state]) outcomes.old++;
      else if (fp === prints[x]) {
        outcomes.new++;
        state = x;
      } else assert.fail(`round ${rounds}: the volume is neither the old nor the new content (killed after ${restoreMs} ms restore)`);
    }
    console.log(`restore crash rounds: ${rounds} in ${Date.now() - start} ms, outcomes ${JSON.stringify(outcomes)}, undisturbed restore ${restoreMs} ms, kill+restart ${Math.round(restartMs / Math.max(1, rounds))} ms per round`);
    assert.ok(rounds >= Math.min(ROUNDS, 20), `only ${rounds} rounds in the time budget`);
    assert.ok(outcomes.old > 0 && outcomes.new > 0, 'kills landed both before and after the commit point');
  });
});
