/**
 * Copy-up follows Docker's rules (docker-storage-semantics.md §5), one test
 * per rule; clone-style copies keep everything. Needs root (chown, mknod,
 * trusted.* xattrs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  lutimesSync,
  lchownSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyTree, copyUp } from './tree-copy.js';

const OLD = new Date('2020-01-02T03:04:05Z');

function scratch(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'tree-copy-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function xattr(path: string, name: string): string | undefined {
  try {
    return execFileSync('getfattr', ['-h', '--only-values', '-n', name, path], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return undefined;
  }
}

function setXattr(path: string, name: string, value: string): void {
  execFileSync('setfattr', ['-h', '-n', name, '-v', value, path]);
}

/** The spec's fixture: /data of spec-full, plus a few extras. */
function imageDir(root: string): string {
  const src = join(root, 'image', 'data');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'hello.txt'), 'from-image\n');
  chownSync(join(src, 'hello.txt'), 1001, 1002);
  chmodSync(join(src, 'hello.txt'), 0o640);
  writeFileSync(join(src, 'sub', 'nested.txt'), 'nested\n');
  chownSync(join(src, 'sub', 'nested.txt'), 1000, 1000);
  chownSync(join(src, 'sub'), 1000, 1000);
  symlinkSync('hello.txt', join(src, 'link'));
  chownSync(src, 1000, 1000);
  chmodSync(src, 0o750);
  for (const p of ['hello.txt', 'sub/nested.txt']) utimesSync(join(src, p), OLD, OLD);
  utimesSync(join(src, 'sub'), OLD, OLD);
  utimesSync(src, OLD, OLD);
  return src;
}

function emptyVolume(root: string): string {
  const v = join(root, 'volumes', 'v', '_data');
  mkdirSync(v, { recursive: true, mode: 0o755 });
  return v;
}

test('copy-up: the volume root takes the owner and mode of the image directory', async (t) => {
  const d = scratch(t);
  const vol = emptyVolume(d);
  const r = await copyUp(imageDir(d), vol);
  assert.equal(r.copied, true);
  const st = statSync(vol);
  assert.equal(st.mode & 0o7777, 0o750);
  assert.deepEqual([st.uid, st.gid], [1000, 1000]);
});

test('copy-up: an empty image directory still sets the root owner and mode (C-15)', async (t) => {
  const d = scratch(t);
  const src = join(d, 'emptyd');
  mkdirSync(src);
  chownSync(src, 1234, 5678);
  chmodSync(src, 0o700);
  const vol = emptyVolume(d);
  assert.equal((await copyUp(src, vol)).copied, true);
  const st = statSync(vol);
  assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o700, 1234, 5678]);
  assert.deepEqual(readdirSync(vol), []);
});

test('copy-up: regular files keep content, owner, mode and mtime', async (t) => {
  const d = scratch(t);
  const vol = emptyVolume(d);
  await copyUp(imageDir(d), vol);
  const f = join(vol, 'hello.txt');
  assert.equal(readFileSync(f, 'utf8'), 'from-image\n');
  const st = lstatSync(f);
  assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o640, 1001, 1002]);
  assert.equal(st.mtimeMs, OLD.getTime());
  const n = lstatSync(join(vol, 'sub', 'nested.txt'));
  assert.deepEqual([n.uid, n.gid, n.mtimeMs], [1000, 1000, OLD.getTime()]);
});

test('copy-up: nanosecond mtimes of files are kept exactly', async (t) => {
  const d = scratch(t);
  const src = join(d, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'f'), 'x');
  execFileSync('touch', ['-m', '-d', '2021-05-06 07:08:09.123456789 UTC', join(src, 'f')]);
  const vol = emptyVolume(d);
  await copyUp(src, vol);
  assert.equal(
    lstatSync(join(vol, 'f'), { bigint: true }).mtimeNs,
    lstatSync(join(src, 'f'), { bigint: true }).mtimeNs,
  );
});

test('copy-up: symlinks are copied as links, not followed', async (t) => {
  const d = scratch(t);
  const src = imageDir(d);
  symlinkSync('/etc/passwd', join(src, 'abs'));
  symlinkSync('../../outside', join(src, 'sub', 'up'));
  lchownSync(join(src, 'abs'), 7, 8);
  lutimesSync(join(src, 'abs'), OLD, OLD);
  const vol = emptyVolume(d);
  await copyUp(src, vol);
  assert.equal(readlinkSync(join(vol, 'link')), 'hello.txt');
  assert.equal(readlinkSync(join(vol, 'abs')), '/etc/passwd');
  assert.equal(readlinkSync(join(vol, 'sub', 'up')), '../../outside');
  const st = lstatSync(join(vol, 'abs'));
  assert.ok(st.isSymbolicLink());
  assert.deepEqual([st.uid, st.gid, st.mtimeMs], [7, 8, OLD.getTime()]);
});

test('copy-up: directories keep owner and mode; filled ones get the copy time as mtime', async (t) => {
  const d = scratch(t);
  const src = imageDir(d);
  mkdirSync(join(src, 'empty'));
  chownSync(join(src, 'empty'), 5, 6);
  chmodSync(join(src, 'empty'), 0o711);
  utimesSync(join(src, 'empty'), OLD, OLD);
  const vol = emptyVolume(d);
  const before = Date.now();
  await copyUp(src, vol);
  const after = Date.now();
  for (const p of [vol, join(vol, 'sub')]) {
    const m = statSync(p).mtimeMs;
    assert.ok(m >= before - 1000 && m <= after + 1000, `${p} mtime ${new Date(m).toISOString()} is the copy time`);
  }
  const sub = statSync(join(vol, 'sub'));
  assert.deepEqual([sub.mode & 0o7777, sub.uid, sub.gid], [0o755, 1000, 1000]);
  // continuity sets a directory's times before filling it: an empty one keeps its own.
  const e = statSync(join(vol, 'empty'));
  assert.deepEqual([e.mode & 0o7777, e.uid, e.gid, e.mtimeMs], [0o711, 5, 6, OLD.getTime()]);
});

test('copy-up: xattrs are copied, including on the root', async (t) => {
  const d = scratch(t);
  const src = imageDir(d);
  setXattr(join(src, 'hello.txt'), 'user.color', 'blue');
  setXattr(join(src, 'hello.txt'), 'trusted.tag', 'x1');
  setXattr(src, 'user.rootattr', 'r');
  const vol = emptyVolume(d);
  await copyUp(src, vol);
  assert.equal(xattr(join(vol, 'hello.txt'), 'user.color'), 'blue');
  assert.equal(xattr(join(vol, 'hello.txt'), 'trusted.tag'), 'x1');
  assert.equal(xattr(vol, 'user.rootattr'), 'r');
});

test('copy-up: hard links stay linked', async (t) => {
  const d = scratch(t);
  const src = imageDir(d);
  linkSync(join(src, 'hello.txt'), join(src, 'sub', 'hard'));
  const vol = emptyVolume(d);
  await copyUp(src, vol);
  const a = lstatSync(join(vol, 'hello.txt'));
  const b = lstatSync(join(vol, 'sub', 'hard'));
  assert.equal(a.ino, b.ino);
  assert.equal(a.nlink, 2);
});

test('copy-up: a volume with any entry (even a dotfile) is not touched', async (t) => {
  const d = scratch(t);
  const vol = emptyVolume(d);
  writeFileSync(join(vol, '.keep'), '');
  chmodSync(vol, 0o755);
  const r = await copyUp(imageDir(d), vol);
  assert.equal(r.copied, false);
  assert.deepEqual(readdirSync(vol), ['.keep']);
  assert.equal(statSync(vol).mode & 0o7777, 0o755);
});

test('copy-up: a missing source copies nothing and is no error', async (t) => {
  const d = scratch(t);
  const vol = emptyVolume(d);
  assert.equal((await copyUp(join(d, 'nope', 'deep'), vol)).copied, false);
  assert.deepEqual(readdirSync(vol), []);
});

test('copy-up: a source that is a file fails with Docker\'s message', async (t) => {
  const d = scratch(t);
  const f = join(d, 'file.txt');
  writeFileSync(f, 'filecontent\n');
  const vol = emptyVolume(d);
  await assert.rejects(copyUp(f, vol), { message: `source ${f} is not directory` });
});

test('copy-up: FIFOs, device nodes and sparse files are recreated', async (t) => {
  const d = scratch(t);
  const src = join(d, 'src');
  mkdirSync(src);
  execFileSync('mkfifo', [join(src, 'fifo')]);
  execFileSync('mknod', [join(src, 'null'), 'c', '1', '3']);
  execFileSync('truncate', ['-s', '64M', join(src, 'sparse')]);
  execFileSync('sh', ['-c', `printf data | dd of=${join(src, 'sparse')} bs=1 seek=10000000 conv=notrunc 2>/dev/null`]);
  const vol = emptyVolume(d);
  await copyUp(src, vol);
  assert.ok(lstatSync(join(vol, 'fifo')).isFIFO());
  const n = lstatSync(join(vol, 'null'));
  assert.ok(n.isCharacterDevice());
  assert.equal(n.rdev, lstatSync(join(src, 'null')).rdev);
  const s = lstatSync(join(vol, 'sparse'));
  assert.equal(s.size, 64 * 1024 * 1024);
  assert.ok(s.blocks * 512 < 1024 * 1024, `sparse copy allocates ${s.blocks * 512} bytes`);
  assert.deepEqual(readFileSync(join(vol, 'sparse')).subarray(10000000, 10000004).toString(), 'data');
});

test('copyTree (clone) keeps directory times and refuses or skips devices unless asked', async (t) => {
  const d = scratch(t);
  const src = imageDir(d);
  const dst = join(d, 'clone');
  await copyTree(src, dst);
  assert.equal(statSync(dst).mtimeMs, OLD.getTime());
  assert.equal(statSync(join(dst, 'sub')).mtimeMs, OLD.getTime());
  execFileSync('mknod', [join(src, 'sub', 'zero'), 'c', '1', '5']);
  await assert.rejects(copyTree(src, join(d, 'c2')), /device nodes are not copied unless asked/);
  await copyTree(src, join(d, 'c3'), { devices: 'skip' });
  assert.deepEqual(readdirSync(join(d, 'c3', 'sub')).sort(), ['nested.txt']);
  await copyTree(src, join(d, 'c4'), { devices: 'copy' });
  assert.ok(lstatSync(join(d, 'c4', 'sub', 'zero')).isCharacterDevice());
});
