/**
 * The local volume driver against the real kernel: tmpfs, binds, image files
 * on loop devices, size-limited volumes, sshfs against a throwaway sshd in a
 * network namespace, and nfs failing the way dockerd fails on this kernel.
 * Every test checks it leaves no mount and no loop device behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../src/domain/errors.js';
import { run } from '../../src/lib/exec.js';
import { readMountInfo, type MountInfo } from '../../src/storage/mounts/mountinfo.js';
import { unmountTree } from '../../src/storage/mounts/mount.js';
import type { VolumeRef } from '../../src/storage/volumes/driver.js';
import { LocalDriver } from '../../src/storage/volumes/local-driver.js';
import { loopsBackedBy } from '../../src/storage/volumes/loop.js';
import { resolverAddress } from '../../src/storage/volumes/resolve.js';
import { sizeImagePath } from '../../src/storage/volumes/size-image.js';
import { startSshdInNetns } from '../fixtures/sshd-netns.js';

const isRoot = process.getuid?.() === 0;

function mountPoints(): string[] {
  return readMountInfo().map((m) => `${m.mountPoint} ${m.fsType} ${m.source}`);
}

async function loopList(): Promise<string> {
  const r = await run('losetup', ['-a']);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .sort()
    .join('\n');
}

function mountAt(path: string): MountInfo | undefined {
  return readMountInfo()
    .filter((m) => m.mountPoint === path)
    .at(-1);
}

function expectEngineError(message: string | RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof EngineError, `not an EngineError: ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  };
}

describe('local volume driver (real mounts)', { skip: isRoot ? false : 'needs root' }, () => {
  let root = '';
  let mountsBefore: string[] = [];
  let loopsBefore = '';
  const driver = new LocalDriver();

  const volume = (name: string, options: Record<string, string> | null): VolumeRef => {
    const dataPath = join(root, 'volumes', name, '_data');
    mkdirSync(dataPath, { recursive: true });
    return { name, dataPath, options };
  };

  /** After each scenario: nothing mounted on the volume, _data an empty directory, no loop on our files. */
  const assertClean = (vol: VolumeRef): void => {
    assert.equal(driver.isMounted(vol), false, 'still mounted');
    assert.equal(mountAt(vol.dataPath), undefined);
    assert.ok(statSync(vol.dataPath).isDirectory());
    assert.deepEqual(readdirSync(vol.dataPath), []);
  };

  const mountsUnderRoot = (): string[] =>
    readMountInfo()
      .filter((m) => m.mountPoint.startsWith(`${root}/`))
      .map((m) => m.mountPoint);

  before(async () => {
    mountsBefore = mountPoints();
    loopsBefore = await loopList();
    root = mkdtempSync(join(tmpdir(), 'ballast-voldrv-'));
  });

  after(async () => {
    // Belt and braces: never leave a mount behind, even when a test failed half-way.
    if (root) {
      await unmountTree(root, { lazy: true }).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('tmpfs: real tmpfs, options in mountinfo, size enforced, no nosuid/nodev/noexec', async () => {
    const vol = volume('tmpfsvol', { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=1000,mode=0750' });
    assert.equal(driver.needsMount(vol.options), true);
    assert.equal(driver.isMounted(vol), false);
    await driver.mount(vol);
    try {
      assert.equal(driver.isMounted(vol), true);
      const m = mountAt(vol.dataPath);
      assert.ok(m);
      assert.equal(m.fsType, 'tmpfs');
      assert.equal(m.source, 'tmpfs');
      assert.equal(m.options, 'rw,relatime');
      for (const o of ['size=1024k', 'uid=1000', 'mode=750']) assert.ok(m.superOptions.split(',').includes(o), m.superOptions);
      const st = statSync(vol.dataPath);
      assert.equal(st.uid, 1000);
      assert.equal(st.mode & 0o7777, 0o750);
      // Idempotent: a second mount() does not stack another tmpfs.
      await driver.mount(vol);
      assert.equal(readMountInfo().filter((x) => x.mountPoint === vol.dataPath).length, 1);
      writeFileSync(join(vol.dataPath, 'small'), Buffer.alloc(512 * 1024));
      assert.throws(() => writeFileSync(join(vol.dataPath, 'big'), Buffer.alloc(2 * 1024 * 1024)), { code: 'ENOSPC' });
    } finally {
      await driver.unmount(vol);
    }
    await driver.unmount(vol); // idempotent
    assertClean(vol);
  });

  test('concurrent mounts of one volume make one mount; a stale foreign mount is replaced', async () => {
    const vol = volume('tmpfsrace', { type: 'tmpfs', device: 'tmpfs', o: 'size=2m' });
    await Promise.all([driver.mount(vol), driver.mount(vol), driver.mount(vol)]);
    try {
      assert.equal(readMountInfo().filter((x) => x.mountPoint === vol.dataPath).length, 1);
    } finally {
      await driver.unmount(vol);
    }
    // Something else left on _data (say, from before a crash) gives way to the right mount.
    const r = await run('mount', ['-t', 'ramfs', 'stale', vol.dataPath]);
    assert.equal(r.code, 0, r.stderr);
    await driver.mount(vol);
    try {
      const here = readMountInfo().filter((x) => x.mountPoint === vol.dataPath);
      assert.deepEqual(
        here.map((x) => x.fsType),
        ['tmpfs'],
      );
    } finally {
      await driver.unmount(vol);
    }
    assertClean(vol);
  });

  test('D-21: tmpfs without o', async () => {
    const vol = volume('tmpfsplain', { type: 'tmpfs', device: 'tmpfs' });
    await driver.mount(vol);
    try {
      assert.equal(mountAt(vol.dataPath)?.options, 'rw,relatime');
    } finally {
      await driver.unmount(vol);
    }
    assertClean(vol);
  });

  test('bind: host directory appears in _data, writes go through, host content survives unmount', async () => {
    const host = join(root, 'host-dir');
    mkdirSync(host);
    writeFileSync(join(host, 'from-host'), 'hello\n');
    const vol = volume('bindvol', { type: 'none', o: 'bind', device: host });
    await driver.mount(vol);
    try {
      assert.equal(readFileSync(join(vol.dataPath, 'from-host'), 'utf8'), 'hello\n');
      writeFileSync(join(vol.dataPath, 'from-volume'), 'hi\n');
    } finally {
      await driver.unmount(vol);
    }
    assertClean(vol);
    assert.equal(readFileSync(join(host, 'from-volume'), 'utf8'), 'hi\n');
    assert.equal(readFileSync(join(host, 'from-host'), 'utf8'), 'hello\n');
  });

  test('read-only bind', async () => {
    const host = join(root, 'ro-host');
    mkdirSync(host);
    const vol = volume('robind', { type: 'none', o: 'bind,ro', device: host });
    await driver.mount(vol);
    try {
      assert.ok(mountAt(vol.dataPath)?.options.split(',').includes('ro'));
      assert.throws(() => writeFileSync(join(vol.dataPath, 'x'), 'x'), { code: 'EROFS' });
    } finally {
      await driver.unmount(vol);
    }
    assertClean(vol);
  });

  test('D-19: missing bind source', async () => {
    const vol = volume('bindmissing', { type: 'none', o: 'bind', device: join(root, 'nonexist') });
    await assert.rejects(
      driver.mount(vol),
      expectEngineError(
        `failed to mount local volume: mount ${join(root, 'nonexist')}:${vol.dataPath}, flags: 0x1000: no such file or directory`,
      ),
    );
    assertClean(vol);
  });

  test('D-15: missing block device', async () => {
    const vol = volume('badmnt', { type: 'ext4', device: '/dev/spec-nonexistent' });
    await assert.rejects(
      driver.mount(vol),
      expectEngineError(`failed to mount local volume: mount /dev/spec-nonexistent:${vol.dataPath}: no such file or directory`),
    );
    assertClean(vol);
  });

  test('bad tmpfs option is EINVAL', async () => {
    const vol = volume('badtmpfs', { type: 'tmpfs', device: 'tmpfs', o: 'size=abc' });
    await assert.rejects(
      driver.mount(vol),
      expectEngineError(`failed to mount local volume: mount tmpfs:${vol.dataPath}, data: size=abc: invalid argument`),
    );
    assertClean(vol);
  });

  test('ext4 image file on a loop device: data persists across mounts, loop detached after unmount', async () => {
    const img = join(root, 'disk.img');
    await run('truncate', ['-s', '64M', img]);
    const mk = await run('mkfs.ext4', ['-q', '-F', img]);
    assert.equal(mk.code, 0, mk.stderr);
    const vol = volume('imgvol', { type: 'ext4', device: img });
    await driver.mount(vol);
    try {
      const m = mountAt(vol.dataPath);
      assert.ok(m);
      assert.equal(m.fsType, 'ext4');
      assert.match(m.source, /^\/dev\/loop\d+$/);
      assert.deepEqual(loopsBackedBy(img), [m.source]);
      const autoclear = readFileSync(`/sys/block/${m.source.slice('/dev/'.length)}/loop/autoclear`, 'utf8').trim();
      assert.equal(autoclear, '1');
      await driver.mount(vol); // idempotent
      assert.equal(readMountInfo().filter((x) => x.mountPoint === vol.dataPath).length, 1);
      writeFileSync(join(vol.dataPath, 'kept'), 'persisted\n');
    } finally {
      await driver.unmount(vol);
    }
    assert.deepEqual(loopsBackedBy(img), []);
    assert.equal(driver.isMounted(vol), false);
    assert.equal(existsSync(join(vol.dataPath, 'kept')), false);

    await driver.mount(vol);
    try {
      assert.equal(readFileSync(join(vol.dataPath, 'kept'), 'utf8'), 'persisted\n');
    } finally {
      await driver.unmount(vol);
    }
    assert.deepEqual(loopsBackedBy(img), []);
    assertClean(vol);
  });

  test('image with the wrong filesystem type fails and leaves no loop device', async () => {
    const img = join(root, 'ext4-as-xfs.img');
    await run('truncate', ['-s', '32M', img]);
    await run('mkfs.ext4', ['-q', '-F', img]);
    const vol = volume('wrongfs', { type: 'xfs', device: img, o: 'ro' });
    await assert.rejects(
      driver.mount(vol),
      expectEngineError(`failed to mount local volume: mount ${img}:${vol.dataPath}, flags: 0x1: invalid argument`),
    );
    assert.deepEqual(loopsBackedBy(img), []);
    assertClean(vol);
  });

  test('size-limited volume (ballast): ext4 image beside _data, ENOSPC past the size', async () => {
    const vol = volume('sized', { size: '8m' });
    assert.equal(driver.needsMount(vol.options), true);
    await driver.mount(vol);
    const img = sizeImagePath(vol.dataPath);
    try {
      assert.ok(existsSync(img));
      assert.equal(statSync(img).size, 8 * 1024 * 1024);
      // Looks like a fresh Docker volume: empty, root-owned 0755.
      assert.deepEqual(readdirSync(vol.dataPath), []);
      assert.equal(statSync(vol.dataPath).mode & 0o7777, 0o755);
      writeFileSync(join(vol.dataPath, 'a'), Buffer.alloc(1024 * 1024));
      assert.throws(() => writeFileSync(join(vol.dataPath, 'b'), Buffer.alloc(16 * 1024 * 1024)), { code: 'ENOSPC' });
    } finally {
      await driver.unmount(vol);
    }
    assert.deepEqual(loopsBackedBy(img), []);
    await driver.mount(vol);
    try {
      assert.equal(statSync(join(vol.dataPath, 'a')).size, 1024 * 1024);
    } finally {
      await driver.unmount(vol);
    }
    await driver.remove(vol);
    assert.equal(existsSync(img), false);
    assertClean(vol);
  });

  test("size without ballast's size limit is Docker's error", () => {
    const docker = new LocalDriver({ sizeLimit: false });
    assert.throws(() => docker.validateCreate({ size: '10m' }), expectEngineError('quota size requested but no quota support'));
    assert.equal(docker.needsMount({ size: '10m' }), false);
  });

  test('D-17: nfs fails with no such device on this kernel, call passed as Docker passes it', async () => {
    const vol = volume('nfs2', { type: 'nfs', o: 'addr=127.0.0.1,ro', device: ':/export' });
    const plan = await driver.plan(vol);
    assert.ok(plan && plan.kind === 'direct');
    assert.deepEqual(
      { source: plan.call.source, fsType: plan.call.fsType, flags: plan.call.flags, data: plan.call.data, helper: plan.helper },
      { source: ':/export', fsType: 'nfs', flags: 1, data: 'addr=127.0.0.1', helper: false },
    );
    await assert.rejects(
      driver.mount(vol),
      expectEngineError(
        `failed to mount local volume: mount :/export:${vol.dataPath}, flags: 0x1, data: addr=127.0.0.1: no such device`,
      ),
    );
    assertClean(vol);
  });

  test('D-16: nfs addr that does not resolve', async () => {
    const vol = volume('nfs1', { type: 'nfs', o: 'addr=nonexistent.invalid,ro', device: ':/export' });
    const resolver = resolverAddress(readFileSync('/etc/resolv.conf', 'utf8'));
    await assert.rejects(
      driver.mount(vol),
      expectEngineError(
        `error resolving passed in network volume address: lookup nonexistent.invalid on ${resolver}: no such host`,
      ),
    );
    assertClean(vol);
  });

  test('missing device value', async () => {
    const vol = volume('nodevice', { type: 'tmpfs', device: '' });
    await assert.rejects(driver.mount(vol), expectEngineError('missing device in volume options'));
    assertClean(vol);
  });

  describe('sshfs against a throwaway sshd in a network namespace', () => {
    test('data flows both ways; unmount stops the FUSE mount', async () => {
      const sshd = await startSshdInNetns();
      try {
        const vol = volume('sshvol', {
          type: 'fuse.sshfs',
          device: `${sshd.user}@${sshd.host}:${sshd.serveDir}`,
          o: sshd.sshfsOptions,
        });
        await driver.mount(vol);
        try {
          const m = mountAt(vol.dataPath);
          assert.ok(m);
          assert.equal(m.fsType, 'fuse.sshfs');
          assert.equal(m.source, `${sshd.user}@${sshd.host}:${sshd.serveDir}`);
          writeFileSync(join(vol.dataPath, 'via-mount'), 'written through sshfs\n');
          assert.equal(readFileSync(join(sshd.serveDir, 'via-mount'), 'utf8'), 'written through sshfs\n');
          writeFileSync(join(sshd.serveDir, 'on-server'), 'written on the server\n');
          assert.equal(readFileSync(join(vol.dataPath, 'on-server'), 'utf8'), 'written on the server\n');
          // The server sees what a client on the network sees, too.
          const r = await run('ssh', [...sshd.sshArgs, 'cat', join(sshd.serveDir, 'via-mount')]);
          assert.equal(r.stdout, 'written through sshfs\n', r.stderr);
          await driver.mount(vol); // idempotent
          assert.equal(readMountInfo().filter((x) => x.mountPoint === vol.dataPath).length, 1);
        } finally {
          await driver.unmount(vol);
        }
        assertClean(vol);
        assert.ok(existsSync(join(sshd.serveDir, 'via-mount')));
      } finally {
        await sshd.stop();
      }
      assert.equal(existsSync(sshd.serveDir), false);
      const ns = await run('ip', ['netns', 'list']);
      assert.ok(!ns.stdout.includes(sshd.netns));
    });

    test('a key the server does not know: the helper\'s message, nothing mounted', async () => {
      const sshd = await startSshdInNetns();
      try {
        const otherKey = join(root, 'stranger_ed25519');
        await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
        const vol = volume('sshdenied', {
          type: 'fuse.sshfs',
          device: `${sshd.user}@${sshd.host}:${sshd.serveDir}`,
          o: `IdentityFile=${otherKey},StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes`,
        });
        await assert.rejects(
          driver.mount(vol),
          expectEngineError(
            new RegExp(
              `^failed to mount local volume: mount ${sshd.user}@${sshd.host}:${sshd.serveDir}:${vol.dataPath}, data: IdentityFile=.*: .*(Permission denied|Connection reset)`,
            ),
          ),
        );
        assertClean(vol);
      } finally {
        await sshd.stop();
      }
    });
  });

  test('nothing leaked: mountinfo and losetup as before', async () => {
    // Other work on this host mounts things concurrently: judge only what is new and ours
    // (mounts on our volumes, loop devices over our image files: all under our root).
    const ours = (line: string): boolean => line.includes(root);
    const newMounts = readMountInfo()
      .filter((m) => !mountsBefore.includes(`${m.mountPoint} ${m.fsType} ${m.source}`))
      .map((m) => `${m.mountPoint} ${m.fsType} ${m.source}`);
    assert.deepEqual(newMounts.filter(ours), []);
    const loopsNow = (await loopList()).split('\n');
    const newLoops = loopsNow.filter((l) => l !== '' && !loopsBefore.includes(l));
    assert.deepEqual(newLoops.filter(ours), []);
    assert.deepEqual(mountsUnderRoot(), []);
  });
});
