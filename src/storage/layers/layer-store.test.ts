import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { makeHeader } from '../archive/tar-format.js';
import { encodeTar, type TarWriteEntry } from '../archive/tar-writer.js';
import { getXattrs } from '../archive/xattr.js';
import { packDirectory } from '../archive/pack.js';
import { LayerDigestMismatch, LayerStore } from './layer-store.js';
import { tempDir } from './test-support.js';

async function bytes(entries: TarWriteEntry[], trailer = Buffer.alloc(0)): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of encodeTar(entries)) parts.push(c);
  parts.push(trailer);
  return Buffer.concat(parts);
}

async function* chunks(b: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of src) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const dir = (name: string, extra: Partial<Parameters<typeof makeHeader>[0]> = {}): TarWriteEntry => ({
  header: makeHeader({ name, type: 'dir', mtime: 1600000000, ...extra }),
});
const file = (name: string, content: string, extra: Partial<Parameters<typeof makeHeader>[0]> = {}): TarWriteEntry => ({
  header: makeHeader({ name, type: 'file', size: Buffer.byteLength(content), mtime: 1600000000, ...extra }),
  body: Buffer.from(content),
});

describe('layer store', () => {
  const tmp = tempDir('layers');
  let store: LayerStore;
  before(async () => {
    store = new LayerStore(tmp.path);
    await store.init();
  });
  after(() => tmp.remove());

  it('converts OCI whiteouts to overlay form', async () => {
    const tar = await bytes([
      dir('a/'),
      file('a/keep', 'k'),
      file('a/.wh.gone', ''),
      dir('b/'),
      file('b/.wh..wh..opq', ''),
      file('b/new', 'n'),
      dir('.wh..wh.plnk/'),
      file('.wh..wh.plnk/123.456', ''),
      file('c/.wh.implicit-parent', ''),
    ]);
    const h = await store.unpack(chunks(tar));
    h.release();
    const diff = h.info.diffPath;
    assert.equal(h.info.diffId, sha(tar));
    const gone = lstatSync(join(diff, 'a/gone'));
    assert.ok(gone.isCharacterDevice());
    assert.equal(gone.rdev, 0);
    assert.ok(lstatSync(join(diff, 'c/implicit-parent')).isCharacterDevice());
    assert.ok(!existsSync(join(diff, 'a/.wh.gone')));
    assert.ok(!existsSync(join(diff, 'b/.wh..wh..opq')));
    assert.ok(!existsSync(join(diff, '.wh..wh.plnk')));
    const x = await getXattrs(join(diff, 'b'), { recursive: false });
    assert.equal(x.get(join(diff, 'b'))?.get('trusted.overlay.opaque')?.toString(), 'y');
    assert.deepEqual(h.info.opaque, ['b']);
    // Saved back byte for byte.
    assert.deepEqual(await collect(store.tarStream(h.info.diffId)), tar);
    // Packing the directory (the path commit/export take) turns the whiteouts back into OCI form.
    const packed: string[] = [];
    for await (const entry of packDirectory(diff, { whiteouts: 'overlay' })) {
      packed.push(`${entry.header.type}:${entry.header.name}`);
      assert.ok(![...entry.header.xattrs.keys()].some((k) => k.startsWith('trusted.overlay.')));
    }
    assert.deepEqual(packed, [
      'dir:a/',
      'file:a/.wh.gone',
      'file:a/keep',
      'dir:b/',
      'file:b/.wh..wh..opq',
      'file:b/new',
      'dir:c/',
      'file:c/.wh.implicit-parent',
    ]);
  });

  it('keeps owners, modes, mtimes, xattrs, hard links, devices, FIFOs and symlinks', async () => {
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
    const tar = await bytes([
      dir('d/', { uid: 1000, gid: 1001, mode: 0o2750, mtime: 1500000000 }),
      file('d/suid', 'x', { uid: 1234, gid: 5678, mode: 0o4755, mtime: 1400000000 }),
      file('d/cap', 'c', { xattrs: new Map([['security.capability', cap], ['user.note', Buffer.from('hi')]]) }),
      { header: makeHeader({ name: 'd/hard', type: 'link', linkname: 'd/suid' }) },
      { header: makeHeader({ name: 'd/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3, uid: 7 }) },
      { header: makeHeader({ name: 'd/loop', type: 'block', mode: 0o660, devmajor: 7, devminor: 0 }) },
      { header: makeHeader({ name: 'd/fifo', type: 'fifo', mode: 0o620 }) },
      { header: makeHeader({ name: 'd/sym', type: 'symlink', linkname: '/bin/busybox', uid: 3, gid: 4, mtime: 1300000000 }) },
    ]);
    const h = await store.unpack(chunks(tar));
    h.release();
    const d = join(h.info.diffPath, 'd');
    const st = lstatSync(d);
    assert.equal(st.mode & 0o7777, 0o2750);
    assert.equal(st.uid, 1000);
    assert.equal(st.mtimeMs, 1500000000 * 1000);
    const s = lstatSync(join(d, 'suid'));
    assert.equal(s.mode & 0o7777, 0o4755);
    assert.equal(`${s.uid}:${s.gid}`, '1234:5678');
    assert.equal(s.mtimeMs, 1400000000 * 1000);
    assert.equal(lstatSync(join(d, 'hard')).ino, s.ino);
    const n = lstatSync(join(d, 'null'));
    assert.ok(n.isCharacterDevice());
    assert.equal(n.rdev, (1 << 8) | 3);
    assert.equal(n.uid, 7);
    assert.equal(n.mode & 0o777, 0o666);
    assert.ok(lstatSync(join(d, 'loop')).isBlockDevice());
    assert.ok(lstatSync(join(d, 'fifo')).isFIFO());
    const l = lstatSync(join(d, 'sym'));
    assert.equal(readlinkSync(join(d, 'sym')), '/bin/busybox');
    assert.equal(`${l.uid}:${l.gid}`, '3:4');
    assert.equal(l.mtimeMs, 1300000000 * 1000);
    const xa = (await getXattrs(join(d, 'cap'), { recursive: false })).get(join(d, 'cap'));
    assert.deepEqual(xa?.get('security.capability'), cap);
    assert.equal(xa?.get('user.note')?.toString(), 'hi');
    // Docker's size: non-directories by st_size, hard links once.
    assert.equal(h.info.size, 1 + 1 + '/bin/busybox'.length);
  });

  it('rebuilds the exact tar even when later entries replace earlier ones', async () => {
    const tar = await bytes(
      [
        file('x', 'first version'),
        dir('t/'),
        file('t/inner', 'inside a dir that a file replaces'),
        file('x', 'second'),
        file('t', 'now a file'),
        file('x', 'third and last'),
      ],
      Buffer.alloc(4096), // trailing zero padding after the end marker, as some writers leave
    );
    const h = await store.unpack(chunks(tar, 333));
    h.release();
    assert.equal(readFileSync(join(h.info.diffPath, 'x'), 'utf8'), 'third and last');
    assert.equal(readFileSync(join(h.info.diffPath, 't'), 'utf8'), 'now a file');
    assert.equal(h.info.tarSize, tar.length);
    const back = await collect(store.tarStream(h.info.diffId));
    assert.equal(sha(back), h.info.diffId);
  });

  it('unpacks gzip layers under the digest of the uncompressed tar', async () => {
    const tar = await bytes([file('gz-only', 'zipped')]);
    const h = await store.unpack(chunks(gzipSync(tar)));
    h.release();
    assert.equal(h.info.diffId, sha(tar));
  });

  it('refuses a layer whose digest does not match and leaves nothing behind', async () => {
    const tar = await bytes([file('m', 'mismatch')]);
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(store.unpack(chunks(tar), { expectedDiffId: wrong }), (e: unknown) => {
      assert.ok(e instanceof LayerDigestMismatch);
      assert.equal(e.actual, sha(tar));
      return true;
    });
    assert.equal(store.has(sha(tar)), false);
    assert.equal(store.has(wrong), false);
    assert.deepEqual(readdirSync(store.layout.tmpDir), []);
  });

  it('refuses path escapes and keeps symlinked writes inside the root', async () => {
    const outside = join(tmp.path, 'outside-sentinel');
    for (const bad of [
      [file('../escape', 'x')],
      [file('/abs', 'x')],
      [{ header: makeHeader({ name: 'up', type: 'symlink', linkname: '../../../..' }) }],
      [file('f', 'x'), { header: makeHeader({ name: 'h', type: 'link', linkname: '../f' }) }],
    ] satisfies TarWriteEntry[][]) {
      await assert.rejects(store.unpack(chunks(await bytes(bad))), /Error processing tar file/);
    }
    // An absolute symlink is followed inside the root, never on the host.
    const tar = await bytes([
      { header: makeHeader({ name: 'root', type: 'symlink', linkname: '/' }) },
      { header: makeHeader({ name: 'tmpl', type: 'symlink', linkname: tmp.path }) },
      file('root/etc/written-through', 'inside'),
      file(`tmpl/outside-sentinel`, 'inside too'),
    ]);
    const h = await store.unpack(chunks(tar));
    h.release();
    assert.equal(readFileSync(join(h.info.diffPath, 'etc/written-through'), 'utf8'), 'inside');
    assert.ok(existsSync(join(h.info.diffPath, tmp.path.slice(1), 'outside-sentinel')));
    assert.ok(!existsSync(outside));
    assert.ok(!existsSync('/etc/written-through'));
    assert.deepEqual(readdirSync(store.layout.tmpDir), []);
  });

  it('unpacks the same layer concurrently into one shared copy', async () => {
    const big = 'y'.repeat(300_000);
    const tar = await bytes(Array.from({ length: 40 }, (_, i) => file(`f${i}`, big)));
    const hs = await Promise.all([1, 2, 3, 4].map(() => store.unpack(chunks(tar, 65536))));
    for (const h of hs) h.release();
    assert.ok(hs.every((h) => h.info.diffId === sha(tar)));
    const hex = sha(tar).slice(7);
    assert.equal(readdirSync(store.layout.byDigestDir).filter((n) => n === hex).length, 1);
    assert.deepEqual(readdirSync(store.layout.tmpDir), []);
    const short = store.shortLink(sha(tar));
    assert.equal(readlinkSync(join(store.layout.linksDir, short)), `../sha256/${hex}/diff`);
    const links = readdirSync(store.layout.linksDir).filter((n) => readlinkSync(join(store.layout.linksDir, n)).includes(hex));
    assert.deepEqual(links, [short]);
  });

  it('skips the work when the expected layer already exists', async () => {
    const tar = await bytes([file('again', 'same')]);
    (await store.unpack(chunks(tar))).release();
    let pulled = 0;
    async function* counting(): AsyncGenerator<Buffer> {
      for await (const c of chunks(tar, 10)) {
        pulled++;
        yield c;
      }
    }
    const h = await store.unpack(counting(), { expectedDiffId: sha(tar) });
    h.release();
    assert.equal(pulled, 0);
  });

  it('does not delete pinned layers or layers in a container chain', async () => {
    const tar = await bytes([file('pinned', 'p')]);
    const id = sha(tar);
    const h = await store.unpack(chunks(tar));
    assert.equal(await store.remove(id), false);
    h.release();
    mkdirSync(join(tmp.path, 'containers/c1'), { recursive: true });
    writeFileSync(join(tmp.path, 'containers/c1/lower'), `${id}\n`);
    assert.equal(await store.remove(id), false);
    writeFileSync(join(tmp.path, 'containers/c1/lower'), '');
    const short = store.shortLink(id);
    assert.equal(await store.remove(id), true);
    assert.equal(store.has(id), false);
    assert.ok(!existsSync(join(store.layout.linksDir, short)));
  });

  it('cleans what a killed unpack and other crashes leave behind', async () => {
    // A real unpack killed with SIGKILL half-way.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        import { LayerStore } from ${JSON.stringify(new URL('./layer-store.js', import.meta.url).href)};
        import { encodeTar } from ${JSON.stringify(new URL('../archive/tar-writer.js', import.meta.url).href)};
        import { makeHeader } from ${JSON.stringify(new URL('../archive/tar-format.js', import.meta.url).href)};
        const s = new LayerStore(${JSON.stringify(tmp.path)});
        async function* entries() {
          for (let i = 0; ; i++) {
            yield { header: makeHeader({ name: 'f' + i, type: 'file', size: 4 }), body: Buffer.from('data') };
            if (i === 50) { process.stdout.write('started\\n'); await new Promise(() => {}); }
          }
        }
        await s.unpack(encodeTar(entries()));
        `,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    // Wait until the child has written some of its files.
    for (let i = 0; i < 100; i++) {
      const left = readdirSync(store.layout.tmpDir);
      if (left.length && existsSync(join(store.layout.tmpDir, left[0] ?? '', 'diff/f10'))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(readdirSync(store.layout.tmpDir).length, 1);
    // Other leftovers: a layer dir without .complete and a dangling short link.
    const fake = join(store.layout.byDigestDir, 'f'.repeat(64));
    mkdirSync(join(fake, 'diff'), { recursive: true });
    symlinkSync(`../sha256/${'e'.repeat(64)}/diff`, join(store.layout.linksDir, 'DANGLING22'));
    const fresh = new LayerStore(tmp.path);
    await fresh.init();
    assert.deepEqual(readdirSync(store.layout.tmpDir), []);
    assert.ok(!existsSync(fake));
    assert.ok(!existsSync(join(store.layout.linksDir, 'DANGLING22')));
    assert.equal(fresh.has(`sha256:${'f'.repeat(64)}`), false);
    // Complete layers survived, with their links.
    for (const l of await fresh.list()) {
      assert.ok(existsSync(join(fresh.layout.linksDir, fresh.shortLink(l.diffId))));
    }
    void fileURLToPath;
  });
});
