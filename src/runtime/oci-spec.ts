/**
 * OCI config.json generation with Docker's defaults (moby's oci.DefaultSpec
 * and daemon/oci_linux.go), adjusted to what crun and runc accept on our
 * hosts (see shared/reference/runtime-recipe.md §1.2, §3). Pure: no I/O; the
 * host's rlimits come in through the input.
 */
import { invalidArgument } from '../domain/errors.js';
import { resolveRlimits, type HostRlimits, type RlimitPolicy, type RlimitRequest } from './rlimits.js';
import type {
  OciDeviceCgroup,
  OciMount,
  OciNamespace,
  OciProcess,
  OciPropagation,
  OciResources,
  OciSeccomp,
  OciSpec,
  OciUser,
} from './oci-types.js';

export const OCI_VERSION = '1.0.2';

/** Docker's default capability set (moby caps.DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability Linux 5.9+ knows (0 … CAP_CHECKPOINT_RESTORE = 40), for --cap-add ALL. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
  'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** moby oci.DefaultSpec masked paths (plus powercap, masked since Docker 20.10.x for CVE-2020-8694). */
export const DOCKER_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const DOCKER_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Docker's default device cgroup: deny all, then the usual character devices. */
export const DOCKER_DEVICE_RULES: readonly OciDeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' }, // mknod of any char device
  { allow: true, type: 'b', access: 'm' }, // mknod of any block device
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
];

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** Docker's default mounts; /dev/shm's size comes from the input. */
export function defaultMounts(shmSizeBytes: number = DEFAULT_SHM_SIZE): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSizeBytes}`],
    },
  ];
}

/** Default mounts that stay writable with a read-only rootfs (moby WithMounts). */
const WRITABLE_WITH_RO_ROOTFS = new Set(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']);

export type NetworkNamespace = 'host' | 'none' | { path: string };
export type JoinableNamespace = 'private' | 'host' | { path: string };

export interface NamespaceConfig {
  /** 'none' = a new netns with only lo; {path} = join an engine-made netns (e.g. /run/netns/x). */
  network: NetworkNamespace;
  ipc?: JoinableNamespace;
  pid?: JoinableNamespace;
  uts?: 'private' | 'host';
  /** Docker's default is 'host' on cgroup v1/hybrid hosts and 'private' on v2. */
  cgroup?: 'private' | 'host';
}

export interface ResourceConfig {
  memoryBytes?: number;
  /** Memory + swap, as Docker's --memory-swap; -1 = unlimited swap. */
  memorySwapBytes?: number;
  memoryReservationBytes?: number;
  pidsLimit?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  oomKillDisable?: boolean;
}

export interface ContainerSpecInput {
  id: string;
  /** Absolute path of the prepared root (the engine-mounted overlay). */
  rootfsPath: string;
  readonlyRootfs: boolean;
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number; additionalGids: number[]; umask?: number };
  hostname: string;
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  /** Already resolved to host sources and ordered parents-first. */
  mounts: OciMount[];
  namespaces: NamespaceConfig;
  rlimits: { requested: RlimitRequest[]; policy: RlimitPolicy; host: HostRlimits };
  /** Absolute cgroup parent, e.g. "/ballast"; the container's cgroup is <parent>/<id>. */
  cgroupsParent: string;
  /** Default: 'rshared' if a mount asks for shared propagation, else 'rslave' (runc's default, so crun matches). */
  rootfsPropagation?: OciPropagation;
  stopSignal?: string;
  oomScoreAdj?: number;
  capAdd?: string[];
  capDrop?: string[];
  resources?: ResourceConfig;
  sysctls?: Record<string, string>;
  shmSizeBytes?: number;
  seccomp?: OciSeccomp;
  annotations?: Record<string, string>;
}

export const STOP_SIGNAL_ANNOTATION = 'org.opencontainers.image.stopSignal';

/** "net_admin" / "CAP_NET_ADMIN" / "all" → canonical form. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** Docker's TweakCapabilities: ALL in adds wins, ALL in drops keeps only the adds, else base − drops + adds. */
export function tweakCapabilities(base: readonly string[], add: readonly string[] = [], drop: readonly string[] = []): string[] {
  const adds = add.map(normalizeCapability);
  const drops = drop.map(normalizeCapability);
  for (const c of [...adds, ...drops]) {
    if (c !== 'ALL' && !ALL_CAPABILITIES.includes(c)) throw invalidArgument(`unknown capability: "${c}"`);
  }
  const unique = (xs: string[]): string[] => [...new Set(xs)];
  if (adds.includes('ALL')) return ALL_CAPABILITIES.filter((c) => !drops.includes(c));
  if (drops.includes('ALL')) return unique(adds);
  return unique([...base.filter((c) => !drops.includes(c)), ...adds]);
}

function assertAbsolute(what: string, p: string): void {
  if (!p.startsWith('/')) throw invalidArgument(`${what} must be an absolute path: ${p}`);
}

function namespaceEntries(ns: NamespaceConfig): OciNamespace[] {
  const out: OciNamespace[] = [{ type: 'mount' }];
  const joinable = (type: 'pid' | 'ipc', v: JoinableNamespace | undefined): void => {
    if (v === undefined || v === 'private') out.push({ type });
    else if (v !== 'host') out.push({ type, path: v.path });
  };
  joinable('pid', ns.pid);
  joinable('ipc', ns.ipc);
  if ((ns.uts ?? 'private') === 'private') out.push({ type: 'uts' });
  if (ns.network === 'none') out.push({ type: 'network' });
  else if (ns.network !== 'host') out.push({ type: 'network', path: ns.network.path });
  if (ns.cgroup === 'private') out.push({ type: 'cgroup' });
  return out;
}

/**
 * Defaults first, then the user's mounts. A user mount replaces the default at
 * the same destination, and one at /dev drops every default under /dev
 * (moby daemon/oci_linux.go). Read-only rootfs makes the remaining defaults
 * read-only, except the ones Docker keeps writable.
 */
export function mergeMounts(defaults: readonly OciMount[], user: readonly OciMount[], readonlyRootfs: boolean): OciMount[] {
  const userDest = new Set(user.map((m) => normalizeDestination(m.destination)));
  const userHasDev = userDest.has('/dev');
  const kept: OciMount[] = [];
  for (const m of defaults) {
    if (userDest.has(m.destination)) continue;
    if (userHasDev && m.destination.startsWith('/dev/')) continue;
    const options = [...(m.options ?? [])];
    if (readonlyRootfs && !WRITABLE_WITH_RO_ROOTFS.has(m.destination) && !options.includes('ro')) options.push('ro');
    kept.push({ ...m, options });
  }
  return [...kept, ...user.map((m) => ({ ...m, destination: normalizeDestination(m.destination) }))];
}

function normalizeDestination(d: string): string {
  assertAbsolute('mount destination', d);
  const collapsed = d.replace(/\/+/g, '/');
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}

function derivePropagation(mounts: readonly OciMount[]): OciPropagation {
  const opts = mounts.flatMap((m) => m.options ?? []);
  if (opts.includes('shared') || opts.includes('rshared')) return 'rshared';
  return 'rslave';
}

function resourcesFor(r: ResourceConfig | undefined): OciResources {
  const out: OciResources = { devices: DOCKER_DEVICE_RULES.map((d) => ({ ...d })) };
  if (!r) return out;
  const memory: NonNullable<OciResources['memory']> = {};
  if (r.memoryBytes !== undefined && r.memoryBytes > 0) {
    memory.limit = r.memoryBytes;
    // Docker: --memory without --memory-swap means swap = 2 × memory.
    if (r.memorySwapBytes === undefined) memory.swap = r.memoryBytes * 2;
  }
  if (r.memorySwapBytes !== undefined && r.memorySwapBytes !== 0) memory.swap = r.memorySwapBytes;
  if (r.memoryReservationBytes !== undefined) memory.reservation = r.memoryReservationBytes;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) out.memory = memory;
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (r.cpuShares !== undefined && r.cpuShares > 0) cpu.shares = r.cpuShares;
  if (r.cpuQuota !== undefined && r.cpuQuota > 0) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod !== undefined && r.cpuPeriod > 0) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (r.pidsLimit !== undefined && r.pidsLimit !== 0) out.pids = { limit: r.pidsLimit };
  return out;
}

export function buildOciSpec(input: ContainerSpecInput): OciSpec {
  assertAbsolute('rootfs path', input.rootfsPath);
  assertAbsolute('cgroup parent', input.cgroupsParent);
  assertAbsolute('working directory', input.cwd);
  if (input.args.length === 0) throw invalidArgument('no command specified');
  if (input.namespaces.uts === 'host' && input.hostname) {
    throw invalidArgument('conflicting options: hostname and the host UTS namespace');
  }

  const caps = tweakCapabilities(DOCKER_DEFAULT_CAPABILITIES, input.capAdd, input.capDrop);
  const user: OciUser = { uid: input.user.uid, gid: input.user.gid };
  if (input.user.additionalGids.length > 0) user.additionalGids = [...input.user.additionalGids];
  if (input.user.umask !== undefined) user.umask = input.user.umask;

  const process: OciProcess = {
    // terminal:true needs a console socket: conmon -t provides it (recipe §1.2).
    terminal: input.terminal,
    user,
    args: [...input.args],
    env: [...input.env],
    cwd: input.cwd,
    // Non-root processes get only the bounding set, as execve would leave them (moby SetCapabilities).
    capabilities:
      input.user.uid === 0
        ? { bounding: caps, effective: [...caps], permitted: [...caps], inheritable: [] }
        : { bounding: caps, effective: [], permitted: [], inheritable: [] },
    noNewPrivileges: false,
  };
  if (input.terminal && input.consoleSize) process.consoleSize = { ...input.consoleSize };
  const rlimits = resolveRlimits(input.rlimits.requested, input.rlimits.host, input.rlimits.policy);
  // Omitted rlimits are inherited from conmon, i.e. from the engine: always within the hard limits.
  if (rlimits.length > 0) process.rlimits = rlimits;
  if (input.oomScoreAdj !== undefined) process.oomScoreAdj = input.oomScoreAdj;

  const mounts = mergeMounts(defaultMounts(input.shmSizeBytes), input.mounts, input.readonlyRootfs);
  const cgroupsParent = input.cgroupsParent.replace(/\/+$/, '');

  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process,
    root: { path: input.rootfsPath, readonly: input.readonlyRootfs },
    mounts,
    linux: {
      namespaces: namespaceEntries(input.namespaces),
      resources: resourcesFor(input.resources),
      cgroupsPath: `${cgroupsParent}/${input.id}`,
      rootfsPropagation: input.rootfsPropagation ?? derivePropagation(mounts),
      maskedPaths: [...DOCKER_MASKED_PATHS],
      readonlyPaths: [...DOCKER_READONLY_PATHS],
    },
  };
  if (input.hostname && input.namespaces.uts !== 'host') spec.hostname = input.hostname;
  if (input.sysctls && Object.keys(input.sysctls).length > 0) spec.linux.sysctl = { ...input.sysctls };
  if (input.seccomp) spec.linux.seccomp = input.seccomp;
  const annotations: Record<string, string> = { ...(input.annotations ?? {}) };
  if (input.stopSignal) annotations[STOP_SIGNAL_ANNOTATION] = input.stopSignal;
  if (Object.keys(annotations).length > 0) spec.annotations = annotations;
  return spec;
}

/** KEY=VALUE lists: later entries replace earlier ones with the same key, order kept. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const keyOf = (e: string): string => {
    const i = e.indexOf('=');
    return i < 0 ? e : e.slice(0, i);
  };
  const out = [...base];
  for (const e of extra) {
    const k = keyOf(e);
    const i = out.findIndex((x) => keyOf(x) === k);
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

export interface ExecProcessInput {
  args: string[];
  env?: string[];
  cwd?: string;
  user?: OciUser;
  terminal: boolean;
  consoleSize?: { height: number; width: number };
}

/** process.json for `<runtime> exec --process`: the container's process with Docker exec's overrides. */
export function buildExecProcess(container: OciProcess, input: ExecProcessInput): OciProcess {
  if (input.args.length === 0) throw invalidArgument('No exec command specified');
  const p: OciProcess = {
    ...container,
    terminal: input.terminal,
    args: [...input.args],
    env: mergeEnv(container.env, input.env ?? []),
    cwd: input.cwd ?? container.cwd,
    user: input.user ?? container.user,
  };
  delete p.consoleSize;
  if (input.terminal && input.consoleSize) p.consoleSize = { ...input.consoleSize };
  if (input.user && input.user.uid !== container.user.uid && p.capabilities) {
    const b = p.capabilities.bounding;
    p.capabilities =
      input.user.uid === 0
        ? { bounding: b, effective: [...b], permitted: [...b], inheritable: [] }
        : { bounding: b, effective: [], permitted: [], inheritable: [] };
  }
  return p;
}

/**
 * JSON for config.json / process.json. Rlimits are u64 and "unlimited" is
 * 2^64-1, which a JS number cannot hold exactly, so bigints are written as
 * bare digits.
 */
export function serializeSpec(value: OciSpec | OciProcess): string {
  const marker = '\u0000u64:';
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${marker}${v.toString()}` : v), 2);
  return text.replace(/"\\u0000u64:(\d+)"/g, '$1');
}

/** Reads back what serializeSpec wrote (rlimit values come back as bigint). */
export function parseSpec(text: string): OciSpec {
  // The marker is written escaped ("\\u0000"), so JSON.parse turns it into the NUL-prefixed string again.
  const spec = JSON.parse(text.replace(/("(?:hard|soft)":\s*)(\d+)/g, '$1"\\u0000u64:$2"'), (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith('\u0000u64:') ? BigInt(v.slice(5)) : v,
  ) as OciSpec;
  return spec;
}
