/** Helpers shared by the storage and images tests (not used by the engine). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/src/storage/layers/ or src/storage/layers/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ballast') return dir;
    } catch {
      /* keep climbing */
    }
    dir = resolve(dir, '..');
  }
  throw new Error('repository root not found');
}

/** Path of the cached busybox rootfs tarball (test/fixtures/busybox-rootfs.sh builds it). */
export function busyboxRootfsTar(): string {
  const r = spawnSync('sh', [join(repoRoot(), 'test/fixtures/busybox-rootfs.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`busybox-rootfs.sh failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A temporary directory; remove() detaches anything still mounted below it first. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `ballast-${prefix}-`));
  return {
    path,
    remove: () => {
      for (const m of mountPoints(path).reverse()) spawnSync('umount', ['-l', m]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Mount points at or below `under`, for before/after comparisons (other
 * programs on the machine mount and unmount elsewhere meanwhile).
 */
export function mountPoints(under: string): string[] {
  const prefix = under.endsWith('/') ? under : `${under}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((m) => m === under || m.startsWith(prefix))
    .sort();
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
