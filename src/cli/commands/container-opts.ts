/**
 * The flags of `run` and `create` and their translation into the create
 * request, following docker CLI 28 (cli/command/container/opts.go): the same
 * defaults, the same client-side checks and messages, and the same body shape
 * (every Config/HostConfig key, zero values included), so the daemon sees what
 * the docker CLI would send.
 */
import { readFileSync } from 'node:fs';
import type { ContainerCreateBody, JsonObject, JsonValue } from '../../client/containers.js';
import { goPathError } from '../../lib/node-errors.js';
import { ramInBytes } from '../../domain/units.js';
import { parseMountFlagClient, parseTmpfsFlagsClient, parseVolumeFlagsClient } from '../../domain/mounts/index.js';
import type { CommandContext } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { validateLabel } from '../opts.js';
import { parsePorts, PortSpecError, sortKeys } from './container-ports.js';

/** A client-side rejection of the options: `<program>: <msg>` + help hint, exit 125. */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

export const PULL_VALUES = ['always', 'missing', 'never'] as const;
export type PullPolicy = (typeof PULL_VALUES)[number];

function validateEnv(v: string): void {
  if ((v.split('=')[0] ?? '') === '') throw new Error(`invalid environment variable: ${v}`);
}

function validateAttach(v: string): void {
  if (!['stdin', 'stdout', 'stderr'].includes(v.toLowerCase())) throw new Error('valid streams are STDIN, STDOUT and STDERR');
}

function validateMount(v: string): void {
  // Only the syntax is checked here; the value is parsed again (with the cwd) in parseContainerOptions.
  parseMountFlagClient(v, process.cwd());
}

function validateBytes(v: string): void {
  ramInBytes(v);
}

function validateCpus(v: string): void {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw new Error(`failed to parse ${v} as a rational number`);
  const nano = Number(v) * 1e9;
  if (!Number.isInteger(Math.round(nano * 1e6) / 1e6)) throw new Error('value is too precise');
}

const list = (name: string, description: string, short?: string, validate?: (v: string) => void): FlagSpec => ({
  name,
  kind: 'stringArray',
  typeName: 'list',
  description,
  ...(short ? { short } : {}),
  ...(validate ? { validate } : {}),
});

/** Flags shared by run and create (container options), sorted by name as docker's help lists them. */
export const CONTAINER_FLAGS: FlagSpec[] = ([
  { name: 'add-host', kind: 'stringArray', typeName: 'list', description: 'Add a custom host-to-IP mapping (host:ip)' },
  list('attach', 'Attach to STDIN, STDOUT or STDERR', 'a', validateAttach),
  list('cap-add', 'Add Linux capabilities'),
  list('cap-drop', 'Drop Linux capabilities'),
  { name: 'cgroupns', kind: 'string', description: 'Cgroup namespace to use (host|private)' },
  { name: 'cidfile', kind: 'string', description: 'Write the container ID to the file' },
  { name: 'cpus', kind: 'string', typeName: 'decimal', description: 'Number of CPUs', validate: validateCpus },
  list('device', 'Add a host device to the container'),
  list('dns', 'Set custom DNS servers'),
  list('dns-option', 'Set DNS options'),
  list('dns-search', 'Set custom DNS search domains'),
  { name: 'domainname', kind: 'string', description: 'Container NIS domain name' },
  { name: 'entrypoint', kind: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
  list('env', 'Set environment variables', 'e', validateEnv),
  list('env-file', 'Read in a file of environment variables'),
  list('expose', 'Expose a port or a range of ports'),
  list('group-add', 'Add additional groups to join'),
  { name: 'hostname', short: 'h', kind: 'string', description: 'Container host name' },
  { name: 'init', kind: 'bool', description: 'Run an init inside the container that forwards signals and reaps processes' },
  { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open even if not attached' },
  { name: 'ip', kind: 'string', description: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'ip6', kind: 'string', description: 'IPv6 address (e.g., 2001:db8::33)' },
  { name: 'ipc', kind: 'string', description: 'IPC mode to use' },
  list('label', 'Set meta data on a container', 'l', validateLabel),
  list('label-file', 'Read in a line delimited file of labels'),
  list('link', 'Add link to another container'),
  { name: 'log-driver', kind: 'string', description: 'Logging driver for the container' },
  list('log-opt', 'Log driver options'),
  { name: 'mac-address', kind: 'string', description: 'Container MAC address (e.g., 92:d0:c6:0a:29:33)' },
  { name: 'memory', short: 'm', kind: 'string', typeName: 'bytes', description: 'Memory limit', validate: validateBytes },
  { name: 'mount', kind: 'stringArray', typeName: 'mount', description: 'Attach a filesystem mount to the container', validate: validateMount },
  { name: 'network', kind: 'stringArray', typeName: 'network', description: 'Connect a container to a network' },
  { name: 'net', kind: 'stringArray', typeName: 'network', description: 'Connect a container to a network', hidden: true },
  list('network-alias', 'Add network-scoped alias for the container'),
  { ...list('net-alias', 'Add network-scoped alias for the container'), hidden: true },
  { name: 'oom-kill-disable', kind: 'bool', description: 'Disable OOM Killer' },
  { name: 'pid', kind: 'string', description: 'PID namespace to use' },
  { name: 'pids-limit', kind: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  { name: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
  { name: 'privileged', kind: 'bool', description: 'Give extended privileges to this container' },
  list('publish', "Publish a container's port(s) to the host", 'p'),
  { name: 'publish-all', short: 'P', kind: 'bool', description: 'Publish all exposed ports to random ports' },
  { name: 'pull', kind: 'string', description: 'Pull image before running ("always", "missing", "never")', defaultText: '"missing"' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the pull output' },
  { name: 'read-only', kind: 'bool', description: "Mount the container's root filesystem as read only" },
  { name: 'restart', kind: 'string', description: 'Restart policy to apply when a container exits', defaultText: '"no"' },
  { name: 'rm', kind: 'bool', description: 'Automatically remove the container and its associated anonymous volumes when it exits' },
  { name: 'runtime', kind: 'string', description: 'Runtime to use for this container' },
  list('security-opt', 'Security Options'),
  { name: 'shm-size', kind: 'string', typeName: 'bytes', description: 'Size of /dev/shm', validate: validateBytes },
  { name: 'stop-signal', kind: 'string', description: 'Signal to stop the container' },
  { name: 'stop-timeout', kind: 'int', description: 'Timeout (in seconds) to stop a container' },
  { name: 'sysctl', kind: 'stringArray', typeName: 'map', description: 'Sysctl options', defaultText: 'map[]' },
  list('tmpfs', 'Mount a tmpfs directory'),
  { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
  { name: 'user', short: 'u', kind: 'string', description: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  { name: 'userns', kind: 'string', description: 'User namespace to use' },
  { name: 'uts', kind: 'string', description: 'UTS namespace to use' },
  list('volume', 'Bind mount a volume', 'v'),
  { name: 'volume-driver', kind: 'string', description: 'Optional volume driver for the container' },
  list('volumes-from', 'Mount volumes from the specified container(s)'),
  { name: 'workdir', short: 'w', kind: 'string', description: 'Working directory inside the container' },
  { name: 'name', kind: 'string', description: 'Assign a name to the container' },
] satisfies FlagSpec[]).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Flags only `run` has. */
export const RUN_ONLY_FLAGS: FlagSpec[] = [
  { name: 'detach', short: 'd', kind: 'bool', description: 'Run container in background and print container ID' },
  { name: 'detach-keys', kind: 'string', description: 'Override the key sequence for detaching a container' },
  { name: 'sig-proxy', kind: 'bool', description: 'Proxy received signals to the process', defaultText: 'true' },
];

export interface ContainerPlan {
  body: ContainerCreateBody;
  name: string | undefined;
  image: string;
  pull: PullPolicy;
  platform: string | undefined;
  quiet: boolean;
  autoRemove: boolean;
  cidfile: string;
  /** The -a values, lower-cased. */
  attach: string[];
}

const WHITESPACE = ' \t';

/** opts.parseKeyValueFile: env/label files, with docker's rules and messages. */
export function readKeyValueFile(path: string, lookupEnv: ((k: string) => string | undefined) | undefined): string[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new OptionsError(goPathError('open', path, e));
  }
  const out: string[] = [];
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  let lineNo = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length;
    let bytes = data.subarray(start, end);
    start = end + 1;
    // bufio.ScanLines drops a trailing '\r'.
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new OptionsError(`env file ${path} contains invalid utf8 bytes at line ${lineNo + 1}: [${[...bytes].join(' ')}]`);
    }
    if (lineNo === 0 && text.startsWith('\ufeff')) text = text.slice(1);
    lineNo++;
    const line = text.replace(/^\s+/u, '');
    if (line.length === 0 || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const variable = (eq >= 0 ? line.slice(0, eq) : line).replace(/^[ \t]+/, '');
    if ([...WHITESPACE].some((c) => variable.includes(c))) {
      throw new OptionsError(`poorly formatted environment: variable '${variable}' contains whitespaces`);
    }
    if (variable.length === 0) throw new OptionsError(`poorly formatted environment: no variable name on line '${line}'`);
    if (eq >= 0) {
      out.push(`${variable}=${line.slice(eq + 1)}`);
      continue;
    }
    // A bare name is taken from the client's environment, or dropped when it is not set there.
    const value = lookupEnv?.(line);
    if (value !== undefined) out.push(`${variable.trim()}=${value}`);
  }
  return out;
}

/** opts.ValidateEnv's expansion: "-e FOO" takes FOO from the client's environment when set. */
function expandEnv(v: string, env: NodeJS.ProcessEnv): string {
  if (v.includes('=')) return v;
  const value = env[v];
  return value !== undefined ? `${v}=${value}` : v;
}

function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq < 0) out[v] = '';
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return sortKeys(out);
}

function isUserDefinedNetwork(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}

const ZERO_ENDPOINT: JsonObject = {
  IPAMConfig: null,
  Links: null,
  Aliases: null,
  MacAddress: '',
  DriverOpts: null,
  GwPriority: 0,
  NetworkID: '',
  EndpointID: '',
  Gateway: '',
  IPAddress: '',
  IPPrefixLen: 0,
  IPv6Gateway: '',
  GlobalIPv6Address: '',
  GlobalIPv6PrefixLen: 0,
  DNSNames: null,
};

interface NetworkAttachment {
  target: string;
  aliases: string[];
  links: string[];
  ipv4: string;
  ipv6: string;
  driverOpts: Record<string, string>;
  macAddress: string;
}

/** opts.NetworkOpt.Set: "name" or the CSV form "name=n,alias=a,ip=…,driver-opt=k=v". */
function parseNetworkValue(value: string): NetworkAttachment {
  const att: NetworkAttachment = { target: value, aliases: [], links: [], ipv4: '', ipv6: '', driverOpts: {}, macAddress: '' };
  if (!value.includes('=')) return att;
  att.target = '';
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? '' : field.slice(eq + 1).trim();
    if (eq < 0) throw new OptionsError(`invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case 'name':
        att.target = val;
        break;
      case 'alias':
        att.aliases.push(val);
        break;
      case 'ip':
        att.ipv4 = val;
        break;
      case 'ip6':
        att.ipv6 = val;
        break;
      case 'link':
        att.links.push(val);
        break;
      case 'mac-address':
        att.macAddress = val;
        break;
      case 'driver-opt': {
        const k = val.indexOf('=');
        if (k < 0) throw new OptionsError(`invalid key value pair format in driver options`);
        att.driverOpts[val.slice(0, k).trim().toLowerCase()] = val.slice(k + 1).trim();
        break;
      }
      default:
        throw new OptionsError(`invalid field key ${key}`);
    }
  }
  return att;
}

function endpointFor(att: NetworkAttachment): JsonObject {
  if (att.target.trim() === '') throw new OptionsError('no name set for network');
  if (!isUserDefinedNetwork(att.target)) {
    if (att.aliases.length > 0) throw new OptionsError('network-scoped aliases are only supported for user-defined networks');
    if (att.links.length > 0) throw new OptionsError('links are only supported for user-defined networks');
  }
  const ep: JsonObject = { ...ZERO_ENDPOINT };
  if (att.aliases.length > 0) ep['Aliases'] = att.aliases;
  if (Object.keys(att.driverOpts).length > 0) ep['DriverOpts'] = att.driverOpts;
  if (att.links.length > 0) ep['Links'] = att.links;
  if (att.macAddress) ep['MacAddress'] = att.macAddress;
  if (att.ipv4 || att.ipv6) {
    ep['IPAMConfig'] = { ...(att.ipv4 ? { IPv4Address: att.ipv4 } : {}), ...(att.ipv6 ? { IPv6Address: att.ipv6 } : {}) };
  }
  return ep;
}

function isZeroEndpoint(ep: JsonObject): boolean {
  return JSON.stringify(ep) === JSON.stringify(ZERO_ENDPOINT);
}

/** parseNetworkOpts: EndpointsConfig from --network, --network-alias, --link, --ip, --ip6. */
function parseNetworks(ctx: CommandContext): { mode: string; endpoints: Record<string, JsonObject> } {
  const f = ctx.flags;
  const values = [...f.strings('net'), ...f.strings('network')].map(parseNetworkValue);
  const aliases = [...f.strings('net-alias'), ...f.strings('network-alias')];
  const links = f.strings('link');
  const ipv4 = f.string('ip') ?? '';
  const ipv6 = f.string('ip6') ?? '';
  const mac = f.string('mac-address') ?? '';
  const applyContainerOptions = (n: NetworkAttachment): void => {
    if (n.aliases.length > 0 && aliases.length > 0) {
      throw new OptionsError('conflicting options: cannot specify both --network-alias and per-network alias');
    }
    if (n.links.length > 0 && links.length > 0) throw new OptionsError('conflicting options: cannot specify both --link and per-network links');
    if (n.ipv4 && ipv4) throw new OptionsError('conflicting options: cannot specify both --ip and per-network IPv4 address');
    if (n.ipv6 && ipv6) throw new OptionsError('conflicting options: cannot specify both --ip6 and per-network IPv6 address');
    if (aliases.length > 0) n.aliases = [...aliases];
    if (links.length > 0) n.links = [...links];
    if (ipv4) n.ipv4 = ipv4;
    if (ipv6) n.ipv6 = ipv6;
    // --mac-address goes to the first network's endpoint (API ≥ 1.44).
    if (mac) n.macAddress = mac;
  };
  const endpoints: Record<string, JsonObject> = {};
  if (values.length === 0) {
    const n: NetworkAttachment = { target: 'default', aliases: [], links: [], ipv4: '', ipv6: '', driverOpts: {}, macAddress: '' };
    applyContainerOptions(n);
    endpoints['default'] = endpointFor(n);
    return { mode: 'default', endpoints };
  }
  let userDefined = false;
  let builtin = false;
  values.forEach((n, i) => {
    if (isUserDefinedNetwork(n.target)) userDefined = true;
    else builtin = true;
    if (i === 0) applyContainerOptions(n);
    const ep = endpointFor(n);
    if (n.target in endpoints) throw new OptionsError(`network "${n.target}" is specified multiple times`);
    if (i === 0 && values.length === 1 && isZeroEndpoint(ep)) return;
    endpoints[n.target] = ep;
  });
  if (userDefined && builtin) {
    throw new OptionsError('conflicting options: cannot attach both user-defined and non-user-defined network-modes');
  }
  return { mode: values[0]?.target ?? 'default', endpoints };
}

function parseRestartPolicy(policy: string): { Name: string; MaximumRetryCount: number } {
  if (policy === '') return { Name: '', MaximumRetryCount: 0 };
  const colon = policy.indexOf(':');
  const name = colon >= 0 ? policy.slice(0, colon) : policy;
  const count = colon >= 0 ? policy.slice(colon + 1) : '';
  if (colon >= 0 && name === '') throw new OptionsError('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new OptionsError('invalid restart policy format: maximum retry count must be an integer');
    max = Number(count);
  }
  return { Name: name, MaximumRetryCount: max };
}

function parseCpus(v: string | undefined): number {
  return v === undefined ? 0 : Math.round(Number(v) * 1e9);
}

/**
 * Turns the parsed flags of run/create into the create request. `args` are
 * IMAGE [COMMAND] [ARG...]. Throws OptionsError with docker's message.
 */
export function parseContainerOptions(ctx: CommandContext, ttySize: [number, number]): ContainerPlan {
  const f = ctx.flags;
  const [image = '', ...cmd] = ctx.args;
  const attach = f.strings('attach').map((a) => a.toLowerCase());
  let attachStdin = attach.includes('stdin');
  let attachStdout = attach.includes('stdout');
  let attachStderr = attach.includes('stderr');
  const pull = f.string('pull') ?? 'missing';
  if (!(PULL_VALUES as readonly string[]).includes(pull) && pull !== '') {
    throw new OptionsError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }

  const mac = f.string('mac-address') ?? '';
  if (mac !== '' && !/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(mac)) throw new OptionsError(`${mac} is not a valid mac address`);
  if (f.bool('interactive')) attachStdin = true;
  if (attach.length === 0) {
    attachStdout = true;
    attachStderr = true;
  }

  // -v: client stage (src/domain/mounts): binds go to HostConfig.Binds, the rest to Config.Volumes.
  let binds: string[];
  let volumes: Record<string, Record<string, never>>;
  try {
    ({ binds, volumes } = parseVolumeFlagsClient(f.strings('volume'), ctx.cwd));
  } catch (e) {
    throw new OptionsError((e as Error).message);
  }
  const mounts = f.strings('mount').map((m) => parseMountFlagClient(m, ctx.cwd));
  // The docker CLI logs these through logrus: time="…" level=warning msg="…".
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const m of mounts) for (const w of m.warnings) ctx.io.stderr.write(`time="${now}" level=warning msg="${w}"\n`);
  const tmpfs = parseTmpfsFlagsClient(f.strings('tmpfs'));

  const entrypointFlag = f.string('entrypoint');
  const entrypoint = entrypointFlag === undefined ? null : [entrypointFlag];

  let ports: ReturnType<typeof parsePorts>;
  try {
    ports = parsePorts(f.strings('publish'), f.strings('expose'));
  } catch (e) {
    if (e instanceof PortSpecError) throw new OptionsError(e.message);
    throw e;
  }

  const env = [
    ...f.strings('env-file').flatMap((p) => readKeyValueFile(p, (k) => ctx.env[k])),
    ...f.strings('env').map((e) => expandEnv(e, ctx.env)),
  ];
  const labels = kvMap([...f.strings('label-file').flatMap((p) => readKeyValueFile(p, undefined)), ...f.strings('label')]);

  const pidMode = f.string('pid') ?? '';
  if (pidMode !== '' && pidMode !== 'host' && !pidMode.startsWith('container:')) throw new OptionsError('--pid: invalid PID mode');
  if (pidMode.startsWith('container:') && pidMode.length === 10) throw new OptionsError('--pid: invalid PID mode');
  const utsMode = f.string('uts') ?? '';
  if (utsMode !== '' && utsMode !== 'host') throw new OptionsError('--uts: invalid UTS mode');
  const usernsMode = f.string('userns') ?? '';
  if (usernsMode !== '' && usernsMode !== 'host') throw new OptionsError('--userns: invalid USER mode');
  const cgroupnsMode = f.string('cgroupns') ?? '';
  if (cgroupnsMode !== '' && cgroupnsMode !== 'host' && cgroupnsMode !== 'private') {
    throw new OptionsError('--cgroupns: invalid CGROUP mode');
  }
  const restart = parseRestartPolicy(f.string('restart') ?? 'no');
  const logDriver = f.string('log-driver') ?? '';
  const logOpts = f.strings('log-opt');
  if (logDriver === 'none' && logOpts.length > 0) throw new OptionsError(`invalid logging opts for driver ${logDriver}`);
  const securityOpt = f.strings('security-opt');
  for (const opt of securityOpt) {
    if (!opt.includes('=') && opt !== 'no-new-privileges' && !opt.includes(':')) throw new OptionsError(`Invalid --security-opt: "${opt}"`);
  }
  const autoRemove = f.bool('rm');
  if (autoRemove && restart.Name !== '' && restart.Name !== 'no') {
    throw new OptionsError('conflicting options: cannot specify both --restart and --rm');
  }
  const { mode: networkMode, endpoints } = parseNetworks(ctx);

  const openStdin = f.bool('interactive');
  const caps = effectiveCaps(f.strings('cap-add'), f.strings('cap-drop'));
  const hostConfig: JsonObject = {
    Binds: binds.length > 0 ? binds : null,
    ContainerIDFile: f.string('cidfile') ?? '',
    LogConfig: { Type: logDriver, Config: kvMap(logOpts) },
    NetworkMode: networkMode,
    PortBindings: ports.bindings as unknown as JsonObject,
    RestartPolicy: restart,
    AutoRemove: autoRemove,
    VolumeDriver: f.string('volume-driver') ?? '',
    VolumesFrom: f.strings('volumes-from').length > 0 ? f.strings('volumes-from') : null,
    ConsoleSize: ttySize,
    CapAdd: caps.add,
    CapDrop: caps.drop,
    CgroupnsMode: cgroupnsMode,
    Dns: f.strings('dns'),
    DnsOptions: f.strings('dns-option'),
    DnsSearch: f.strings('dns-search'),
    ExtraHosts: nullIfEmpty(f.strings('add-host')),
    GroupAdd: nullIfEmpty(f.strings('group-add')),
    IpcMode: f.string('ipc') ?? '',
    Cgroup: '',
    Links: nullIfEmpty(f.strings('link')),
    OomScoreAdj: 0,
    PidMode: pidMode,
    Privileged: f.bool('privileged'),
    PublishAllPorts: f.bool('publish-all'),
    ReadonlyRootfs: f.bool('read-only'),
    SecurityOpt: nullIfEmpty(securityOpt),
  };
  if (Object.keys(tmpfs).length > 0) hostConfig['Tmpfs'] = sortKeys(tmpfs);
  Object.assign(hostConfig, {
    UTSMode: utsMode,
    UsernsMode: usernsMode,
    ShmSize: f.has('shm-size') ? ramInBytes(f.string('shm-size') ?? '0') : 0,
  });
  if (f.has('sysctl')) hostConfig['Sysctls'] = kvMap(f.strings('sysctl'));
  const runtime = f.string('runtime');
  if (runtime) hostConfig['Runtime'] = runtime;
  Object.assign(hostConfig, {
    Isolation: '',
    CpuShares: 0,
    Memory: f.has('memory') ? ramInBytes(f.string('memory') ?? '0') : 0,
    NanoCpus: parseCpus(f.string('cpus')),
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: f.strings('device').map(parseDevice),
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: -1,
    OomKillDisable: f.bool('oom-kill-disable'),
    PidsLimit: f.int('pids-limit') ?? 0,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
  });
  if (mounts.length > 0) hostConfig['Mounts'] = mounts.map((m) => m.mount as unknown as JsonValue);
  hostConfig['MaskedPaths'] = null;
  hostConfig['ReadonlyPaths'] = null;
  if (f.has('init')) hostConfig['Init'] = f.bool('init');

  const stopSignal = f.has('stop-signal') ? { StopSignal: f.string('stop-signal') ?? '' } : {};
  const stopTimeout = f.has('stop-timeout') ? { StopTimeout: f.int('stop-timeout') ?? 0 } : {};
  // Keys in the order of Go's container.Config, as the docker CLI sends them.
  const body: ContainerCreateBody = {
    Hostname: f.string('hostname') ?? '',
    Domainname: f.string('domainname') ?? '',
    User: f.string('user') ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    ...(Object.keys(ports.exposed).length > 0 ? { ExposedPorts: ports.exposed } : {}),
    Tty: f.bool('tty'),
    OpenStdin: openStdin,
    StdinOnce: openStdin && attachStdin,
    Env: env.length > 0 ? env : null,
    Cmd: cmd.length > 0 ? cmd : null,
    Image: image,
    Volumes: volumes,
    WorkingDir: f.string('workdir') ?? '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: labels,
    ...stopSignal,
    ...stopTimeout,
    HostConfig: hostConfig,
    NetworkingConfig: { EndpointsConfig: endpoints },
  };

  const platform = f.string('platform');
  return {
    body,
    name: f.string('name'),
    image,
    pull: (pull === '' ? 'missing' : pull) as PullPolicy,
    platform: platform || undefined,
    quiet: f.bool('quiet'),
    autoRemove,
    cidfile: f.string('cidfile') ?? '',
    attach,
  };
}

/** Capabilities as the docker CLI sends them: "net_admin" → "CAP_NET_ADMIN", de-duplicated, sorted. */
function effectiveCaps(add: readonly string[], drop: readonly string[]): { add: string[] | null; drop: string[] | null } {
  const norm = (c: string): string => {
    const u = c.trim().toUpperCase();
    return u === 'ALL' || u.startsWith('CAP_') ? u : `CAP_${u}`;
  };
  const out = (list: readonly string[]) => (list.length > 0 ? [...new Set(list.map(norm))].sort() : null);
  return { add: out(add), drop: out(drop) };
}

function nullIfEmpty(v: string[]): string[] | null {
  return v.length > 0 ? v : null;
}

/** parseLinuxDevice: "/dev/x[:/dev/y][:rwm]". */
function parseDevice(device: string): JsonObject {
  const arr = device.split(':');
  let src = '';
  let dst = '';
  let perms = 'rwm';
  const validMode = (m: string) => m !== '' && /^[rwm]+$/.test(m) && new Set(m).size === m.length;
  if (arr.length > 3 || arr.length === 0) throw new OptionsError(`invalid device specification: ${device}`);
  if (arr.length === 3) perms = arr[2] ?? '';
  if (arr.length >= 2) {
    if (validMode(arr[1] ?? '')) perms = arr[1] ?? '';
    else dst = arr[1] ?? '';
  }
  src = arr[0] ?? '';
  if (dst === '') dst = src;
  return { PathOnHost: src, PathInContainer: dst, CgroupPermissions: perms };
}
