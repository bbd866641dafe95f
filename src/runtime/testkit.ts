/**
 * Helpers for tests (and the latency bench) that run real containers: a
 * busybox rootfs per container, a spec factory, and the leak check every such
 * test ends with (no conmon, no runtime state, no exit files, no mounts, no
 * container cgroups). Not used by the engine.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostCgroups, listHierarchies } from './cgroups.js';
import { buildOciSpec, type ContainerSpecInput } from './oci-spec.js';
import type { OciSpec } from './oci-types.js';
import { readHostRlimits } from './rlimits.js';
import { DEFAULT_BINARIES, type RuntimeName } from './runtime-cli.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/busybox-rootfs.sh', import.meta.url));

/** Why real-container tests cannot run here, or null when they can. */
export function realContainersUnavailable(runtime: RuntimeName): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of [DEFAULT_BINARIES[runtime], DEFAULT_BINARIES.conmon, '/bin/busybox']) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      return `${bin} missing (apt-get install -y crun runc conmon busybox-static)`;
    }
  }
  return null;
}

let cachedRootfs: string | undefined;
/** The cached busybox rootfs directory (built by test/fixtures/busybox-rootfs.sh). */
export function busyboxRootfs(): string {
  cachedRootfs ??= execFileSync(FIXTURE, ['--dir'], { encoding: 'utf8' }).trim();
  return cachedRootfs;
}

/** A private, writable copy: runtimes mkdir mountpoints inside the rootfs, so never share one. */
export function copyRootfs(dest: string): string {
  cpSync(busyboxRootfs(), dest, { recursive: true, verbatimSymlinks: true });
  return dest;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Per test process, so concurrent runs never see each other's cgroups. */
export const TEST_CGROUP_PARENT = `/ballast-runtime-test-${process.pid}`;

export function testSpec(id: string, rootfsPath: string, over: Partial<ContainerSpecInput> = {}): OciSpec {
  return buildOciSpec({
    id,
    rootfsPath,
    readonlyRootfs: false,
    args: ['true'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: id.slice(0, 12),
    terminal: false,
    mounts: [],
    namespaces: { network: 'none' },
    rlimits: { requested: [], policy: 'clamp', host: readHostRlimits() },
    cgroupsParent: TEST_CGROUP_PARENT,
    ...over,
  });
}

export function mountPoints(): Set<string> {
  return new Set(
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[4] ?? ''),
  );
}

/** Live (non-zombie) conmon processes whose command line mentions `needle`. */
export function conmonsMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const argv = cmd.split('\0');
    if ((argv[0] ?? '').endsWith('conmon') && cmd.includes(needle)) out.push(Number(name));
  }
  return out;
}

/** Container cgroups still present under the test parent, in any hierarchy. */
export function leftoverCgroups(parent: string = TEST_CGROUP_PARENT): string[] {
  const info = hostCgroups();
  const roots = info.mode === 'unified' ? [info.root] : listHierarchies(info.root);
  const out: string[] = [];
  for (const r of roots) {
    const dir = join(r, parent);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) out.push(join(dir, d.name));
  }
  return out;
}

/** Everything a runtime test must leave as it found it, as one comparable snapshot. */
export interface LeakReport {
  conmons: number[];
  runtimeState: string[];
  exitFiles: string[];
  newMounts: string[];
  cgroups: string[];
}

/**
 * Only new mounts at or below one of `scopes` count: other daemons on the
 * host mount and unmount at any time. /sys/fs/cgroup is always in scope, to
 * catch the crun hybrid workaround's bind mount escaping its namespace.
 */
export function leakReport(stateDir: string, mountsBefore: Set<string>, scopes: string[]): LeakReport {
  const all = [...scopes, '/sys/fs/cgroup'];
  const inScope = (m: string): boolean => all.some((s) => m === s || m.startsWith(`${s}/`));
  const list = (d: string): string[] => (existsSync(d) ? readdirSync(d) : []);
  const now = mountPoints();
  return {
    conmons: conmonsMentioning(stateDir),
    runtimeState: [...list(join(stateDir, 'crun')), ...list(join(stateDir, 'runc'))],
    exitFiles: list(join(stateDir, 'exits')),
    newMounts: [...now].filter((m) => !mountsBefore.has(m) && inScope(m)),
    cgroups: leftoverCgroups(),
  };
}
