import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitWatcher } from './exit-watch.js';
import { tempDir } from './testkit.js';

/** What conmon does: write a temp file, rename it into place. */
function writeExit(dir: string, id: string, code: number): void {
  writeFileSync(join(dir, `${id}.XYZ123`), String(code));
  renameSync(join(dir, `${id}.XYZ123`), join(dir, id));
}

describe('ExitWatcher', () => {
  const dir = tempDir('ballast-exits-');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a file written before the wait', async () => {
    writeExit(dir, 'before', 42);
    const w = new ExitWatcher(dir);
    const r = await w.wait('before');
    assert.equal(r.exitCode, 42);
    assert.equal(r.unknown, false);
  });

  it('notices a file written later, quickly', async () => {
    const w = new ExitWatcher(dir, { pollMs: 60_000 }); // only inotify can be that fast
    const p = w.wait('later');
    setTimeout(() => writeExit(dir, 'later', 137), 30);
    const t0 = performance.now();
    const r = await p;
    assert.equal(r.exitCode, 137);
    assert.ok(performance.now() - t0 < 1000);
  });

  it('several waiters on one watcher', async () => {
    const w = new ExitWatcher(dir);
    const ps = ['m1', 'm2', 'm3'].map((id) => w.wait(id));
    writeExit(dir, 'm2', 2);
    writeExit(dir, 'm3', 3);
    writeExit(dir, 'm1', 1);
    assert.deepEqual((await Promise.all(ps)).map((r) => r.exitCode), [1, 2, 3]);
  });

  it('a dead supervisor without a file resolves as unknown', async () => {
    const w = new ExitWatcher(dir, { pollMs: 20 });
    const r = await w.wait('orphan', { alive: () => false });
    assert.equal(r.exitCode, -1);
    assert.equal(r.unknown, true);
  });

  it('abort and close reject', async () => {
    const w = new ExitWatcher(dir);
    const ac = new AbortController();
    const p = w.wait('never', { signal: ac.signal });
    ac.abort();
    await assert.rejects(p);
    const q = w.wait('never2');
    w.close();
    await assert.rejects(q, /closed/);
  });
});
