/**
 * The restore swap, cut at every step (as kill -9 would), then start-up recovery: the
 * volume's data is always the old data again, a volume the restore created is gone, and
 * nothing of the restore is left. A committed restore is left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLogger } from '../../lib/logger.js';
import { openDatabase } from '../../state/database.js';
import { VolumeRepository } from '../../state/volume-repository.js';
import { RestoreTxn, recoverInterruptedRestores } from './restore-txn.js';

const log = jsonLogger(() => undefined);

function setup(t: { after: (fn: () => void) => void }): { dir: string; repo: VolumeRepository } {
  const root = mkdtempSync(join(tmpdir(), 'restore-txn-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'volumes');
  mkdirSync(dir);
  const repo = new VolumeRepository(openDatabase(join(root, 'state.db')));
  return { dir, repo };
}

function volume(dir: string, repo: VolumeRepository, name: string, content: string): void {
  repo.insertCreating({ name, driver: 'local', labels: null, options: null, createdAt: Date.now(), anonymous: false });
  repo.markReady(name);
  mkdirSync(join(dir, name, '_data'), { recursive: true });
  writeFileSync(join(dir, name, '_data', 'file'), content);
}

function staged(txn: RestoreTxn, content: string): string {
  const data = join(txn.staging, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'file'), content);
  return data;
}

const content = (dir: string, name: string): string => readFileSync(join(dir, name, '_data', 'file'), 'utf8');
const leftovers = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('.restore-') || n.startsWith('..restore-'));

test('killed while extracting: staging goes, the volume is untouched', async (t) => {
  const { dir, repo } = setup(t);
  volume(dir, repo, 'v', 'old');
  const txn = RestoreTxn.begin(dir);
  staged(txn, 'half');
  await recoverInterruptedRestores(dir, repo, log);
  assert.equal(content(dir, 'v'), 'old');
  assert.deepEqual(leftovers(dir), []);
});

test('killed between the two renames of the swap: the old data returns', async (t) => {
  const { dir, repo } = setup(t);
  volume(dir, repo, 'v', 'old');
  const txn = RestoreTxn.begin(dir);
  staged(txn, 'new');
  // What swap() does, stopped after its first rename.
  writeFileSync(join(dir, `.restore-${txn.id}.json`), JSON.stringify({ id: txn.id, phase: 'swapping', volume: 'v' }));
  renameSync(join(dir, 'v', '_data'), join(txn.staging, 'old'));
  await recoverInterruptedRestores(dir, repo, log);
  assert.equal(content(dir, 'v'), 'old');
  assert.deepEqual(leftovers(dir), []);
  assert.ok(repo.get('v'), 'the volume is still known');
});

test('killed after the swap, before the commit: rolled back to the old data', async (t) => {
  const { dir, repo } = setup(t);
  volume(dir, repo, 'v', 'old');
  const txn = RestoreTxn.begin(dir);
  await txn.swap('v', staged(txn, 'new'));
  assert.equal(content(dir, 'v'), 'new');
  await recoverInterruptedRestores(dir, repo, log);
  assert.equal(content(dir, 'v'), 'old');
  assert.deepEqual(leftovers(dir), []);
});

test('committed: the new data stays, leftovers of the cleanup go', async (t) => {
  const { dir, repo } = setup(t);
  volume(dir, repo, 'v', 'old');
  const txn = RestoreTxn.begin(dir);
  await txn.swap('v', staged(txn, 'new'));
  txn.commit(log);
  // The background cleanup may not have happened before the kill.
  mkdirSync(join(txn.staging, 'old'), { recursive: true });
  await recoverInterruptedRestores(dir, repo, log);
  assert.equal(content(dir, 'v'), 'new');
  assert.deepEqual(leftovers(dir), []);
});

test('a volume the restore created is removed again when the restore did not commit', async (t) => {
  const { dir, repo } = setup(t);
  const txn = RestoreTxn.begin(dir);
  const data = staged(txn, 'new');
  txn.willCreate('fresh');
  volume(dir, repo, 'fresh', '');
  await txn.swap('fresh', data);
  await recoverInterruptedRestores(dir, repo, log);
  assert.equal(repo.get('fresh'), undefined);
  assert.equal(existsSync(join(dir, 'fresh')), false);
  assert.deepEqual(leftovers(dir), []);
});

test('abort() is the same rollback, for failures the daemon survives', async (t) => {
  const { dir, repo } = setup(t);
  volume(dir, repo, 'v', 'old');
  const txn = RestoreTxn.begin(dir);
  await txn.swap('v', staged(txn, 'new'));
  await txn.abort(async () => undefined, log);
  assert.equal(content(dir, 'v'), 'old');
  assert.deepEqual(leftovers(dir), []);
});

test('stale holds of backup jobs are dropped at start-up', async (t) => {
  const { dir, repo } = setup(t);
  volume(dir, repo, 'v', 'x');
  repo.addHolder('v', 'ballast-backup:abc');
  repo.addHolder('v', 'container-1');
  await recoverInterruptedRestores(dir, repo, log);
  assert.deepEqual(repo.holdersOf('v'), ['container-1']);
});
