import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeHeader, type TarHeader } from './tar-format.js';
import { readTar } from './tar-reader.js';
import { encodeTar, type TarWriteEntry } from './tar-writer.js';
import { decompress, detectCompression } from './compression.js';
import { cleanEntryName, symlinkEscapes, UnsafePathError } from './paths.js';

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of src) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function* fromBuffer(b: Buffer, chunk = 777): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += chunk) yield b.subarray(i, i + chunk);
}

async function readAll(tar: Buffer): Promise<Array<{ header: TarHeader; body: Buffer }>> {
  const out: Array<{ header: TarHeader; body: Buffer }> = [];
  for await (const e of readTar(fromBuffer(tar))) out.push({ header: e.header, body: await collect(e.body()) });
  return out;
}

const ODD: TarWriteEntry[] = [
  { header: makeHeader({ name: 'dir/', type: 'dir', mode: 0o2755, uid: 1000, gid: 1000, mtime: 1700000000 }) },
  { header: makeHeader({ name: 'dir/plain.txt', type: 'file', size: 5, mtime: 1700000000.5 }), body: Buffer.from('hello') },
  {
    header: makeHeader({ name: `dir/${'long-name-'.repeat(12)}/${'x'.repeat(120)}.txt`, type: 'file', size: 3 }),
    body: Buffer.from('abc'),
  },
  { header: makeHeader({ name: 'dir/ünïcødé ☃ name', type: 'file', size: 1 }), body: Buffer.from('u') },
  { header: makeHeader({ name: 'dir/with space\tand tab', type: 'file', size: 0 }) },
  { header: makeHeader({ name: 'dir/new\nline', type: 'file', size: 0 }) },
  { header: makeHeader({ name: 'dir/sym', type: 'symlink', linkname: `../${'t'.repeat(150)}` }) },
  { header: makeHeader({ name: 'dir/hard', type: 'link', linkname: 'dir/plain.txt' }) },
  { header: makeHeader({ name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 }) },
  { header: makeHeader({ name: 'dev/sda', type: 'block', mode: 0o660, devmajor: 8, devminor: 0 }) },
  { header: makeHeader({ name: 'dev/fifo', type: 'fifo', mode: 0o644 }) },
  {
    header: makeHeader({
      name: 'bin/ping',
      type: 'file',
      size: 2,
      uid: 3_000_000,
      gid: 70_000_000,
      mode: 0o4755,
      xattrs: new Map([
        ['security.capability', Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
        ['user.comment', Buffer.from('é=x\n')],
      ]),
    }),
    body: Buffer.from('\x7fE'),
  },
];

describe('tar writer and reader', () => {
  it('round-trips odd names, long links, devices, big ids and xattrs', async () => {
    const tar = await collect(encodeTar(ODD));
    assert.equal(tar.length % 512, 0);
    const back = await readAll(tar);
    assert.equal(back.length, ODD.length);
    for (const [i, want] of ODD.entries()) {
      const got = back[i];
      assert.ok(got);
      const { header: h } = got;
      const w = want.header;
      assert.equal(h.name, w.name);
      assert.equal(h.type, w.type);
      assert.equal(h.mode, w.mode);
      assert.equal(h.uid, w.uid);
      assert.equal(h.gid, w.gid);
      assert.equal(h.linkname, w.linkname);
      assert.equal(h.devmajor, w.devmajor);
      assert.equal(h.devminor, w.devminor);
      assert.equal(h.mtime, w.mtime);
      assert.deepEqual([...h.xattrs.entries()], [...w.xattrs.entries()].sort(([a], [b]) => a.localeCompare(b)));
      assert.deepEqual(got.body, want.body ?? Buffer.alloc(0));
    }
  });

  it('writes archives GNU tar reads with the same names', async () => {
    const tar = await collect(encodeTar(ODD));
    const r = spawnSync('tar', ['-tf', '-'], { input: tar });
    assert.equal(r.status, 0, r.stderr.toString());
    const names = r.stdout.toString().split('\n').filter(Boolean);
    assert.ok(names.includes(ODD[2]?.header.name ?? '?'));
    assert.ok(names.includes('dir/ünïcødé ☃ name'));
    const v = spawnSync('tar', ['--numeric-owner', '-tvf', '-'], { input: tar }).stdout.toString();
    assert.match(v, /3000000\/70000000/);
    assert.match(v, /1,3 .* dev\/null/);
  });

  for (const format of ['gnu', 'pax', 'ustar', 'v7'] as const) {
    it(`reads GNU tar's ${format} format`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ballast-tarfmt-'));
      try {
        const src = join(dir, 'src');
        const deep =
          format === 'v7' ? 'a/b' : format === 'ustar' ? `a/${'d'.repeat(60)}/${'e'.repeat(60)}` : `a/${'d'.repeat(90)}/${'e'.repeat(90)}`;
        const longLink = format === 'gnu' || format === 'pax';
        mkdirSync(join(src, deep), { recursive: true });
        const file = join(src, deep, format === 'v7' ? 'f' : `${'f'.repeat(60)}.txt`);
        writeFileSync(file, 'content');
        linkSync(file, join(src, 'hard'));
        symlinkSync(longLink ? 'z'.repeat(120) : 'short', join(src, 'sym'));
        const r = spawnSync('tar', [`--format=${format}`, '-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
        assert.equal(r.status, 0, r.stderr.toString());
        const entries = await readAll(r.stdout);
        // GNU tar stores whichever hard-linked name it meets first as the file.
        const names = ['./hard', `./${file.slice(src.length + 1)}`];
        const f = entries.find((e) => names.includes(e.header.name) && e.header.type === 'file');
        assert.ok(f, `file entry in ${entries.map((e) => e.header.name).join(',')}`);
        assert.equal(f.body.toString(), 'content');
        const h = entries.find((e) => e.header.type === 'link');
        assert.ok(h && names.includes(h.header.name) && names.includes(`./${h.header.linkname.replace(/^\.\//, '')}`));
        const s = entries.find((e) => e.header.name === './sym');
        assert.equal(s?.header.linkname, longLink ? 'z'.repeat(120) : 'short');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('passes every non-content byte to onMeta, in order', async () => {
    const tar = Buffer.concat([await collect(encodeTar(ODD)), Buffer.alloc(3000)]);
    const pieces: Buffer[] = [];
    for await (const e of readTar(fromBuffer(tar), { onMeta: (b) => pieces.push(Buffer.from(b)) })) {
      pieces.push(await collect(e.body()));
    }
    assert.deepEqual(Buffer.concat(pieces), tar);
  });

  it('rejects a corrupt header and a truncated body', async () => {
    const tar = await collect(encodeTar(ODD));
    const bad = Buffer.from(tar);
    bad[10] = 0x41; // breaks the first header's checksum
    await assert.rejects(readAll(bad), /invalid tar header/);
    await assert.rejects(readAll(tar.subarray(0, 1024 + 100)), /unexpected EOF/);
  });

  it('treats an empty stream as an empty archive', async () => {
    assert.deepEqual(await readAll(Buffer.alloc(0)), []);
  });
});

describe('compression', () => {
  it('detects by magic bytes and decompresses gzip and zstd', async () => {
    const plain = await collect(encodeTar(ODD));
    assert.equal(detectCompression(plain), 'none');
    const gz = gzipSync(plain);
    assert.equal(detectCompression(gz), 'gzip');
    const d1 = await decompress(fromBuffer(gz));
    assert.equal(d1.compression, 'gzip');
    assert.deepEqual(await collect(d1.stream), plain);
    const z = spawnSync('zstd', ['-c', '-q'], { input: plain });
    if (z.status === 0) {
      assert.equal(detectCompression(z.stdout), 'zstd');
      const d2 = await decompress(fromBuffer(z.stdout));
      assert.deepEqual(await collect(d2.stream), plain);
    }
    const d3 = await decompress(fromBuffer(plain));
    assert.deepEqual(await collect(d3.stream), plain);
  });

  it('reports a corrupt gzip stream', async () => {
    const gz = gzipSync(Buffer.alloc(100_000, 7));
    const broken = Buffer.concat([gz.subarray(0, 40), Buffer.alloc(200, 0xff)]);
    const d = await decompress(fromBuffer(broken));
    await assert.rejects(collect(d.stream));
  });
});

describe('path safety', () => {
  it('cleans names and refuses escapes and absolute names', () => {
    assert.equal(cleanEntryName('./a/./b/'), 'a/b');
    assert.equal(cleanEntryName('a/../b'), 'b');
    assert.equal(cleanEntryName('./'), '');
    assert.throws(() => cleanEntryName('../x'), UnsafePathError);
    assert.throws(() => cleanEntryName('a/../../x'), UnsafePathError);
    assert.throws(() => cleanEntryName('/etc/passwd'), UnsafePathError);
    assert.equal(cleanEntryName('/etc/passwd', { absolute: 'strip' }), 'etc/passwd');
  });

  it('spots symlinks that climb out of the root', () => {
    assert.equal(symlinkEscapes('a/link', '../b'), false);
    assert.equal(symlinkEscapes('a/link', '../../b'), true);
    assert.equal(symlinkEscapes('link', '..'), true);
    assert.equal(symlinkEscapes('bin/sh', '/bin/busybox'), false);
    assert.equal(symlinkEscapes('a/b/c', '../../x/../y'), false);
  });

});
