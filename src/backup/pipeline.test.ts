/**
 * Round trips through the real tools (GNU tar, zstd, gzip, age): data and
 * metadata come back identical, the manifest matches, corruption is caught.
 * Needs root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { FORMAT_NAME, FORMAT_VERSION, type BackupHeader, type CompressionKind } from './format.js';
import { ChecksumError, readArchive, writeBackup, writeExport } from './pipeline.js';
import { makeCorpus } from './testkit.js';
import { compareTreeWithManifest, compareTrees, snapshotTree } from './tree-compare.js';

function scratch(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'backup-pipeline-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export function header(name = 'vol1', checksum: 'crc32' | 'sha256' = 'sha256'): BackupHeader {
  return {
    checksum,
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    createdAt: '2024-05-06T07:08:09.000Z',
    engine: { name: 'ballast', version: 'test', host: 'test' },
    volume: { name, driver: 'local', options: null, labels: { app: 'db' } },
    quiesce: { mode: 'none', containers: [], capture: 'live', windowMs: 0 },
    hooks: [],
  };
}

async function backupTo(
  src: string,
  file: string,
  compression: CompressionKind,
  checksum: 'crc32' | 'sha256' = 'sha256',
): Promise<Awaited<ReturnType<typeof writeBackup>>> {
  const fd = openSync(file, 'w');
  try {
    return await writeBackup({ dataDir: src, header: header('vol1', checksum), compression, output: fd });
  } finally {
    closeSync(fd);
  }
}

async function restoreFrom(file: string, into: string): Promise<Awaited<ReturnType<typeof readArchive>>> {
  const fd = openSync(file, 'r');
  try {
    return await readArchive({ input: { kind: 'fd', fd }, layout: 'auto', extractTo: into });
  } finally {
    closeSync(fd);
  }
}

test('backup → restore keeps data and metadata identical (zstd/crc32, gzip/sha256, none/sha256)', async (t) => {
  const d = scratch(t);
  const src = join(d, 'src');
  mkdirSync(src);
  makeCorpus(src, { files: 1500 });
  const before = await snapshotTree(src);
  for (const c of ['zstd', 'gzip', 'none'] as const) {
    const file = join(d, `b.${c}`);
    const checksum = c === 'zstd' ? 'crc32' : 'sha256';
    const w = await backupTo(src, file, c, checksum);
    assert.equal(w.entries, before.size, `${c}: manifest covers every entry`);
    const out = join(d, `out-${c}`);
    mkdirSync(out);
    const r = await restoreFrom(file, out);
    assert.equal(r.layout, 'backup');
    assert.equal(r.verified, true);
    assert.equal(r.header?.volume.labels?.['app'], 'db');
    const after = await snapshotTree(join(out, 'data'), { crc32: checksum === 'crc32' });
    assert.ok(r.manifest?.lines.some((l) => l.includes(`"${checksum}":`)), `${c}: manifest uses ${checksum}`);
    assert.deepEqual(compareTrees(before, after), [], c);
    assert.deepEqual(compareTreeWithManifest(after, r.manifest?.lines ?? []), [], `${c}: restored tree matches the manifest`);
  }
});

test('the data part restores by hand with plain GNU tar', async (t) => {
  const d = scratch(t);
  const src = join(d, 'src');
  mkdirSync(src);
  makeCorpus(src, { files: 200 });
  const file = join(d, 'b.tar.zst');
  await backupTo(src, file, 'zstd');
  const out = join(d, 'manual');
  mkdirSync(out);
  execFileSync('tar', ['--zstd', '-xpf', file, '--numeric-owner', '--xattrs', '--xattrs-include=*', '-C', out, '--strip-components=1', 'data']);
  const a = await snapshotTree(src);
  const b = await snapshotTree(out);
  // The root itself is not extracted by --strip-components (its name becomes empty).
  a.delete('.');
  b.delete('.');
  assert.deepEqual(compareTrees(a, b), []);
  const list = execFileSync('tar', ['--zstd', '-tf', file]).toString().split('\n');
  assert.equal(list[0], 'ballast/volume.json');
  assert.deepEqual(list.slice(-3, -1), ['ballast/README.txt', 'ballast/manifest.jsonl']);
});

test('verify without extracting; a flipped byte is refused by the checksums', async (t) => {
  const d = scratch(t);
  const src = join(d, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a.txt'), 'A'.repeat(100000));
  writeFileSync(join(src, 'b.txt'), 'hello');
  const file = join(d, 'b.tar');
  await backupTo(src, file, 'none');
  const fd = openSync(file, 'r');
  const ok = await readArchive({ input: { kind: 'fd', fd }, layout: 'auto' });
  closeSync(fd);
  assert.equal(ok.verified, true);
  const buf = readFileSync(file);
  const at = buf.indexOf('AAAAAAAAAA') + 5000;
  buf[at] = 0x42;
  writeFileSync(file, buf);
  const fd2 = openSync(file, 'r');
  await assert.rejects(readArchive({ input: { kind: 'fd', fd: fd2 }, layout: 'auto' }), (e: unknown) => {
    assert.ok(e instanceof ChecksumError);
    assert.match(e.message, /a\.txt/);
    return true;
  });
  closeSync(fd2);
});

test('plain export is a tar of the content that imports back', async (t) => {
  const d = scratch(t);
  const src = join(d, 'src');
  mkdirSync(src);
  makeCorpus(src, { files: 100 });
  const file = join(d, 'e.tar');
  const fd = openSync(file, 'w');
  await writeExport({ dataDir: src, output: fd });
  closeSync(fd);
  const out = join(d, 'imported');
  mkdirSync(out);
  const rfd = openSync(file, 'r');
  const r = await readArchive({ input: { kind: 'fd', fd: rfd }, layout: 'auto', extractTo: out });
  closeSync(rfd);
  assert.equal(r.layout, 'plain');
  assert.equal(r.verified, false);
  assert.equal(r.root, join(out, 'data'));
  assert.deepEqual(compareTrees(await snapshotTree(src), await snapshotTree(join(out, 'data'))), []);
});
