import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildExecProcess,
  buildOciSpec,
  DOCKER_DEFAULT_CAPABILITIES,
  mergeEnv,
  parseSpec,
  serializeSpec,
  STOP_SIGNAL_ANNOTATION,
  tweakCapabilities,
  type ContainerSpecInput,
} from './oci-spec.js';
import { RLIM_INFINITY } from './rlimits.js';
import type { OciSpec } from './oci-types.js';
import { EngineError } from '../domain/errors.js';

const HOST = { RLIMIT_NOFILE: { soft: 20000n, hard: 20000n }, RLIMIT_NPROC: { soft: RLIM_INFINITY, hard: RLIM_INFINITY } };

function input(over: Partial<ContainerSpecInput> = {}): ContainerSpecInput {
  return {
    id: 'c1',
    rootfsPath: '/var/lib/ballast/containers/c1/merged',
    readonlyRootfs: false,
    args: ['sh'],
    env: ['PATH=/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: 'c1host',
    terminal: false,
    mounts: [],
    namespaces: { network: 'none' },
    rlimits: { requested: [], policy: 'clamp', host: HOST },
    cgroupsParent: '/ballast',
    ...over,
  };
}

const dests = (s: OciSpec): string[] => s.mounts.map((m) => m.destination);
const nsTypes = (s: OciSpec): string[] => s.linux.namespaces.map((n) => (n.path ? `${n.type}=${n.path}` : n.type)).sort();

describe('buildOciSpec', () => {
  it('has Docker-like defaults', () => {
    const s = buildOciSpec(input());
    assert.equal(s.process.terminal, false);
    assert.equal(s.process.noNewPrivileges, false);
    assert.deepEqual(s.process.capabilities?.bounding, [...DOCKER_DEFAULT_CAPABILITIES]);
    assert.deepEqual(s.process.capabilities?.effective, [...DOCKER_DEFAULT_CAPABILITIES]);
    assert.deepEqual(s.process.capabilities?.inheritable, []);
    assert.equal(s.process.rlimits, undefined, 'no rlimits: inherited from the engine, always valid');
    assert.deepEqual(s.root, { path: '/var/lib/ballast/containers/c1/merged', readonly: false });
    assert.equal(s.hostname, 'c1host');
    assert.deepEqual(dests(s), ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
    assert.deepEqual(s.mounts.find((m) => m.destination === '/dev/shm')?.options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864']);
    assert.ok(s.mounts.find((m) => m.destination === '/sys')?.options?.includes('ro'));
    assert.equal(s.linux.cgroupsPath, '/ballast/c1');
    assert.equal(s.linux.rootfsPropagation, 'rslave');
    assert.ok(s.linux.maskedPaths?.includes('/proc/kcore'));
    assert.ok(s.linux.readonlyPaths?.includes('/proc/sys'));
    assert.deepEqual(s.linux.resources?.devices?.[0], { allow: false, access: 'rwm' });
    assert.deepEqual(nsTypes(s), ['ipc', 'mount', 'network', 'pid', 'uts']);
    assert.equal(s.annotations, undefined);
  });

  const nsCases: { name: string; ns: ContainerSpecInput['namespaces']; want: string[] }[] = [
    { name: 'host network: no netns', ns: { network: 'host' }, want: ['ipc', 'mount', 'pid', 'uts'] },
    { name: 'named netns is joined', ns: { network: { path: '/run/netns/b1' } }, want: ['ipc', 'mount', 'network=/run/netns/b1', 'pid', 'uts'] },
    { name: 'host pid and ipc', ns: { network: 'none', pid: 'host', ipc: 'host' }, want: ['mount', 'network', 'uts'] },
    { name: 'join another pid ns', ns: { network: 'none', pid: { path: '/proc/42/ns/pid' } }, want: ['ipc', 'mount', 'network', 'pid=/proc/42/ns/pid', 'uts'] },
    { name: 'private cgroup ns', ns: { network: 'none', cgroup: 'private' }, want: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts'] },
  ];
  for (const c of nsCases) {
    it(`namespaces: ${c.name}`, () => assert.deepEqual(nsTypes(buildOciSpec(input({ namespaces: c.ns }))), c.want));
  }

  it('host UTS drops the hostname and refuses one', () => {
    const s = buildOciSpec(input({ hostname: '', namespaces: { network: 'host', uts: 'host' } }));
    assert.equal(s.hostname, undefined);
    assert.ok(!nsTypes(s).includes('uts'));
    assert.throws(() => buildOciSpec(input({ namespaces: { network: 'host', uts: 'host' } })), EngineError);
  });

  it('a user mount replaces the default at the same destination', () => {
    const s = buildOciSpec(
      input({ mounts: [{ destination: '/dev/shm', type: 'bind', source: '/host/shm', options: ['rbind', 'rw'] }] }),
    );
    const shm = s.mounts.filter((m) => m.destination === '/dev/shm');
    assert.equal(shm.length, 1);
    assert.equal(shm[0]?.source, '/host/shm');
    assert.equal(dests(s).at(-1), '/dev/shm', 'user mounts come after the defaults');
  });

  it('a user mount at /dev drops every default under /dev', () => {
    const s = buildOciSpec(input({ mounts: [{ destination: '/dev/', type: 'bind', source: '/dev', options: ['rbind'] }] }));
    assert.deepEqual(dests(s), ['/proc', '/sys', '/sys/fs/cgroup', '/dev']);
  });

  it('user mounts keep their order and options (plain ro stays plain ro)', () => {
    const mounts = [
      { destination: '/data', type: 'bind', source: '/v/data', options: ['rbind', 'ro', 'rprivate'] },
      { destination: '/data/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=16k'] },
    ];
    const s = buildOciSpec(input({ mounts }));
    assert.deepEqual(s.mounts.slice(-2), mounts);
  });

  it('read-only rootfs: root and the non-exempt defaults become ro', () => {
    const s = buildOciSpec(input({ readonlyRootfs: true }));
    assert.equal(s.root.readonly, true);
    const ro = s.mounts.filter((m) => m.options?.includes('ro')).map((m) => m.destination);
    assert.deepEqual(ro, ['/sys', '/sys/fs/cgroup']);
    assert.ok(!s.mounts.find((m) => m.destination === '/dev/shm')?.options?.includes('ro'));
  });

  it('propagation: rshared when a mount asks for shared, explicit value wins', () => {
    const shared = [{ destination: '/m', type: 'bind', source: '/x', options: ['rbind', 'rshared'] }];
    assert.equal(buildOciSpec(input({ mounts: shared })).linux.rootfsPropagation, 'rshared');
    assert.equal(buildOciSpec(input({ rootfsPropagation: 'rprivate' })).linux.rootfsPropagation, 'rprivate');
  });

  it('rlimits are clamped to the host hard limit', () => {
    const s = buildOciSpec(
      input({
        rlimits: {
          requested: [
            { type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 },
            { type: 'RLIMIT_NPROC', soft: -1, hard: -1 },
          ],
          policy: 'clamp',
          host: HOST,
        },
      }),
    );
    assert.deepEqual(s.process.rlimits, [
      { type: 'RLIMIT_NOFILE', soft: 20000n, hard: 20000n },
      { type: 'RLIMIT_NPROC', soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
    assert.throws(
      () =>
        buildOciSpec(
          input({ rlimits: { requested: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 30000 }], policy: 'reject', host: HOST } }),
        ),
      EngineError,
    );
  });

  it('non-root users get the bounding set only', () => {
    const s = buildOciSpec(input({ user: { uid: 1000, gid: 1000, additionalGids: [10, 20] } }));
    assert.deepEqual(s.process.user, { uid: 1000, gid: 1000, additionalGids: [10, 20] });
    assert.deepEqual(s.process.capabilities?.effective, []);
    assert.deepEqual(s.process.capabilities?.bounding, [...DOCKER_DEFAULT_CAPABILITIES]);
  });

  it('stop signal, oom score, sysctls, resources', () => {
    const s = buildOciSpec(
      input({
        stopSignal: 'SIGQUIT',
        oomScoreAdj: 500,
        sysctls: { 'net.ipv4.ip_forward': '1' },
        resources: { memoryBytes: 1 << 25, pidsLimit: 100, cpuShares: 512 },
        shmSizeBytes: 1 << 20,
      }),
    );
    assert.equal(s.annotations?.[STOP_SIGNAL_ANNOTATION], 'SIGQUIT');
    assert.equal(s.process.oomScoreAdj, 500);
    assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ip_forward': '1' });
    assert.deepEqual(s.linux.resources?.memory, { limit: 1 << 25, swap: 1 << 26 });
    assert.deepEqual(s.linux.resources?.pids, { limit: 100 });
    assert.deepEqual(s.linux.resources?.cpu, { shares: 512 });
    assert.ok(s.mounts.find((m) => m.destination === '/dev/shm')?.options?.includes('size=1048576'));
  });

  const invalid: [string, Partial<ContainerSpecInput>][] = [
    ['relative rootfs', { rootfsPath: 'rootfs' }],
    ['relative cgroup parent', { cgroupsParent: 'ballast' }],
    ['empty args', { args: [] }],
    ['relative cwd', { cwd: 'tmp' }],
    ['relative mount destination', { mounts: [{ destination: 'x', type: 'tmpfs', source: 'tmpfs' }] }],
    ['unknown capability', { capAdd: ['CAP_FLY'] }],
  ];
  for (const [name, over] of invalid) {
    it(`rejects ${name}`, () => assert.throws(() => buildOciSpec(input(over)), (e: unknown) => e instanceof EngineError && e.kind === 'invalidArgument'));
  }
});

describe('tweakCapabilities', () => {
  const cases: { name: string; add: string[]; drop: string[]; check: (caps: string[]) => void }[] = [
    { name: 'no change', add: [], drop: [], check: (c) => assert.deepEqual(c, [...DOCKER_DEFAULT_CAPABILITIES]) },
    {
      name: 'add lower-case without prefix, drop one',
      add: ['net_admin'],
      drop: ['CAP_CHOWN'],
      check: (c) => {
        assert.ok(c.includes('CAP_NET_ADMIN'));
        assert.ok(!c.includes('CAP_CHOWN'));
      },
    },
    { name: 'drop ALL keeps only adds', add: ['KILL'], drop: ['ALL'], check: (c) => assert.deepEqual(c, ['CAP_KILL']) },
    {
      name: 'add ALL minus drops',
      add: ['ALL'],
      drop: ['SYS_ADMIN'],
      check: (c) => {
        assert.ok(c.includes('CAP_SYS_MODULE'));
        assert.ok(!c.includes('CAP_SYS_ADMIN'));
      },
    },
  ];
  for (const c of cases) it(c.name, () => c.check(tweakCapabilities(DOCKER_DEFAULT_CAPABILITIES, c.add, c.drop)));
});

describe('serializeSpec / parseSpec', () => {
  it('writes u64 rlimits exactly and reads them back', () => {
    const s = buildOciSpec(
      input({ rlimits: { requested: [{ type: 'RLIMIT_NPROC', soft: Infinity, hard: Infinity }], policy: 'clamp', host: HOST } }),
    );
    const text = serializeSpec(s);
    assert.match(text, /"hard": 18446744073709551615/);
    assert.doesNotMatch(text, /u64:/);
    assert.deepEqual(parseSpec(text), s);
  });
});

describe('exec process', () => {
  const base = buildOciSpec(input({ env: ['PATH=/bin', 'A=1'], cwd: '/srv' })).process;
  it('inherits the container process and overrides what exec sets', () => {
    const p = buildExecProcess(base, { args: ['ls'], env: ['A=2', 'B=3'], terminal: true, consoleSize: { height: 10, width: 20 } });
    assert.deepEqual(p.args, ['ls']);
    assert.deepEqual(p.env, ['PATH=/bin', 'A=2', 'B=3']);
    assert.equal(p.cwd, '/srv');
    assert.equal(p.terminal, true);
    assert.deepEqual(p.consoleSize, { height: 10, width: 20 });
    assert.deepEqual(p.capabilities, base.capabilities);
  });
  it('a non-root exec user loses effective capabilities', () => {
    const p = buildExecProcess(base, { args: ['id'], terminal: false, user: { uid: 65534, gid: 65534 } });
    assert.deepEqual(p.capabilities?.effective, []);
    assert.equal(p.consoleSize, undefined);
  });
  it('mergeEnv replaces by key and keeps order', () => {
    assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C', 'A=']), ['A=', 'B=3', 'C']);
  });
});
