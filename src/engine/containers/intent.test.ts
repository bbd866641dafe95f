import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clearIntent, readIntent, writeIntent } from './intent.js';

describe('container intent markers', () => {
  const withDir = (fn: (dir: string) => void): void => {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-intent-'));
    try {
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('round-trips a create and a remove marker, and clears them', () => {
    withDir((dir) => {
      assert.equal(readIntent(dir), null);
      writeIntent(dir, { op: 'create', anonymousVolumes: ['a'.repeat(64)] });
      assert.deepEqual(readIntent(dir), { op: 'create', anonymousVolumes: ['a'.repeat(64)] });
      writeIntent(dir, { op: 'remove', anonymousVolumes: [] });
      assert.deepEqual(readIntent(dir), { op: 'remove', anonymousVolumes: [] });
      clearIntent(dir);
      assert.equal(readIntent(dir), null);
      clearIntent(dir); // idempotent
    });
  });

  it('reads a torn or foreign marker as an unfinished create that made no volume', () => {
    withDir((dir) => {
      writeFileSync(join(dir, 'intent.json'), '{"op":"cre');
      assert.deepEqual(readIntent(dir), { op: 'create', anonymousVolumes: [] });
      writeFileSync(join(dir, 'intent.json'), '{"op":"remove","anonymousVolumes":[1,"v"]}');
      assert.deepEqual(readIntent(dir), { op: 'remove', anonymousVolumes: ['v'] });
    });
  });

  it('a missing container directory has no marker', () => {
    assert.equal(readIntent('/nonexistent-ballast-dir'), null);
    assert.equal(existsSync('/nonexistent-ballast-dir'), false);
  });
});
