import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeHeader } from '../archive/tar-format.js';
import { encodeTar, type TarWriteEntry } from '../archive/tar-writer.js';
import { ContainerLayers } from './container-layers.js';
import { LayerStore } from './layer-store.js';
import { busyboxRootfsTar, mountPoints, tempDir } from './test-support.js';

const file = (name: string, content: string): TarWriteEntry => ({
  header: makeHeader({ name, type: 'file', size: Buffer.byteLength(content), mtime: 1600000000 }),
  body: Buffer.from(content),
});
const dir = (name: string): TarWriteEntry => ({ header: makeHeader({ name, type: 'dir', mtime: 1600000000 }) });

describe('container layers on overlayfs', () => {
  const tmp = tempDir('ctr-layers');
  const mountsBefore = mountPoints(tmp.path);
  let layers: LayerStore;
  let ctrs: ContainerLayers;
  let chain: string[] = [];

  before(async () => {
    layers = new LayerStore(tmp.path);
    await layers.init();
    ctrs = new ContainerLayers(layers);
    const base = await layers.unpack(createReadStream(busyboxRootfsTar()));
    // A second layer on top: image content the test changes, and an opaque dir and a whiteout.
    const top = await layers.unpack(
      encodeTar([
        dir('data/'),
        file('data/a.txt', 'a\n'),
        file('data/b.txt', 'b\n'),
        dir('imgdir/'),
        file('imgdir/img.txt', 'img\n'),
        dir('etc/app/'),
        file('etc/app/app.conf', 'conf\n'),
        file('file.txt', 'file\n'),
        dir('gone/'),
        file('gone/x', 'x'),
        file('etc/.wh.motd', ''),
      ]),
    );
    chain = [base.info.diffId, top.info.diffId];
    base.release();
    top.release();
  });

  after(async () => {
    try {
      for (const id of ['c1', 'c2']) await ctrs.removeContainerLayer(id).catch(() => {});
      assert.deepEqual(mountPoints(tmp.path), mountsBefore, 'every mount made by the test is gone');
    } finally {
      tmp.remove();
    }
  });

  it('mounts the image, puts writes in upper, unmounts cleanly', async () => {
    const p = await ctrs.prepareContainerRootfs('c1', chain);
    assert.ok(mountPoints(tmp.path).includes(p.merged));
    assert.ok(existsSync(join(p.merged, 'bin/sh')));
    assert.equal(readFileSync(join(p.merged, 'data/a.txt'), 'utf8'), 'a\n');
    writeFileSync(join(p.merged, 'newfile'), 'new\n');
    assert.equal(readFileSync(join(p.upper, 'newfile'), 'utf8'), 'new\n');
    // Lower layers untouched.
    assert.ok(!existsSync(join(layers.get(chain[1] ?? '').diffPath, 'newfile')));
    // Idempotent.
    await ctrs.prepareContainerRootfs('c1', chain);
    assert.equal(mountPoints(tmp.path).filter((m) => m === p.merged).length, 1);
    await ctrs.releaseContainerRootfs('c1');
    assert.ok(!mountPoints(tmp.path).includes(p.merged));
    await ctrs.releaseContainerRootfs('c1');
    // The layer survives release and a new mount sees it.
    await ctrs.prepareContainerRootfs('c1', chain);
    assert.equal(readFileSync(join(p.merged, 'newfile'), 'utf8'), 'new\n');
    await ctrs.removeContainerLayer('c1');
    assert.ok(!mountPoints(tmp.path).includes(p.merged));
    assert.ok(!existsSync(p.upper));
  });

  it('reports docker diff from the upper directory', async () => {
    const p = await ctrs.prepareContainerRootfs('c2', chain);
    assert.deepEqual(await ctrs.diffContainerLayer('c2'), []);
    const m = (rel: string): string => join(p.merged, rel);
    writeFileSync(m('added.txt'), 'a');
    appendFileSync(m('file.txt'), 'more');
    rmSync(m('imgdir/img.txt'));
    mkdirSync(m('newdir/sub'), { recursive: true });
    writeFileSync(m('etc/app/app.conf'), 'changed');
    rmSync(m('data'), { recursive: true });
    mkdirSync(m('data'));
    writeFileSync(m('data/a.txt'), 'recreated');
    writeFileSync(m('data/c.txt'), 'c');
    chmodSync(m('bin'), 0o700);
    // Runtime-created files of Docker's init layer are not reported.
    writeFileSync(m('etc/hosts'), '127.0.0.1 localhost\n');
    writeFileSync(m('etc/hostname'), 'x\n');
    writeFileSync(m('.dockerenv'), '');
    const changes = await ctrs.diffContainerLayer('c2');
    const lines = changes.map((c) => `${c.kind} ${c.path}`);
    assert.deepEqual(lines, [
      'A /added.txt',
      'C /bin',
      'C /data',
      'C /data/a.txt',
      'A /data/c.txt',
      'D /data/b.txt',
      'C /etc',
      'C /etc/app',
      'C /etc/app/app.conf',
      'C /file.txt',
      'C /imgdir',
      'D /imgdir/img.txt',
      'A /newdir',
      'A /newdir/sub',
    ]);
    assert.ok(lstatSync(join(p.upper, 'imgdir/img.txt')).isCharacterDevice());
    await ctrs.releaseContainerRootfs('c2');
    // Works on an unmounted layer too.
    assert.deepEqual((await ctrs.diffContainerLayer('c2')).map((c) => `${c.kind} ${c.path}`), lines);
  });

  it('mounts chains longer than a page of absolute paths allows', async () => {
    const many: string[] = [];
    for (let i = 0; i < 60; i++) {
      const h = await layers.unpack(encodeTar([file(`layer-${i}`, String(i)), file('top', String(i))]));
      many.push(h.info.diffId);
      h.release();
    }
    const absolute = many.map((id) => layers.get(id).diffPath).join(':');
    assert.ok(absolute.length > 4096, `absolute lowerdir would be ${absolute.length} bytes`);
    // The same layer twice in a chain (as the empty layer often is) mounts too.
    const chainWithRepeats = [...many, many[0] ?? '', many[5] ?? ''];
    const p = await ctrs.prepareContainerRootfs('c1', chainWithRepeats);
    try {
      assert.equal(readFileSync(join(p.merged, 'top'), 'utf8'), '5');
      assert.equal(readFileSync(join(p.merged, 'layer-0'), 'utf8'), '0');
      assert.equal(readFileSync(join(p.merged, 'layer-59'), 'utf8'), '59');
    } finally {
      await ctrs.removeContainerLayer('c1');
    }
  });
});
