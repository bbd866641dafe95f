/** Container records → Docker's inspect and list JSON. */
import type { ContainerRecord } from '../../engine/containers/container-service.js';
import { renderedMode, renderedPropagation, type ApiMountPoint } from '../../domain/mounts/index.js';
import type { StoredMountPoint } from '../../engine/containers/mount-setup.js';
import { processArgs } from '../../engine/containers/config-merge.js';
import type { ContainerNetView, EndpointView } from '../../engine/networks/network-service.js';

export interface ContainerPaths {
  dir: string;
  logPath: string;
  volumePath: (name: string) => string;
  layer: { upper: string; work: string; merged: string; lowers: string[] };
}

export function mountPoints(c: ContainerRecord, volumePath: (name: string) => string): ApiMountPoint[] {
  return (c.mounts as unknown as StoredMountPoint[]).map((m) => {
    if (m.kind === 'volume') {
      const name = m.name as string;
      return {
        Type: 'volume',
        Name: name,
        Source: volumePath(name),
        Destination: m.target,
        Driver: m.resolvedDriver ?? 'local',
        Mode: renderedMode(m, m.resolvedDriver ?? 'local'),
        RW: !m.readOnly,
        Propagation: '',
      };
    }
    if (m.kind === 'bind') {
      return { Type: 'bind', Source: m.source, Destination: m.target, Mode: renderedMode(m), RW: !m.readOnly, Propagation: renderedPropagation(m) };
    }
    return { Type: 'tmpfs', Source: '', Destination: m.target, Mode: '', RW: !m.readOnly, Propagation: '' };
  });
}

function argsOf(c: ContainerRecord): string[] {
  try {
    return processArgs(c.config);
  } catch {
    return [];
  }
}

export function inspectJson(c: ContainerRecord, p: ContainerPaths, execIds: string[], net?: ContainerNetView): Record<string, unknown> {
  const args = argsOf(c);
  return {
    Id: c.id,
    Created: c.created,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: c.state,
    Image: c.imageId,
    ResolvConfPath: `${p.dir}/resolv.conf`,
    HostnamePath: `${p.dir}/hostname`,
    HostsPath: `${p.dir}/hosts`,
    LogPath: p.logPath,
    Name: c.name,
    RestartCount: c.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length > 0 ? execIds : null,
    HostConfig: c.hostConfig,
    GraphDriver: {
      Data: {
        LowerDir: p.layer.lowers.join(':'),
        MergedDir: p.layer.merged,
        UpperDir: p.layer.upper,
        WorkDir: p.layer.work,
      },
      Name: 'overlay2',
    },
    Mounts: mountPoints(c, p.volumePath),
    Config: {
      Hostname: c.config.Hostname ?? '',
      Domainname: c.config.Domainname ?? '',
      User: c.config.User ?? '',
      AttachStdin: c.config.AttachStdin ?? false,
      AttachStdout: c.config.AttachStdout ?? false,
      AttachStderr: c.config.AttachStderr ?? false,
      ...(c.config.ExposedPorts ? { ExposedPorts: c.config.ExposedPorts } : {}),
      Tty: c.config.Tty ?? false,
      OpenStdin: c.config.OpenStdin ?? false,
      StdinOnce: c.config.StdinOnce ?? false,
      Env: c.config.Env ?? null,
      Cmd: c.config.Cmd ?? null,
      Image: c.imageRef,
      Volumes: c.config.Volumes ?? null,
      WorkingDir: c.config.WorkingDir ?? '',
      Entrypoint: c.config.Entrypoint ?? null,
      OnBuild: null,
      Labels: c.config.Labels ?? {},
      ...(c.config.StopSignal ? { StopSignal: c.config.StopSignal } : {}),
      ...(typeof c.config.StopTimeout === 'number' ? { StopTimeout: c.config.StopTimeout } : {}),
    },
    NetworkSettings: networkSettings(c, net),
  };
}

/** Docker's EndpointSettings of one network of a container (issue 6). */
export function endpointJson(e: EndpointView | undefined): Record<string, unknown> {
  return {
    IPAMConfig: (e?.endpointConfig['IPAMConfig'] as unknown) ?? null,
    Links: (e?.endpointConfig['Links'] as unknown) ?? null,
    Aliases: e?.aliases ?? null,
    NetworkID: e?.networkId ?? '',
    EndpointID: e?.endpointId ?? '',
    Gateway: e?.gateway ?? '',
    IPAddress: e?.ip ?? '',
    IPPrefixLen: e?.prefix ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    MacAddress: e?.mac ?? '',
    DriverOpts: (e?.endpointConfig['DriverOpts'] as unknown) ?? null,
  };
}

function networksJson(c: ContainerRecord, net: ContainerNetView | undefined): Record<string, unknown> {
  if (!net) {
    const mode = c.hostConfig.NetworkMode ?? 'default';
    return { [mode === 'default' ? 'bridge' : mode]: endpointJson(undefined) };
  }
  return Object.fromEntries(net.endpoints.map((e) => [e.networkName, endpointJson(e)]));
}

function networkSettings(c: ContainerRecord, net: ContainerNetView | undefined): Record<string, unknown> {
  // The legacy top-level fields describe the default bridge only, as in Docker.
  const bridge = net?.endpoints.find((e) => e.networkName === 'bridge');
  return {
    Bridge: '',
    SandboxID: net?.sandboxId ?? '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: net?.ports ?? {},
    SandboxKey: net?.sandboxKey ?? '',
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: bridge?.endpointId ?? '',
    Gateway: bridge?.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: bridge?.ip ?? '',
    IPPrefixLen: bridge?.prefix ?? 0,
    IPv6Gateway: '',
    MacAddress: bridge?.mac ?? '',
    Networks: networksJson(c, net),
  };
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

export function statusText(c: ContainerRecord, now = Date.now()): string {
  const s = c.state;
  if (s.Running) {
    const up = `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
    return s.Paused ? `${up} (Paused)` : up;
  }
  if (s.Status === 'exited' || (s.FinishedAt && !s.FinishedAt.startsWith('0001'))) {
    return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  }
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Dead) return 'Dead';
  return 'Created';
}

export function listJson(c: ContainerRecord, volumePath: (name: string) => string, net?: ContainerNetView): Record<string, unknown> {
  const args = argsOf(c);
  const mode = c.hostConfig.NetworkMode ?? 'default';
  return {
    Id: c.id,
    Names: [c.name],
    Image: c.imageRef,
    ImageID: c.imageId,
    Command: args.join(' '),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: net?.listPorts ?? [],
    Labels: c.config.Labels ?? {},
    State: c.state.Status,
    Status: statusText(c),
    HostConfig: { NetworkMode: mode },
    NetworkSettings: { Networks: net ? networksJson(c, net) : {} },
    Mounts: mountPoints(c, volumePath),
  };
}
