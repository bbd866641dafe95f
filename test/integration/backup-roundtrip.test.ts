/**
 * Volume backup through a real ballastd and the real CLI (issue 5): backup → rm → restore
 * gives back byte-identical data and identical metadata for thousands of entries (owners,
 * modes, ns mtimes, xattrs, hard-link groups, holes, odd names), and the volume's definition;
 * streams, export | import, compression choices, age encryption, checksums, clone, --all with
 * retention, and hostile archives end to end.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCorpus } from '../../src/backup/testkit.js';
import { compareTrees, snapshotTree } from '../../src/backup/tree-compare.js';
import { END_OF_ARCHIVE, rawMember } from '../../src/backup/tar-blocks.js';
import { Cli, cliBinary, cliEnv } from '../helpers/cli.js';
import { Ballastd } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tmp.js';

let d: Ballastd;
let cli: Cli;
let work: string;

const data = (name: string): string => join(d.root, 'volumes', name, '_data');

/** Runs a shell pipeline with the CLI on PATH as `ballast`. */
function sh(script: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', script], {
    env: { ...cliEnv('ballast', d.host), B: cliBinary('ballast') },
    cwd: work,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function fill(name: string, files: number, labels: string[] = []): Promise<void> {
  await cli.ok(['volume', 'create', ...labels.flatMap((l) => ['--label', l]), name]);
  makeCorpus(data(name), { files, seed: files });
}

describe('volume backup round trips', { timeout: 600_000 }, () => {
  before(async () => {
    d = await Ballastd.start();
    cli = new Cli('ballast', d.host);
    work = makeTempDir('ballast-backup-it');
  });
  after(async () => {
    await d.stop();
    removeTempDir(work);
  });

  it('backup, rm, restore: identical data, metadata and definition for thousands of entries', async () => {
    await fill('db', 3000, ['app=shop', 'tier=data']);
    const before = await snapshotTree(data('db'));
    assert.ok(before.size > 3000);
    const r = await cli.ok(['volume', 'backup', 'db', '-o', work, '--json']);
    const summary = JSON.parse(r.stdout) as { file: string; entries: number; volume: string };
    assert.equal(summary.entries, before.size);
    assert.ok(existsSync(summary.file));
    await cli.ok(['volume', 'rm', 'db']);
    const restored = await cli.ok(['volume', 'restore', summary.file, '--json']);
    assert.equal((JSON.parse(restored.stdout) as { created: boolean }).created, true);
    const after = await snapshotTree(data('db'));
    assert.deepEqual(compareTrees(before, after), []);
    const inspect = JSON.parse((await cli.ok(['volume', 'inspect', 'db'])).stdout) as Array<{ Labels: Record<string, string> }>;
    assert.deepEqual(inspect[0]?.Labels, { app: 'shop', tier: 'data' });
    const v = await cli.run(['volume', 'verify', '--restore-test', summary.file]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^OK: .*volume db/m);
    assert.match(v.stdout, /restore test: OK/);
  });

  it('restores over an existing volume, replacing its content entirely', async () => {
    const file = JSON.parse((await cli.ok(['volume', 'backup', 'db', '-o', work, '--json'])).stdout).file as string;
    const before = await snapshotTree(data('db'));
    writeFileSync(join(data('db'), 'added-later'), 'x');
    execFileSync('rm', ['-rf', join(data('db'), 'links')]);
    await cli.ok(['volume', 'restore', file]);
    assert.deepEqual(compareTrees(before, await snapshotTree(data('db'))), []);
  });

  it('streams: backup to stdout, restore from stdin under another name; export | import', async () => {
    const b = sh('"$B" volume backup db > db.stream && "$B" volume restore - db-copy < db.stream');
    assert.equal(b.code, 0, b.stderr);
    const src = await snapshotTree(data('db'));
    assert.deepEqual(compareTrees(src, await snapshotTree(data('db-copy'))), []);
    const e = sh('"$B" volume export db | "$B" volume import db-imported -');
    assert.equal(e.code, 0, e.stderr);
    assert.deepEqual(compareTrees(src, await snapshotTree(data('db-imported'))), []);
    // The export is a plain tar: anything reads it.
    const t = sh('"$B" volume export db | tar -tf - | head -3');
    assert.match(t.stdout, /^\.\//);
  });

  it('gzip and uncompressed archives; the data part restores by hand with tar', async () => {
    await fill('small', 200);
    const src = await snapshotTree(data('small'));
    for (const c of ['gzip', 'none']) {
      const file = join(work, `small.${c}`);
      await cli.ok(['volume', 'backup', 'small', '--compress', c, '-o', file]);
      await cli.ok(['volume', 'restore', file, `small-${c}`]);
      assert.deepEqual(compareTrees(src, await snapshotTree(data(`small-${c}`))), [], c);
    }
    const manual = join(work, 'manual');
    mkdirSync(manual);
    execFileSync('tar', ['-xzpf', join(work, 'small.gzip'), '--numeric-owner', '--xattrs', "--xattrs-include=*", '-C', manual, '--strip-components=1', 'data']);
    const m = await snapshotTree(manual);
    const s = new Map(src);
    s.delete('.');
    m.delete('.');
    assert.deepEqual(compareTrees(s, m), []);
  });

  it('age encryption: recipients and passphrases, interoperable with the stock age tool', async () => {
    execFileSync('age-keygen', ['-o', join(work, 'key.txt')], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', join(work, 'key.txt')]).toString().trim();
    const file = join(work, 'small.tar.zst.age');
    await cli.ok(['volume', 'backup', 'small', '--encrypt-to', recipient, '-o', file]);
    assert.equal(readFileSync(file).subarray(0, 21).toString(), 'age-encryption.org/v1');
    const noKey = await cli.run(['volume', 'verify', file]);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /encrypted/);
    assert.equal((await cli.run(['volume', 'verify', '-i', join(work, 'key.txt'), file])).code, 0);
    const list = sh(`age -d -i key.txt ${file} | zstd -dc | tar -tf - | head -1`);
    assert.equal(list.stdout.trim(), 'ballast/volume.json');
    await cli.ok(['volume', 'restore', '-i', join(work, 'key.txt'), file, 'small-age']);
    assert.deepEqual(compareTrees(await snapshotTree(data('small')), await snapshotTree(data('small-age'))), []);

    writeFileSync(join(work, 'pass.txt'), 'a long passphrase\n');
    const pfile = join(work, 'small-pw.tar.zst.age');
    await cli.ok(['volume', 'backup', 'small', '--passphrase-file', join(work, 'pass.txt'), '-o', pfile]);
    const stock = sh(`script -q -e -c "age -d -o small-pw.tar.zst small-pw.tar.zst.age" /dev/null <<EOF\na long passphrase\nEOF`);
    assert.equal(stock.code, 0, stock.stderr);
    assert.equal(sh('zstd -dc small-pw.tar.zst | tar -tf - | head -1').stdout.trim(), 'ballast/volume.json');
    writeFileSync(join(work, 'wrong.txt'), 'not it\n');
    const wrong = await cli.run(['volume', 'verify', '--passphrase-file', join(work, 'wrong.txt'), pfile]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /decryption failed/);
    assert.equal((await cli.run(['volume', 'verify', '--passphrase-file', join(work, 'pass.txt'), pfile])).code, 0);
  });

  it('a corrupted archive is refused and the target stays exactly as it was', async () => {
    const file = join(work, 'small.tar');
    await cli.ok(['volume', 'backup', 'small', '--compress', 'none', '-o', file]);
    const buf = readFileSync(file);
    const at = buf.indexOf(Buffer.from('line 10 of a compressible file'));
    assert.ok(at > 0);
    buf[at + 3] = 0x58;
    writeFileSync(join(work, 'bad.tar'), buf);
    writeFileSync(join(data('small'), 'marker'), 'before');
    const before = await snapshotTree(data('small'));
    const r = await cli.run(['volume', 'restore', join(work, 'bad.tar')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /checksum verification failed: .*does not match its manifest/);
    assert.deepEqual(compareTrees(before, await snapshotTree(data('small'))), []);
    assert.equal((await cli.run(['volume', 'verify', join(work, 'bad.tar')])).code, 1);
    assert.deepEqual(readdirSync(join(d.root, 'volumes')).filter((n) => n.startsWith('.restore-')), []);
  });

  it('clone copies content, metadata and labels into a new volume', async () => {
    await cli.ok(['volume', 'clone', 'db', 'db-clone']);
    assert.deepEqual(compareTrees(await snapshotTree(data('db')), await snapshotTree(data('db-clone'))), []);
    const labels = JSON.parse((await cli.ok(['volume', 'inspect', 'db-clone'])).stdout)[0].Labels as Record<string, string>;
    assert.deepEqual(labels, { app: 'shop', tier: 'data' });
    const again = await cli.run(['volume', 'clone', 'db', 'db-clone']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('--all with --keep-last keeps the newest archives per volume and never the unverified ones only', async () => {
    const dir = join(work, 'nightly');
    mkdirSync(dir);
    for (let i = 0; i < 3; i++) await cli.ok(['volume', 'backup', '--all', '-o', dir, '--keep-last', '2']);
    const files = readdirSync(dir);
    const archives = files.filter((f) => /\.tar\.zst$/.test(f));
    const byVol = new Map<string, number>();
    for (const f of archives) byVol.set(f.replace(/-\d{8}T.*$/, ''), (byVol.get(f.replace(/-\d{8}T.*$/, '')) ?? 0) + 1);
    for (const [v, n] of byVol) assert.equal(n, 2, `${v}: ${n} archives`);
    assert.ok(byVol.has('db') && byVol.has('small'));
    for (const a of archives) assert.ok(files.includes(`${a}.sha256`), `receipt for ${a}`);
    // Corrupt the newest archive of "small": a keep-last 1 run must keep an older verified one too.
    const smalls = archives.filter((f) => /^small-\d{8}T/.test(f)).sort();
    const newest = join(dir, smalls[smalls.length - 1] as string);
    const buf = readFileSync(newest);
    buf[buf.length - 100] = (buf[buf.length - 100] ?? 0) ^ 0xff;
    writeFileSync(newest, buf);
    const r = await cli.ok(['volume', 'backup', 'small', '-o', dir, '--keep-last', '1', '--json']);
    const prune = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { prune: { kept: string[]; protected: Record<string, string> } };
    const kept = readdirSync(dir).filter((f) => /^small-\d{8}T.*\.tar\.zst$/.test(f));
    assert.equal(kept.length, 1, kept.join(' '));
    assert.equal(prune.prune.protected['small'], kept[0]);
  });

  it('hostile archives are refused end to end and write nothing outside the volume', async () => {
    const outside = join(work, 'outside');
    mkdirSync(outside);
    const evil = Buffer.concat([
      rawMember({ name: './', typeflag: '5', mode: 0o755 }),
      rawMember({ name: 'link', typeflag: '2', linkname: outside }),
      rawMember({ name: 'link/pwned', typeflag: '0', content: Buffer.from('x') }),
      END_OF_ARCHIVE,
    ]);
    writeFileSync(join(work, 'evil.tar'), evil);
    const r = await cli.run(['volume', 'import', 'victim', join(work, 'evil.tar')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing the archive: member path runs through a symlink/);
    assert.deepEqual(readdirSync(outside), []);
    const dev = Buffer.concat([rawMember({ name: './', typeflag: '5' }), rawMember({ name: 'null', typeflag: '3', devmajor: 1, devminor: 3 }), END_OF_ARCHIVE]);
    writeFileSync(join(work, 'dev.tar'), dev);
    assert.match((await cli.run(['volume', 'import', 'victim', join(work, 'dev.tar')])).stderr, /device node refused/);
    await cli.ok(['volume', 'import', '--allow-devices', 'victim', join(work, 'dev.tar')]);
  });
});
