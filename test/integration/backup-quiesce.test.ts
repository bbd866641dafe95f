/**
 * Consistency around backups with real containers: --quiesce pause freezes the volume's
 * running users only while a snapshot is taken and reports for how long; --quiesce stop
 * stops and restarts them; pre/post hooks run in containers; restore refuses a volume in
 * use unless told to stop (and restart) its users.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cli } from '../helpers/cli.js';
import { Ballastd } from '../helpers/daemon.js';
import { SPEC_FULL, importSpecFull } from '../helpers/images.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

let d: Ballastd;
let cli: Cli;
let work: string;
let skip: string | undefined;

interface Summary {
  file: string;
  quiesce: { mode: string; capture: string; windowMs: number; containers: Array<{ name: string; action: string; frozenMs: number }> };
  hooks: Array<{ phase: string; container: string; exitCode: number }>;
}

async function state(name: string): Promise<{ Running: boolean; Paused: boolean }> {
  const r = await cli.ok(['inspect', '--format', '{{json .State}}', name]);
  return JSON.parse(r.stdout) as { Running: boolean; Paused: boolean };
}

describe('backup with containers: quiesce, hooks, restores of volumes in use', { timeout: 300_000 }, () => {
  before(async () => {
    d = await Ballastd.start();
    cli = new Cli('ballast', d.host);
    work = makeTempDir('ballast-backup-quiesce');
    mkdirSync(join(work, 'out'));
    const img = await importSpecFull(cli);
    if (!img.ok) {
      skip = `spec-full could not be imported: ${img.detail}`;
      return;
    }
    // Writes a counter ten times a second; "sh" ignores SIGTERM, so stop takes the timeout: use -t 1.
    const run = await cli.run(['run', '-d', '--name', 'writer', '--stop-timeout', '1', '-v', 'qv:/data', SPEC_FULL, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /data/n.tmp; mv /data/n.tmp /data/n; sleep 0.1; done']);
    if (run.code !== 0) skip = `containers do not run here: ${run.stderr.trim()}`;
  });
  after(async () => {
    // Containers outlive the daemon (conmon): remove the writer first, or it keeps writing into the tree.
    if (!skip) await cli.run(['rm', '-f', 'writer']);
    await d.stop();
    removeTempDir(work);
  });

  it('--quiesce pause freezes the writer briefly and reports it; the writer keeps running', async (t) => {
    if (skip) return t.skip(skip);
    const r = await cli.ok(['volume', 'backup', 'qv', '--quiesce', 'pause', '-o', join(work, 'out'), '--json']);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal(s.quiesce.mode, 'pause');
    assert.equal(s.quiesce.capture, 'snapshot');
    assert.equal(s.quiesce.containers.length, 1);
    assert.equal(s.quiesce.containers[0]?.name, 'writer');
    assert.equal(s.quiesce.containers[0]?.action, 'pause');
    assert.ok((s.quiesce.containers[0]?.frozenMs ?? 1e9) < 5000, `frozen ${s.quiesce.containers[0]?.frozenMs} ms`);
    assert.deepEqual(await state('writer'), { ...(await state('writer')), Running: true, Paused: false });
    assert.equal((await cli.run(['volume', 'verify', s.file])).code, 0);
  });

  it('pre and post hooks run in the container around the capture; a failing hook fails the backup', async (t) => {
    if (skip) return t.skip(skip);
    const r = await cli.ok([
      'volume', 'backup', 'qv', '-o', join(work, 'out'), '--json',
      '--pre-exec', 'writer:echo dumped > /data/dump.sql',
      '--post-exec', 'writer:rm /data/dump.sql',
    ]);
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual(s.hooks.map((h) => [h.phase, h.container, h.exitCode]), [['pre', 'writer', 0], ['post', 'writer', 0]]);
    const list = await cli.ok(['volume', 'export', 'qv', '-o', join(work, 'after.tar')]);
    void list;
    const fail = await cli.run(['volume', 'backup', 'qv', '-o', join(work, 'out'), '--pre-exec', 'writer:exit 3']);
    assert.equal(fail.code, 1);
    assert.match(fail.stderr, /pre-exec in writer failed with exit code 3/);
  });

  it('restore refuses a volume in use; --force stops the users, swaps, and starts them again', async (t) => {
    if (skip) return t.skip(skip);
    const file = join(work, 'qv.tar.zst');
    await cli.ok(['volume', 'backup', 'qv', '-o', file]);
    const refused = await cli.run(['volume', 'restore', file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /volume qv is in use by running containers \[writer\]/);
    const r = await cli.ok(['volume', 'restore', '--force', file, '--json']);
    assert.deepEqual((JSON.parse(r.stdout) as { stopped: string[] }).stopped, ['writer']);
    assert.equal((await state('writer')).Running, true);
    // The restarted writer sees the restored directory (not the swapped-out one).
    const n = await cli.ok(['exec', 'writer', 'cat', '/data/n']);
    assert.match(n.stdout, /^\d+\n$/);
  });

  it('--quiesce stop stops and restarts the users', async (t) => {
    if (skip) return t.skip(skip);
    const r = await cli.ok(['volume', 'backup', 'qv', '--quiesce', 'stop', '-o', join(work, 'out'), '--json']);
    const s = JSON.parse(r.stdout) as Summary;
    assert.equal(s.quiesce.containers[0]?.action, 'stop');
    assert.equal((await state('writer')).Running, true);
  });
});
