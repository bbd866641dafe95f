/** _ping, /version, /info, /system/df, /events. */
import { cpus, hostname, release, totalmem, type } from 'node:os';
import type { Engine } from '../../engine/engine.js';
import type { EngineEvent } from '../../engine/events.js';
import { parseFilters } from '../../domain/filters.js';
import type { Router } from '../router.js';
import { MIN_API_VERSION } from '../version.js';
import { toWireVolume } from '../wire/volume.js';

export interface SystemInfo {
  version: string;
  apiVersion: string;
  gitCommit: string;
}

export function systemRoutes(router: Router, engine: Engine, info: SystemInfo): void {
  const ping = () => ({
    status: 200,
    body: 'OK',
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
    },
  });
  router.add('GET', '/_ping', ping);
  router.add('HEAD', '/_ping', ping);

  router.add('GET', '/version', () => ({
    status: 200,
    body: {
      Platform: { Name: 'ballast' },
      Components: [
        {
          Name: 'Engine',
          Version: info.version,
          Details: {
            ApiVersion: info.apiVersion,
            MinAPIVersion: MIN_API_VERSION,
            GitCommit: info.gitCommit,
            GoVersion: `node${process.versions.node}`,
            Os: 'linux',
            Arch: goArch(),
            KernelVersion: release(),
          },
        },
      ],
      Version: info.version,
      ApiVersion: info.apiVersion,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: info.gitCommit,
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: goArch(),
      KernelVersion: release(),
      BuildTime: '',
    },
  }));

  router.add('GET', '/info', () => ({
    status: 200,
    body: {
      ID: engine.layout.root,
      Containers: 0,
      ContainersRunning: 0,
      ContainersPaused: 0,
      ContainersStopped: 0,
      Images: 0,
      Driver: 'overlay2',
      DriverStatus: [['Backing Filesystem', 'extfs']],
      Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      IPv4Forwarding: true,
      Debug: false,
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: '1',
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: `ballast on ${type()}`,
      OSVersion: '',
      OSType: 'linux',
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: null,
      NCPU: cpus().length,
      MemTotal: totalmem(),
      DockerRootDir: engine.layout.root,
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: info.version,
      Runtimes: { crun: { path: 'crun' }, runc: { path: 'runc' } },
      DefaultRuntime: 'crun',
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: '',
      SecurityOptions: [],
      Warnings: null,
    },
  }));

  router.add('GET', '/system/df', async () => {
    const usage = await engine.volumes.usage();
    return {
      status: 200,
      body: {
        LayersSize: 0,
        Images: [],
        Containers: [],
        Volumes: usage.map((u) => ({
          ...toWireVolume(u.volume, engine.volumes.dataPath(u.volume.name)),
          UsageData: { Size: u.size, RefCount: u.refCount },
        })),
        BuildCache: null,
        BuilderSize: 0,
      },
    };
  });

  router.add('GET', '/events', (ctx) => {
    const filters = parseFilters(ctx.query.get('filters'));
    const types = filters.get('type');
    const res = ctx.res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const write = (e: Required<EngineEvent>) => {
      if (types && types.length > 0 && !types.includes(e.type)) return;
      const seconds = Number(e.timeNano / 1_000_000_000n);
      const legacy = e.type === 'container' ? { status: e.action, id: e.id, from: e.attributes['image'] ?? '' } : {};
      res.write(
        JSON.stringify({
          ...legacy,
          Type: e.type,
          Action: e.action,
          Actor: { ID: e.id, Attributes: e.attributes },
          scope: 'local',
          time: seconds,
          timeNano: Number(e.timeNano),
        }) + '\n',
      );
    };
    const unsubscribe = engine.events.subscribe(write);
    ctx.req.on('close', unsubscribe);
    const until = ctx.query.get('until');
    if (until) {
      const ms = Number(until) * 1000 - Date.now();
      setTimeout(() => {
        unsubscribe();
        res.end();
      }, Math.max(0, ms));
    }
    return { streamed: true };
  });
}

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}
