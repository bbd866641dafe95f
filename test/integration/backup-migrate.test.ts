/**
 * `ballast volume migrate NAME --to ssh://root@HOST/SOCKET`: a second ballastd on this
 * machine is reached through a real sshd in a network namespace; the remote side runs
 * `ballast volume restore -` with BALLAST_HOST set to that daemon's socket. The volume
 * arrives with its content, metadata and labels.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCorpus } from '../../src/backup/testkit.js';
import { compareTrees, snapshotTree } from '../../src/backup/tree-compare.js';
import { startSshdInNetns, type SshdFixture } from '../fixtures/sshd-netns.js';
import { Cli, cliBinary } from '../helpers/cli.js';
import { Ballastd } from '../helpers/daemon.js';

let here: Ballastd;
let there: Ballastd;
let sshd: SshdFixture;

describe('volume migrate over ssh', { timeout: 300_000 }, () => {
  before(async () => {
    here = await Ballastd.start();
    there = await Ballastd.start();
    sshd = await startSshdInNetns();
  });
  after(async () => {
    await sshd?.stop();
    await here?.stop();
    await there?.stop();
  });

  it('moves a volume with its content, metadata and labels to the other daemon', async () => {
    const local = new Cli('ballast', here.host);
    const remote = new Cli('ballast', there.host);
    await local.ok(['volume', 'create', '--label', 'com.example.app=shop', 'pgdata']);
    makeCorpus(join(here.root, 'volumes', 'pgdata', '_data'), { files: 1000, seed: 7 });
    const before = await snapshotTree(join(here.root, 'volumes', 'pgdata', '_data'));
    const to = `ssh://root@${sshd.host}${there.socketPath}`;
    const sshOpts = [
      '--ssh-identity',
      sshd.identityFile,
      '--ssh-option',
      `UserKnownHostsFile=${sshd.knownHostsFile}`,
      '--ssh-option',
      'StrictHostKeyChecking=yes',
      '--remote-ballast',
      cliBinary('ballast'),
    ];
    const r = await local.run(['volume', 'migrate', 'pgdata', '--to', to, ...sshOpts, '--json'], { timeoutMs: 240_000 });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { backup: { entries: number }; restore: { volume: string; created: boolean; verified: boolean } };
    assert.equal(out.restore.volume, 'pgdata');
    assert.equal(out.restore.created, true);
    assert.equal(out.restore.verified, true);
    assert.equal(out.backup.entries, before.size);
    const after = await snapshotTree(join(there.root, 'volumes', 'pgdata', '_data'));
    assert.deepEqual(compareTrees(before, after), []);
    const labels = JSON.parse((await remote.ok(['volume', 'inspect', 'pgdata'])).stdout)[0].Labels as Record<string, string>;
    assert.deepEqual(labels, { 'com.example.app': 'shop' });

    // Under another name, and refused cleanly when the remote side fails.
    await local.ok(['volume', 'migrate', 'pgdata', '--to', to, '--name', 'pgdata-2', ...sshOpts], { timeoutMs: 240_000 });
    assert.deepEqual(compareTrees(before, await snapshotTree(join(there.root, 'volumes', 'pgdata-2', '_data'))), []);
    const bad = await local.run(['volume', 'migrate', 'pgdata', '--to', `ssh://root@${sshd.host}/nonexistent.sock`, ...sshOpts]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /migration failed on/);
  });
});
