/**
 * A corpus of hostile archives: every one is refused, and none writes
 * anything outside the directory it is extracted into (checked on disk,
 * with real GNU tar behind the gate). Benign look-alikes still restore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readArchive } from './pipeline.js';
import { UnsafeArchiveError, nameComponents } from './safety.js';
import { ArchiveFormatError, END_OF_ARCHIVE, fileMember, rawMember, type RawMemberSpec } from './tar-blocks.js';

const SANDBOX = mkdtempSync(join(tmpdir(), 'hostile-'));
const OUTSIDE = join(SANDBOX, 'outside');
const ABS = join(SANDBOX, 'abs-target');

function tarOf(members: RawMemberSpec[]): Buffer {
  return Buffer.concat([...members.map(rawMember), END_OF_ARCHIVE]);
}

const f = (name: string, text = 'pwned'): RawMemberSpec => ({ name, typeflag: '0', content: Buffer.from(text) });
const dir = (name: string): RawMemberSpec => ({ name, typeflag: '5', mode: 0o755 });
const sym = (name: string, target: string): RawMemberSpec => ({ name, typeflag: '2', linkname: target });
const hard = (name: string, target: string): RawMemberSpec => ({ name, typeflag: '1', linkname: target });

/** [description, members] — all must be refused. */
const HOSTILE: Array<[string, RawMemberSpec[]]> = [
  ['parent traversal', [dir('./'), f('../evil')]],
  ['traversal inside a path', [dir('./'), f('a/../../evil')]],
  ['dot-slash traversal', [dir('./'), f('./../evil')]],
  ['absolute name', [dir('./'), f(`${ABS}/evil`)]],
  ['write through an absolute symlink', [dir('./'), sym('link', OUTSIDE), f('link/evil')]],
  ['write through a relative symlink', [dir('./'), sym('up', '../outside'), f('up/evil')]],
  ['write through a symlink to a directory member', [dir('./'), sym('d', OUTSIDE), dir('d/'), f('d/evil')]],
  ['write through a chain of symlinks', [dir('./'), sym('a', '.'), sym('b', 'a/../../outside'), f('b/evil')]],
  ['hard link to an absolute path', [dir('./'), hard('h', `${OUTSIDE}/secret`)]],
  ['hard link climbing out', [dir('./'), hard('h', '../outside/secret')]],
  ['hard link to a path not in the archive', [dir('./'), hard('h', 'nope')]],
  ['write through a hard link to a symlink', [dir('./'), sym('s', OUTSIDE), hard('h', 's'), f('h/evil')]],
  ['device node', [dir('./'), { name: 'null', typeflag: '3', devmajor: 1, devminor: 3 }]],
  ['block device', [dir('./'), { name: 'disk', typeflag: '4', devmajor: 8, devminor: 0 }]],
  ['pax path climbing out', [dir('./'), { ...f('innocent'), pax: { path: '../evil' } }]],
  ['pax path absolute', [dir('./'), { ...f('innocent'), pax: { path: `${ABS}/evil` } }]],
  ['pax linkpath climbing out', [dir('./'), { ...hard('h', 'innocent'), pax: { linkpath: '../outside/secret' } }]],
  ['sparse name climbing out', [dir('./'), { ...f('innocent'), pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': '../evil', 'GNU.sparse.realsize': '5' }, content: Buffer.from('0\n') }]],
  ['global header renaming members', [{ name: 'g', typeflag: 'g', content: Buffer.from('19 path=../../evil\n') }, dir('./'), f('x')]],
  ['GNU long name climbing out', [dir('./'), { name: '././@LongLink', typeflag: 'L', content: Buffer.from('../evil\0') }, f('short')]],
  ['GNU long link climbing out', [dir('./'), { name: '././@LongLink', typeflag: 'K', content: Buffer.from('../outside/secret\0') }, hard('h', 'x')]],
  ['root replaced by a symlink', [sym('./', OUTSIDE), f('evil')]],
  ['old GNU sparse type', [dir('./'), { name: 'sp', typeflag: 'S' }]],
  ['volume label type', [dir('./'), { name: 'label', typeflag: 'V' }]],
  ['NUL in a pax path', [dir('./'), { ...f('innocent'), pax: { path: 'a\0../../evil' } }]],
];

const HEADER = JSON.stringify({
  format: 'ballast-volume-backup',
  version: 1,
  createdAt: '2024-01-01T00:00:00.000Z',
  engine: { name: 'ballast', version: 't', host: 'h' },
  volume: { name: 'v', driver: 'local', options: null, labels: null },
  quiesce: { mode: 'none', containers: [], capture: 'live', windowMs: 0 },
  hooks: [],
});

/** Backup-layout archives: data must stay under data/. */
const HOSTILE_BACKUP: Array<[string, RawMemberSpec[]]> = [
  ['member outside data/', [f('ballast/volume.json', HEADER), dir('data/'), f('etc/evil')]],
  ['hard link to outside data/', [f('ballast/volume.json', HEADER), dir('data/'), f('other'), hard('data/h', 'other')]],
  ['metadata member that is a symlink', [f('ballast/volume.json', HEADER), sym('ballast/manifest.jsonl', '/etc/passwd'), dir('data/')]],
  ['data root is a file', [f('ballast/volume.json', HEADER), f('data', 'x')]],
];

function outsideUntouched(): void {
  assert.deepEqual(readdirSync(OUTSIDE).sort(), ['secret']);
  assert.equal(existsSync(ABS), false, 'nothing was created at the absolute target');
  assert.deepEqual(readdirSync(SANDBOX).filter((n) => !n.startsWith('t-')).sort(), ['outside']);
}

async function extract(archive: Buffer, layout: 'plain' | 'backup' | 'auto'): Promise<{ error: unknown; target: string }> {
  const target = mkdtempSync(join(SANDBOX, 't-'));
  try {
    await readArchive({ input: { kind: 'stream', stream: Readable.from([archive]) }, layout, extractTo: target });
    return { error: undefined, target };
  } catch (e) {
    return { error: e, target };
  }
}

test('setup', () => {
  mkdirSync(OUTSIDE);
  writeFileSync(join(OUTSIDE, 'secret'), 'do not touch');
});

for (const [what, members] of HOSTILE) {
  test(`refused: ${what}`, async () => {
    const { error } = await extract(tarOf(members), 'plain');
    if (process.env['SHOW_REASONS']) console.log(`${what}: ${String(error)}`);
    assert.ok(error instanceof UnsafeArchiveError || error instanceof ArchiveFormatError, `${what}: ${String(error)}`);
    outsideUntouched();
  });
}

for (const [what, members] of HOSTILE_BACKUP) {
  test(`refused (backup layout): ${what}`, async () => {
    const { error } = await extract(tarOf(members), 'backup');
    if (process.env['SHOW_REASONS']) console.log(`${what}: ${String(error)}`);
    assert.ok(error instanceof UnsafeArchiveError || error instanceof ArchiveFormatError, `${what}: ${String(error)}`);
    outsideUntouched();
  });
}

test('refused: a truncated archive', async () => {
  const whole = tarOf([dir('./'), f('a', 'x'.repeat(5000))]);
  const { error } = await extract(whole.subarray(0, 1500), 'plain');
  assert.ok(error instanceof ArchiveFormatError, String(error));
  outsideUntouched();
});

test('accepted: device nodes when asked', async () => {
  const target = mkdtempSync(join(SANDBOX, 't-'));
  const archive = tarOf([dir('./'), { name: 'null', typeflag: '3', devmajor: 1, devminor: 3, mode: 0o600 }]);
  await readArchive({ input: { kind: 'stream', stream: Readable.from([archive]) }, layout: 'plain', extractTo: target, allowDevices: true });
  assert.ok(lstatSync(join(target, 'data', 'null')).isCharacterDevice());
});

test('accepted: links that only look dangerous are kept as links, never followed', async () => {
  const { error, target } = await extract(
    tarOf([dir('./'), sym('abs', '/etc/passwd'), sym('up', '../../..'), f('file'), hard('same', 'file'), dir('sub/'), hard('sub/again', './file')]),
    'plain',
  );
  assert.equal(error, undefined, String(error));
  const root = join(target, 'data');
  assert.equal(readlinkSync(join(root, 'abs')), '/etc/passwd');
  assert.equal(readlinkSync(join(root, 'up')), '../../..');
  assert.equal(lstatSync(join(root, 'same')).ino, lstatSync(join(root, 'file')).ino);
  assert.equal(lstatSync(join(root, 'sub', 'again')).ino, lstatSync(join(root, 'file')).ino);
  outsideUntouched();
});

test('nameComponents refuses absolute names and ".." and drops "." and empty parts', () => {
  assert.deepEqual(nameComponents('./a//b/./c/'), ['a', 'b', 'c']);
  assert.deepEqual(nameComponents('.'), []);
  assert.throws(() => nameComponents('/etc/passwd'), UnsafeArchiveError);
  assert.throws(() => nameComponents('a/../b'), UnsafeArchiveError);
  assert.throws(() => nameComponents(''), UnsafeArchiveError);
});

test('a plain archive without a root entry still restores', async () => {
  const { error, target } = await extract(Buffer.concat([fileMember('a.txt', Buffer.from('hi')), END_OF_ARCHIVE]), 'auto');
  assert.equal(error, undefined);
  assert.deepEqual(readdirSync(join(target, 'data')), ['a.txt']);
});

test('cleanup', () => {
  rmSync(SANDBOX, { recursive: true, force: true });
});
