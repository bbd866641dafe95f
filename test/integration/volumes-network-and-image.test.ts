/**
 * Driver-backed volumes through the daemon, end to end:
 * - a `type=fuse.sshfs` volume against a real sshd in a network namespace the test makes:
 *   data written through a container is read back from the server's directory, and the
 *   server's files are seen inside the container;
 * - an ext4 disk-image volume keeps its data across a daemon restart (and a kill -9);
 * - holds taken through the extension endpoint mount the volume, the last release unmounts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ballastd } from '../helpers/daemon.js';
import { Cli } from '../helpers/cli.js';
import { mountAt, snapshotMounts, assertNoNewMountsUnder } from '../helpers/mounts.js';
import { startSshdInNetns } from '../fixtures/sshd-netns.js';

const busyboxTar = (): string => execFileSync('test/fixtures/busybox-rootfs.sh', { encoding: 'utf8' }).trim();

async function withDaemon(fn: (d: Ballastd, docker: Cli, ballast: Cli) => Promise<void>): Promise<void> {
  const before = snapshotMounts();
  const d = await Ballastd.start();
  try {
    const docker = new Cli('docker', d.host);
    await docker.ok(['import', busyboxTar(), 'busybox:latest']);
    await fn(d, docker, new Cli('ballast', d.host));
  } finally {
    await d.stop();
    assertNoNewMountsUnder(before, d.dir);
  }
}

test('fuse.sshfs volume: written through a container, read on the server, and back', async () => {
  const sshd = await startSshdInNetns();
  try {
    await withDaemon(async (d, docker, ballast) => {
      writeFileSync(join(sshd.serveDir, 'from-server.txt'), 'server side\n');
      await ballast.ok([
        'volume', 'create', '-d', 'local',
        '-o', 'type=fuse.sshfs',
        '-o', `device=${sshd.user}@${sshd.host}:${sshd.serveDir}`,
        '-o', `o=${sshd.sshfsOptions}`,
        'remote',
      ]);
      const dataPath = join(d.root, 'volumes', 'remote', '_data');
      assert.equal(mountAt(dataPath), undefined, 'nothing is mounted at create');

      const r = await docker.ok(['run', '--rm', '-v', 'remote:/data', 'busybox', 'sh', '-c', 'cat /data/from-server.txt; echo through-ballast > /data/from-container.txt']);
      assert.equal(r.stdout, 'server side\n');
      assert.equal(readFileSync(join(sshd.serveDir, 'from-container.txt'), 'utf8'), 'through-ballast\n');
      assert.equal(mountAt(dataPath), undefined, 'unmounted when the last container is gone');

      const inspect = JSON.parse((await docker.ok(['volume', 'inspect', 'remote'])).stdout) as Array<{ Options: Record<string, string> }>;
      assert.equal(inspect[0]?.Options['type'], 'fuse.sshfs');
      await ballast.ok(['volume', 'rm', 'remote']);
      assert.ok(existsSync(join(sshd.serveDir, 'from-container.txt')), 'removing the volume never deletes the server data');
    });
  } finally {
    await sshd.stop();
  }
});

test('ext4 image volume: data survives daemon restarts, holds mount and unmount it', async () => {
  await withDaemon(async (d, docker, ballast) => {
    const img = join(d.dir, 'disk.img');
    execFileSync('truncate', ['-s', '64M', img]);
    execFileSync('mkfs.ext4', ['-q', '-F', img]);
    await ballast.ok(['volume', 'create', '-o', 'type=ext4', '-o', `device=${img}`, 'disk']);
    await docker.ok(['run', '--rm', '-v', 'disk:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);

    await d.restart();
    const r1 = await docker.ok(['run', '--rm', '-v', 'disk:/data', 'busybox', 'cat', '/data/f']);
    assert.equal(r1.stdout, 'kept\n');

    // A hold through the extension endpoint mounts it; a kill -9 while held keeps the hold,
    // and the restarted daemon mounts it again (no double mount, no leak).
    const dataPath = join(d.root, 'volumes', 'disk', '_data');
    const acquired = await d.api.request('POST', '/ballast/volumes/disk/acquire?holder=test-hold');
    assert.equal(acquired.status, 200);
    assert.equal(mountAt(dataPath)?.fsType, 'ext4');
    await d.kill9();
    await d.restart();
    assert.equal(mountAt(dataPath)?.fsType, 'ext4', 'remounted for its holder after the crash');
    assert.equal(readFileSync(join(dataPath, 'f'), 'utf8'), 'kept\n');
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(` ${dataPath} `));
    assert.equal(mounts.length, 1, 'mounted once');
    const released = await d.api.request('POST', '/ballast/volumes/disk/release?holder=test-hold');
    assert.equal(released.status, 200);
    assert.equal(mountAt(dataPath), undefined, 'the last release unmounts');
    const loops = execFileSync('losetup', ['-j', img], { encoding: 'utf8' }).trim();
    assert.equal(loops, '', 'no loop device left attached');
  });
});
