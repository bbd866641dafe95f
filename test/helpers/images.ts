/**
 * Test images. `spec-full` is the fixture of docker-storage-semantics §0: busybox (Debian's
 * busybox-static, every applet linked) plus known content under /data, /etc/app, /imgdir.
 * The rootfs tarball is built once and cached outside the repository, then imported with
 * `<cli> import --change 'CMD ["sh"]'` — the same path for ballast and dockerd.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Cli } from './cli.js';

export const SPEC_FULL = 'spec-full';
const FIXTURE_VERSION = 1;

export function cacheDir(): string {
  const dir = process.env['BALLAST_TEST_CACHE'] ?? '/tmp/ballast-test-cache';
  mkdirSync(dir, { recursive: true });
  return dir;
}

function busyboxPath(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) if (existsSync(p)) return p;
  throw new Error('busybox not found: apt-get install -y busybox-static');
}

/** Build (or reuse) the spec-full rootfs tarball; returns its path. */
export function specFullTarball(): string {
  const out = join(cacheDir(), `spec-full-v${FIXTURE_VERSION}.tar`);
  if (existsSync(out)) return out;
  const work = join(cacheDir(), `build-${process.pid}-${Date.now()}`);
  const rootfs = join(work, 'rootfs');
  try {
    for (const d of ['bin', 'data/sub', 'etc/app', 'imgdir', 'tmp', 'proc', 'sys', 'dev', 'root']) {
      mkdirSync(join(rootfs, d), { recursive: true });
    }
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    const bb = busyboxPath();
    copyFileSync(bb, join(rootfs, 'bin/busybox'));
    chmodSync(join(rootfs, 'bin/busybox'), 0o755);
    const list = spawnSync(bb, ['--list'], { encoding: 'utf8' });
    for (const applet of list.stdout.split('\n')) {
      if (!applet || applet === 'busybox') continue;
      symlinkSync('busybox', join(rootfs, 'bin', applet));
    }
    writeFileSync(join(rootfs, 'data/hello.txt'), 'from-image\n');
    writeFileSync(join(rootfs, 'data/sub/nested.txt'), 'nested\n');
    symlinkSync('hello.txt', join(rootfs, 'data/link'));
    chownSync(join(rootfs, 'data/hello.txt'), 1001, 1002);
    chmodSync(join(rootfs, 'data/hello.txt'), 0o640);
    chownSync(join(rootfs, 'data/sub'), 1000, 1000);
    chownSync(join(rootfs, 'data/sub/nested.txt'), 1000, 1000);
    chownSync(join(rootfs, 'data'), 1000, 1000);
    chmodSync(join(rootfs, 'data'), 0o750);
    writeFileSync(join(rootfs, 'etc/app/app.conf'), 'appconf\n');
    writeFileSync(join(rootfs, 'file.txt'), 'filecontent\n');
    writeFileSync(join(rootfs, 'imgdir/img.txt'), 'imgfile\n');
    const tmpTar = `${out}.${process.pid}.tmp`;
    const r = spawnSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tmpTar, '.'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    renameSync(tmpTar, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Import spec-full into the daemon behind `cli`; returns the CLI result (not thrown on failure). */
export async function importSpecFull(cli: Cli): Promise<{ ok: boolean; detail: string }> {
  const tar = specFullTarball();
  const r = await cli.run(['import', '--change', 'CMD ["sh"]', tar, SPEC_FULL], { timeoutMs: 120_000 });
  return { ok: r.code === 0, detail: `exit ${r.code}: ${(r.stderr || r.stdout).trim()}` };
}
