/** _ping, /version, /info, /system/df, /events. */
import { cpus, hostname, release, totalmem, type } from 'node:os';
import type { Engine } from '../../engine/engine.js';
import type { StampedEvent } from '../../engine/events.js';
import { labelTermMatches, parseFilters } from '../../domain/filters.js';
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
    const matches = eventFilter(filters);
    const now = BigInt(Date.now()) * 1_000_000n;
    const since = parseEventTime(ctx.query.get('since'), now);
    const until = parseEventTime(ctx.query.get('until'), now);
    const res = ctx.res;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    const write = (e: StampedEvent) => {
      if (!matches(e)) return;
      // timeNano is an int64 on the wire; a JS number would round it.
      res.write(JSON.stringify(eventJson(e)).replace('"timeNano":0', `"timeNano":${e.timeNano}`) + '\n');
    };
    const past = since !== undefined ? engine.events.replay(since, until ?? now) : [];
    for (const e of past) write(e);
    if (until !== undefined && until <= now) {
      res.end();
      return { streamed: true };
    }
    const unsubscribe = engine.events.subscribe((e) => {
      if (until !== undefined && e.timeNano > until) return;
      write(e);
    });
    ctx.req.on('close', unsubscribe);
    if (until !== undefined) {
      setTimeout(() => {
        unsubscribe();
        res.end();
      }, Number((until - now) / 1_000_000n));
    }
    return { streamed: true };
  });
}

/** `since`/`until`: Unix seconds with an optional fraction ("1700000000.123456789"). */
function parseEventTime(raw: string | null, _now: bigint): bigint | undefined {
  if (!raw) return undefined;
  const [sec = '0', frac = ''] = raw.split('.');
  if (!/^\d+$/.test(sec) || !/^\d*$/.test(frac)) return undefined;
  return BigInt(sec) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
}

/** Docker's event filters: type, event/action, container, volume, image, network, label. */
function eventFilter(filters: ReadonlyMap<string, readonly string[]>): (e: StampedEvent) => boolean {
  return (e) => {
    for (const [key, values] of filters) {
      if (values.length === 0) continue;
      const ok = (() => {
        switch (key) {
          case 'type':
            return values.includes(e.type);
          case 'event':
          case 'action':
            return values.includes(e.action);
          case 'container':
          case 'volume':
          case 'image':
          case 'network':
            return e.type === key && (values.includes(e.id) || values.includes(e.attributes['name'] ?? '\0'));
          case 'label':
            return values.every((t) => labelTermMatches(e.attributes, t));
          default:
            return true;
        }
      })();
      if (!ok) return false;
    }
    return true;
  };
}

function eventJson(e: StampedEvent): Record<string, unknown> {
  const legacy = e.type === 'container' ? { status: e.action, id: e.id, from: e.attributes['image'] ?? '' } : {};
  return {
    ...legacy,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: e.attributes },
    scope: 'local',
    time: Number(e.timeNano / 1_000_000_000n),
    timeNano: 0,
  };
}

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}
