/**
 * Container use cases: create, start, stop, kill, restart, pause, remove,
 * wait, rename, prune, and the lookups the API needs. The runtime (conmon +
 * crun/runc) supervises processes; this service owns state (SQLite), the
 * writable layer, the mounts and the volume holds.
 *
 * Per-container operations are serialised by a KeyedMutex so start/stop/rm
 * racing on one container never interleave.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  EngineError,
  conflict,
  failedPrecondition,
  internal,
  invalidArgument,
  messageOf,
  notFound,
} from '../../domain/errors.js';
import {
  initialState,
  parseSignal,
  validateContainerName,
  type ContainerConfig,
  type ContainerState,
  type HostConfig,
} from '../../domain/container.js';
import { normalizeApiMount } from '../../domain/mounts/index.js';
import type { Filters } from '../../domain/filters.js';
import { labelTermMatches } from '../../domain/filters.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import type { Logger } from '../../lib/logger.js';
import type { ContainerRecord, ContainerRepository } from '../../state/container-repository.js';
import { readLog, formatRfc3339Nano, type LogRecord } from '../../runtime/k8s-log.js';

export type { ContainerRecord } from '../../state/container-repository.js';
export type { LogRecord };
export { formatRfc3339Nano };
import type { ContainerLayers } from '../../storage/layers/index.js';
import { buildOciSpec } from '../../runtime/oci-spec.js';
import { readHostRlimits } from '../../runtime/rlimits.js';
import type { Attachment, ContainerRuntime, RuntimeName } from '../../runtime/runtime.js';
import type { EventSink } from '../events.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { containerEnv, mergeImageConfig, processArgs } from './config-merge.js';
import { writeEtcFiles } from './etc-files.js';
import type { ImagePort } from './image-port.js';
import {
  acquireMounts,
  checkImagePaths,
  copyUpVolumes,
  ensureVolumes,
  planMounts,
  releaseMounts,
  verifyForStart,
  type CopyUpPort,
  type StoredMountPoint,
} from './mount-setup.js';
import { newContainerId, randomName } from './naming.js';
import { resolveUser } from './user.js';
import { checkExecutable } from './exec-check.js';
import { applyTmpfsModes, prepareMountpoints } from './mountpoints.js';
// Crash consistency (issue 3, item 7): incomplete markers, fault injection, host-side leftovers.
import { crashPoint } from './crash-points.js';
import { clearIntent, readIntent, writeIntent } from './intent.js';
import { conmonsOf, idsIn, killConmons, nothingMountedUnder, removeCgroups, cgroupDirs, unmountAllUnder } from './orphans.js';
// Networking (issue 6): endpoints are recorded at create, plugged in before the runtime's create, unplugged on exit.
import type { NetworkService, NetworkingConfigInput } from '../networks/network-service.js';

export interface ContainerServiceDeps {
  root: string;
  repo: ContainerRepository;
  volumes: VolumeService;
  layers: ContainerLayers;
  images: ImagePort;
  runtimes: ReadonlyMap<RuntimeName, ContainerRuntime>;
  defaultRuntime: RuntimeName;
  copier: CopyUpPort;
  events: EventSink;
  log: Logger;
  /** Networking (issue 6); absent: every container gets a private netns with only lo (or the host's). */
  networks?: NetworkService;
}

export interface CreateContainerRequest {
  name?: string;
  config: ContainerConfig;
  hostConfig: HostConfig;
  /** Networking (issue 6): NetworkingConfig of the create request (EndpointsConfig aliases, IPAMConfig). */
  networkingConfig?: NetworkingConfigInput;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

/** A client attached before start: connected when the process is created. */
interface PendingAttach {
  stdin: boolean;
  resolve: (a: Attachment) => void;
  reject: (e: unknown) => void;
}

const nowRfc3339Nano = (): string => {
  const d = new Date();
  const ns = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return d.toISOString().replace(/\.(\d{3})Z$/, `.$1${ns}Z`);
};

export class ContainerService {
  private readonly lock = new KeyedMutex();
  /** Listeners for the next exit / the removal of each container. */
  private readonly exitWaiters = new Map<string, Array<(code: number) => void>>();
  private readonly removeWaiters = new Map<string, Array<(code: number) => void>>();
  private readonly pendingAttach = new Map<string, PendingAttach[]>();
  /** Containers stopped on purpose (restart policies don't apply). */
  private readonly stopping = new Set<string>();
  private readonly hostRlimits = readHostRlimits();

  constructor(private readonly d: ContainerServiceDeps) {}

  // ---------------------------------------------------------------- lookups

  /** Docker's lookup order: full id, exact name, then a unique id prefix. */
  get(ref: string): ContainerRecord {
    const r = this.find(ref);
    if (!r) throw notFound(`No such container: ${ref}`);
    return r;
  }

  find(ref: string): ContainerRecord | undefined {
    if (!ref) return undefined;
    const byId = this.d.repo.get(ref);
    if (byId) return byId;
    const byName = this.d.repo.byName(ref.startsWith('/') ? ref : `/${ref}`);
    if (byName) return byName;
    if (/^[0-9a-f]+$/.test(ref)) {
      const ids = this.d.repo.idsWithPrefix(ref);
      if (ids.length > 1) throw invalidArgument(`multiple IDs found with provided prefix: ${ref}`);
      if (ids.length === 1) return this.d.repo.get(ids[0] as string);
    }
    return undefined;
  }

  list(): ContainerRecord[] {
    return this.d.repo.list();
  }

  dir(id: string): string {
    return join(this.d.root, 'containers', id);
  }

  logPath(id: string): string {
    return join(this.dir(id), 'ctr.log');
  }

  runtimeOf(c: ContainerRecord): ContainerRuntime {
    const rt = this.d.runtimes.get(c.runtime as RuntimeName);
    if (!rt) throw internal(`runtime ${c.runtime} is not available`);
    return rt;
  }

  ref(id: string): { id: string; dir: string } {
    return { id, dir: this.dir(id) };
  }

  // ---------------------------------------------------------------- create

  async create(req: CreateContainerRequest): Promise<{ id: string; warnings: string[] }> {
    let name: string;
    if (req.name) {
      name = validateContainerName(req.name);
      this.ensureNameFree(name);
    } else {
      do name = `/${randomName()}`;
      while (this.d.repo.byName(name));
    }
    const imageRef = req.config.Image ?? '';
    if (!imageRef) throw invalidArgument('No image specified');
    const image = await this.d.images.resolve(imageRef);
    const hostConfig = normalizeHostConfig(req.hostConfig);
    const runtime = (hostConfig.Runtime || this.d.defaultRuntime) as RuntimeName;
    if (!this.d.runtimes.has(runtime)) throw invalidArgument(`Unknown runtime specified ${runtime}`);
    hostConfig.Runtime = runtime;

    const id = newContainerId();
    const config = mergeImageConfig(req.config, image.config);
    config.Image = imageRef;
    config.Hostname = req.config.Hostname || id.slice(0, 12);
    processArgs(config); // "No command specified"
    // Networking (issue 6): Docker's "network X not found" and alias errors at create.
    const netPlan = this.d.networks?.planAttachments(config, hostConfig, req.networkingConfig) ?? [];

    const planned = planMounts({
      // The client's own Config.Volumes (`-v /x`), apart from the image's, which come next.
      config: req.config,
      hostConfig,
      imageVolumes: image.config.Volumes ?? null,
      daemonRoot: this.d.root,
      lookupMountPoints: (ref) => {
        const src = this.find(ref);
        if (!src) throw invalidArgument(`No such container: ${ref}`);
        return src.mounts as unknown as StoredMountPoint[];
      },
    });

    // Claim the name before the slow part, so a concurrent create gets the conflict.
    this.ensureNameFree(name);
    const record: ContainerRecord = {
      id,
      name,
      created: nowRfc3339Nano(),
      imageId: image.id,
      imageRef,
      config,
      hostConfig,
      mounts: [],
      state: initialState(),
      runtime,
      restartCount: 0,
      extra: {},
    };
    mkdirSync(this.dir(id), { recursive: true, mode: 0o710 });
    // The incomplete marker, before any side effect: a crash from here on is undone at start-up,
    // with the anonymous volumes this create makes (nobody else knows them yet).
    const anonymousVolumes = planned.flatMap((p) =>
      p.kind === 'volume' && p.anonymous && p.name !== undefined && !this.d.volumes.find(p.name) ? [p.name] : [],
    );
    writeIntent(this.dir(id), { op: 'create', anonymousVolumes });
    crashPoint('create:dir');
    let volumesMade = false;
    try {
      const rootfs = await this.d.layers.prepareContainerRootfs(id, image.diffIds);
      crashPoint('create:rootfs');
      try {
        checkImagePaths(planned, rootfs.merged);
        const points = ensureVolumes(planned, this.d.volumes);
        volumesMade = true;
        crashPoint('create:volumes');
        record.mounts = points as unknown as Record<string, unknown>[];
        this.d.repo.transaction(() => {
          this.d.repo.insert(record);
          this.d.networks?.recordAttachments(id, netPlan); // networking (issue 6)
          for (const p of points) if (p.kind === 'volume') this.d.volumes.addUser(p.name as string, id);
        });
        crashPoint('create:row');
        await copyUpVolumes(points, rootfs.merged, id, this.d.volumes, this.d.copier);
        crashPoint('create:copy-up');
      } finally {
        await this.d.layers.releaseContainerRootfs(id);
      }
      clearIntent(this.dir(id));
    } catch (e) {
      // As dockerd: volumes made before a failure inside ensureVolumes stay; after it, the
      // container's cleanup removes its anonymous volumes with it.
      // If the undo fails half-way, the marker stays and start-up finishes it; the caller gets the cause.
      await this.undoCreate(id, volumesMade ? anonymousVolumes : []).catch((u: unknown) =>
        this.d.log.error('undoing a failed create failed', { id, error: messageOf(u) }),
      );
      throw e;
    }
    this.d.events.emit({ type: 'container', action: 'create', id, attributes: this.eventAttributes(record) });
    return { id, warnings: [] };
  }

  private ensureNameFree(name: string): void {
    const holder = this.d.repo.byName(name);
    if (holder) {
      throw conflict(
        `Conflict. The container name "${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }

  /** Docker's volume mount/unmount events, one per volume mount point of the container. */
  private volumeEvents(c: ContainerRecord, action: 'mount' | 'unmount'): void {
    for (const p of c.mounts as unknown as StoredMountPoint[]) {
      if (p.kind !== 'volume') continue;
      const attributes: Record<string, string> =
        action === 'mount'
          ? { container: c.id, destination: p.target, driver: p.resolvedDriver ?? 'local', propagation: '', 'read/write': String(!p.readOnly) }
          : { container: c.id, driver: p.resolvedDriver ?? 'local' };
      this.d.events.emit({ type: 'volume', action, id: p.name as string, attributes });
    }
  }

  private eventAttributes(c: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...(c.config.Labels ?? {}), image: c.imageRef, name: c.name.slice(1), ...extra };
  }

  // ---------------------------------------------------------------- start

  /** Returns false when the container was already running (Docker's 304). */
  async start(ref: string): Promise<boolean> {
    const c0 = this.get(ref);
    return this.lock.run(c0.id, async () => {
      const c = this.get(c0.id);
      if (c.state.Paused) throw conflict('cannot start a paused container, try unpause instead');
      if (c.state.Running) return false;
      try {
        await this.startLocked(c);
      } catch (e) {
        const failure = startFailure(c, e);
        this.d.repo.updateState(c.id, { ...c.state, ExitCode: failure.exitCode, Error: failure.error.message });
        this.rejectPendingAttach(c.id, failure.error);
        if (c.hostConfig.AutoRemove) void this.removeAfterExit(c.id);
        throw failure.error;
      }
      return true;
    });
  }

  private async startLocked(c: ContainerRecord): Promise<void> {
    const points = c.mounts as unknown as StoredMountPoint[];
    const rt = this.runtimeOf(c);
    const ref = this.ref(c.id);
    verifyForStart(c.hostConfig, points);
    const image = await this.d.images.resolve(c.imageId);
    const rootfs = await this.d.layers.prepareContainerRootfs(c.id, image.diffIds);
    let mounts;
    try {
      mounts = await acquireMounts(c.id, c.hostConfig, points, this.d.volumes);
    } catch (e) {
      await this.d.layers.releaseContainerRootfs(c.id);
      throw e;
    }
    crashPoint('start:mounts');
    const cleanup = async () => {
      // The container first (a created one holds the mounts open), then what it used.
      await rt.delete(ref, { force: true }).catch((e: unknown) => this.d.log.warn('runtime delete failed', { id: c.id, error: messageOf(e) }));
      await releaseMounts(c.id, points, this.d.volumes);
      await this.d.networks?.tearDown(c.id).catch(() => undefined); // networking (issue 6)
      await this.d.layers.releaseContainerRootfs(c.id);
    };
    try {
      const user = resolveUser(rootfs.merged, c.config.User ?? '');
      const hostname = c.config.Hostname || c.id.slice(0, 12);
      const networkMode = c.hostConfig.NetworkMode ?? 'default';
      const userTargets = new Set(mounts.map((m) => m.destination));
      // Networking (issue 6): netns + veths + ports + DNS before the runtime's create.
      const net = this.d.networks ? await this.d.networks.setUp(c) : undefined;
      const etc = writeEtcFiles({
        dir: this.dir(c.id),
        hostname,
        networkMode,
        readOnly: c.hostConfig.ReadonlyRootfs ?? false,
        extraHosts: c.hostConfig.ExtraHosts ?? [],
        dns: c.hostConfig.Dns ?? [],
        ...(net ? { selfHosts: net.selfHosts, hostGateway: net.hostGateway } : {}),
        ...(net?.resolvConf !== undefined ? { resolvConf: net.resolvConf } : {}),
      }).filter((m) => !userTargets.has(m.destination));
      // runc's mount-point work and checks, for either runtime (mountpoints.ts).
      const tmpfsModes = await prepareMountpoints(rootfs.merged, [...etc, ...mounts]);
      const args = processArgs(c.config);
      const env = containerEnv(c.config, hostname, user.home);
      await checkExecutable(rootfs.merged, args[0] as string, env, c.config.WorkingDir || '/');
      const consoleSize = c.hostConfig.ConsoleSize;
      const spec = buildOciSpec({
        id: c.id,
        rootfsPath: rootfs.merged,
        readonlyRootfs: c.hostConfig.ReadonlyRootfs ?? false,
        args,
        env,
        cwd: c.config.WorkingDir || '/',
        user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
        hostname,
        terminal: c.config.Tty ?? false,
        ...(c.config.Tty && consoleSize && (consoleSize[0] ?? 0) > 0
          ? { consoleSize: { height: consoleSize[0] ?? 24, width: consoleSize[1] ?? 80 } }
          : {}),
        mounts: [...etc, ...mounts],
        namespaces: { network: net ? net.namespace : networkMode === 'host' ? 'host' : 'none' },
        ...(net && Object.keys(net.sysctls).length > 0 ? { sysctls: net.sysctls } : {}),
        rlimits: { requested: [], policy: 'clamp', host: this.hostRlimits },
        cgroupsParent: '/ballast',
        ...(c.config.StopSignal ? { stopSignal: c.config.StopSignal } : {}),
        ...(c.hostConfig.ShmSize ? { shmSizeBytes: c.hostConfig.ShmSize } : {}),
      });
      const created = await rt.create({
        id: c.id,
        dir: this.dir(c.id),
        spec,
        logPath: this.logPath(c.id),
        openStdin: c.config.OpenStdin ?? false,
      });
      crashPoint('start:runtime-created');
      applyTmpfsModes(created.pid, tmpfsModes);
      await this.connectPendingAttach(c.id, rt);
      await rt.start(ref);
      crashPoint('start:runtime-started');
      const state: ContainerState = {
        ...c.state,
        Status: 'running',
        Running: true,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: created.pid,
        ExitCode: 0,
        Error: '',
        StartedAt: nowRfc3339Nano(),
      };
      this.d.repo.updateState(c.id, state, { ...c.extra, conmonPid: created.conmonPid });
      this.stopping.delete(c.id);
      this.volumeEvents(c, 'mount');
      this.d.events.emit({ type: 'container', action: 'start', id: c.id, attributes: this.eventAttributes(c) });
      this.watchExit(c.id, rt);
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  /** Follows the container until it exits, then records it and cleans up. */
  watchExit(id: string, rt: ContainerRuntime): void {
    void rt
      .wait(this.ref(id))
      .then((status) => this.onExit(id, status.exitCode, status.oomKilled, status.finishedAt))
      .catch((e: unknown) => this.d.log.error('waiting for container failed', { id, error: messageOf(e) }));
  }

  private async onExit(id: string, exitCode: number, oomKilled: boolean, finishedAt: Date): Promise<void> {
    await this.lock.run(id, async () => {
      const c = this.d.repo.get(id);
      if (!c) return;
      const rt = this.runtimeOf(c);
      const state: ContainerState = {
        ...c.state,
        Status: 'exited',
        Running: false,
        Paused: false,
        Restarting: false,
        OOMKilled: oomKilled,
        Pid: 0,
        ExitCode: exitCode,
        FinishedAt: finishedAt.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'),
      };
      // Recorded before the runtime's delete removes the exit file: a crash in between must not
      // lose the code (start-up then finds a stopped container that does not run and deletes it).
      this.d.repo.updateState(id, state);
      crashPoint('exit:recorded');
      await rt.delete(this.ref(id), { force: true }).catch((e: unknown) =>
        this.d.log.warn('runtime delete failed', { id, error: messageOf(e) }),
      );
      await releaseMounts(id, c.mounts as unknown as StoredMountPoint[], this.d.volumes);
      await this.d.networks?.tearDown(id).catch((e: unknown) => this.d.log.warn('network teardown failed', { id, error: messageOf(e) })); // issue 6
      await this.d.layers.releaseContainerRootfs(id);
      this.volumeEvents(c, 'unmount');
      this.d.events.emit({
        type: 'container',
        action: 'die',
        id,
        attributes: this.eventAttributes(c, { exitCode: String(exitCode) }),
      });
    });
    for (const w of this.exitWaiters.get(id) ?? []) w(exitCode);
    this.exitWaiters.delete(id);
    const c = this.d.repo.get(id);
    if (!c) return;
    if (c.hostConfig.AutoRemove) {
      await this.removeAfterExit(id);
      return;
    }
    await this.maybeRestart(c, exitCode);
  }

  private async maybeRestart(c: ContainerRecord, exitCode: number): Promise<void> {
    const policy = c.hostConfig.RestartPolicy?.Name ?? 'no';
    if (this.stopping.has(c.id) || policy === 'no' || policy === '') return;
    if (policy === 'on-failure') {
      const max = c.hostConfig.RestartPolicy?.MaximumRetryCount ?? 0;
      if (exitCode === 0 || (max > 0 && c.restartCount >= max)) return;
    }
    this.d.repo.incrementRestartCount(c.id);
    try {
      await this.start(c.id);
    } catch (e) {
      this.d.log.warn('restart failed', { id: c.id, error: messageOf(e) });
    }
  }

  private async removeAfterExit(id: string): Promise<void> {
    try {
      await this.remove(id, { force: true, volumes: true });
    } catch (e) {
      this.d.log.warn('auto-remove failed', { id, error: messageOf(e) });
    }
  }

  // ---------------------------------------------------------------- attach

  /**
   * Attaches to the container's stdio: at once when it runs, else when it is
   * started next (docker run attaches before it starts the container).
   */
  attach(ref: string, opts: { stdin: boolean }): Promise<Attachment> {
    const c = this.get(ref);
    if (c.state.Running) return this.runtimeOf(c).attach(this.ref(c.id), opts);
    return new Promise((resolve, reject) => {
      const list = this.pendingAttach.get(c.id) ?? [];
      list.push({ stdin: opts.stdin, resolve, reject });
      this.pendingAttach.set(c.id, list);
    });
  }

  private async connectPendingAttach(id: string, rt: ContainerRuntime): Promise<void> {
    const list = this.pendingAttach.get(id) ?? [];
    this.pendingAttach.delete(id);
    for (const p of list) {
      try {
        p.resolve(await rt.attach(this.ref(id), { stdin: p.stdin }));
      } catch (e) {
        p.reject(e);
      }
    }
  }

  private rejectPendingAttach(id: string, e: unknown): void {
    const list = this.pendingAttach.get(id) ?? [];
    this.pendingAttach.delete(id);
    for (const p of list) p.reject(e);
  }

  resize(ref: string, height: number, width: number): void {
    const c = this.get(ref);
    if (!c.state.Running) return;
    try {
      this.runtimeOf(c).resize(this.ref(c.id), height, width);
    } catch (e) {
      this.d.log.debug('resize failed', { id: c.id, error: messageOf(e) });
    }
  }

  // ---------------------------------------------------------------- logs

  /** The container's log records; with `follow`, until it exits (or the signal aborts). */
  logs(ref: string, opts: { follow: boolean; signal: AbortSignal }): AsyncGenerator<LogRecord> {
    const c = this.get(ref);
    const follow = opts.follow && c.state.Running;
    const exited = follow ? this.wait(c.id, 'next-exit', opts.signal).catch(() => undefined) : Promise.resolve();
    return readLog(this.logPath(c.id), { follow, until: exited, signal: opts.signal });
  }

  // ---------------------------------------------------------------- wait

  /** Docker's wait: resolves with the exit code per condition. */
  wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    const c = this.get(ref);
    if (condition === 'not-running' && !c.state.Running) {
      return Promise.resolve({ StatusCode: c.state.ExitCode, Error: null });
    }
    const map = condition === 'removed' ? this.removeWaiters : this.exitWaiters;
    return new Promise((resolve, reject) => {
      const waiter = (code: number) => resolve({ StatusCode: code, Error: null });
      const list = map.get(c.id) ?? [];
      list.push(waiter);
      map.set(c.id, list);
      signal?.addEventListener('abort', () => {
        const l = map.get(c.id);
        if (l) map.set(c.id, l.filter((w) => w !== waiter));
        reject(new Error('wait cancelled'));
      });
    });
  }

  // ---------------------------------------------------------------- stop / kill

  /** Returns false when it was not running (Docker's 304). */
  async stop(ref: string, timeoutSeconds?: number): Promise<boolean> {
    const c = this.get(ref);
    if (!c.state.Running) return false;
    this.stopping.add(c.id);
    const rt = this.runtimeOf(c);
    if (c.state.Paused) await rt.resume(this.ref(c.id)).catch(() => undefined);
    const exited = this.wait(c.id, 'next-exit');
    const signal = c.config.StopSignal ? parseSignal(c.config.StopSignal) : 15;
    const timeout = timeoutSeconds ?? (typeof c.config.StopTimeout === 'number' ? c.config.StopTimeout : 10);
    await rt.kill(this.ref(c.id), signal).catch(() => undefined);
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), Math.max(0, timeout) * 1000)),
    ]);
    if (timedOut) {
      await rt.kill(this.ref(c.id), 'SIGKILL', { all: true }).catch(() => undefined);
      await exited;
    }
    this.d.events.emit({ type: 'container', action: 'stop', id: c.id, attributes: this.eventAttributes(c) });
    return true;
  }

  async kill(ref: string, signalName = 'KILL'): Promise<void> {
    const c = this.get(ref);
    const signal = parseSignal(signalName);
    if (!c.state.Running) {
      throw failedPrecondition(`Cannot kill container: ${ref}: Container ${c.id} is not running`);
    }
    if (signal === 9 || signal === 15 || signal === 2) this.stopping.add(c.id);
    const exited = signal === 9 ? this.wait(c.id, 'next-exit') : undefined;
    await this.runtimeOf(c).kill(this.ref(c.id), signal, { all: signal === 9 });
    this.d.events.emit({ type: 'container', action: 'kill', id: c.id, attributes: this.eventAttributes(c, { signal: String(signal) }) });
    if (exited) await exited;
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<void> {
    const c = this.get(ref);
    await this.stop(c.id, timeoutSeconds);
    await this.start(c.id);
    this.d.events.emit({ type: 'container', action: 'restart', id: c.id, attributes: this.eventAttributes(c) });
  }

  async pause(ref: string): Promise<void> {
    const c = this.get(ref);
    if (!c.state.Running) throw failedPrecondition(`Container ${c.id} is not running`);
    if (c.state.Paused) throw failedPrecondition(`Container ${c.id} is already paused`);
    await this.runtimeOf(c).pause(this.ref(c.id));
    this.d.repo.updateState(c.id, { ...c.state, Status: 'paused', Paused: true });
    this.d.events.emit({ type: 'container', action: 'pause', id: c.id, attributes: this.eventAttributes(c) });
  }

  async unpause(ref: string): Promise<void> {
    const c = this.get(ref);
    if (!c.state.Paused) throw failedPrecondition(`Container ${c.id} is not paused`);
    await this.runtimeOf(c).resume(this.ref(c.id));
    this.d.repo.updateState(c.id, { ...c.state, Status: 'running', Paused: false });
    this.d.events.emit({ type: 'container', action: 'unpause', id: c.id, attributes: this.eventAttributes(c) });
  }

  // ---------------------------------------------------------------- remove

  async remove(ref: string, opts: { force: boolean; volumes: boolean }): Promise<void> {
    const c0 = this.get(ref);
    if (c0.state.Running && !opts.force) {
      if (c0.state.Paused) {
        throw conflict(`You cannot remove a paused container ${c0.id}. Unpause and then stop the container before attempting removal or force remove`);
      }
      throw conflict(
        `You cannot remove a running container ${c0.id}. Stop the container before attempting removal or force remove`,
      );
    }
    if (c0.state.Running) {
      this.stopping.add(c0.id);
      const rt = this.runtimeOf(c0);
      const exited = this.wait(c0.id, 'next-exit');
      if (c0.state.Paused) await rt.resume(this.ref(c0.id)).catch(() => undefined);
      await rt.kill(this.ref(c0.id), 'SIGKILL', { all: true }).catch(() => undefined);
      await exited;
    }
    await this.lock.run(c0.id, async () => {
      const c = this.d.repo.get(c0.id);
      if (!c) return;
      const rt = this.runtimeOf(c);
      const points = c.mounts as unknown as StoredMountPoint[];
      // The incomplete marker: start-up finishes a removal a crash cut short (-v included).
      const anonymous = points.flatMap((p) => (p.kind === 'volume' && p.anonymous && p.name !== undefined ? [p.name] : []));
      mkdirSync(this.dir(c.id), { recursive: true, mode: 0o710 });
      writeIntent(this.dir(c.id), { op: 'remove', anonymousVolumes: opts.volumes ? anonymous : [] });
      crashPoint('remove:marked');
      await rt.delete(this.ref(c.id), { force: true }).catch((e: unknown) => this.d.log.warn('runtime delete failed', { id: c.id, error: messageOf(e) }));
      crashPoint('remove:runtime-deleted');
      await this.d.networks?.tearDown(c.id); // networking (issue 6): frees addresses, ports, netns
      await releaseMounts(c.id, points, this.d.volumes);
      await this.d.layers.removeContainerLayer(c.id);
      crashPoint('remove:layer-removed');
      this.d.repo.transaction(() => {
        this.d.volumes.removeUsersOf(c.id);
        this.d.repo.delete(c.id);
      });
      crashPoint('remove:row-deleted');
      if (opts.volumes) await this.removeAnonymousVolumes(points);
      await this.removeContainerDir(c.id); // the marker goes last, with the directory
      this.d.events.emit({ type: 'container', action: 'destroy', id: c.id, attributes: this.eventAttributes(c) });
    });
    for (const w of this.removeWaiters.get(c0.id) ?? []) w(this.d.repo.get(c0.id)?.state.ExitCode ?? c0.state.ExitCode);
    this.removeWaiters.delete(c0.id);
  }

  /** rm -v / --rm: anonymous volumes go unless another container still uses them. */
  private async removeAnonymousVolumes(points: StoredMountPoint[]): Promise<void> {
    for (const p of points) {
      if (p.kind !== 'volume' || !p.anonymous) continue;
      try {
        await this.d.volumes.remove(p.name as string, false);
      } catch (e) {
        if (!(e instanceof EngineError && (e.kind === 'conflict' || e.kind === 'notFound'))) throw e;
      }
    }
  }

  // ---------------------------------------------------------------- misc

  rename(ref: string, newName: string): void {
    const c = this.get(ref);
    const name = validateContainerName(newName);
    if (name === c.name) throw invalidArgument(`Renaming a container with the same name as its current name`);
    this.ensureNameFree(name);
    this.d.repo.rename(c.id, name);
    this.d.events.emit({ type: 'container', action: 'rename', id: c.id, attributes: this.eventAttributes({ ...c, name }, { oldName: c.name }) });
  }

  async prune(filters: Filters): Promise<{ deleted: string[]; spaceReclaimed: number }> {
    const labelTerms = filters.get('label') ?? [];
    const notLabelTerms = filters.get('label!') ?? [];
    const deleted: string[] = [];
    for (const c of this.list()) {
      if (c.state.Running) continue;
      if (!labelTerms.every((t) => labelTermMatches(c.config.Labels ?? null, t))) continue;
      if (notLabelTerms.some((t) => labelTermMatches(c.config.Labels ?? null, t))) continue;
      await this.remove(c.id, { force: false, volumes: false });
      deleted.push(c.id);
    }
    return { deleted, spaceReclaimed: 0 };
  }

  /**
   * Start-up, before the API answers: makes the host match the rows again after whatever the
   * previous engine process was doing when it died (kill -9, power loss).
   *   1. Containers that ran are followed again, or their exit (recorded by conmon while the
   *      engine was down) is recorded now.
   *   2. A create a crash cut short is undone (its marker names the anonymous volumes it made);
   *      a removal is finished.
   *   3. A container that does not run but left runtime state, a conmon, an exit file or a cgroup
   *      (a crash mid-start, or mid-exit after the exit was recorded) is deleted from the
   *      runtime: a start nobody was told about is rolled back.
   *   4. Ids the rows do not know (a directory, runtime state, an exit file, a conmon) go;
   *      AutoRemove containers that do not run are removed.
   *   5. Volume holds of containers that do not run are released, their rootfs unmounted.
   */
  async reconcile(): Promise<void> {
    for (const c of this.list()) {
      if (!c.state.Running) continue;
      const rt = this.d.runtimes.get(c.runtime as RuntimeName);
      if (!rt) continue;
      const st = await rt.state(this.ref(c.id)).catch(() => ({ status: 'missing' as const }));
      if (st.status === 'running' || st.status === 'paused' || st.status === 'created') {
        this.watchExit(c.id, rt);
      } else if (st.status === 'exited') {
        await this.onExit(c.id, st.exitCode, st.oomKilled, st.finishedAt);
      } else {
        await this.onExit(c.id, -1, false, new Date());
      }
    }
    const containersDir = join(this.d.root, 'containers');
    for (const id of idsIn(containersDir)) {
      const intent = readIntent(this.dir(id));
      if (!intent) continue;
      try {
        const row = this.d.repo.get(id);
        if (intent.op === 'create' || !row) {
          await this.clearRuntimeLeftovers(id);
          await this.undoCreate(id, intent.anonymousVolumes);
        } else if (!row.state.Running) {
          await this.remove(id, { force: true, volumes: intent.anonymousVolumes.length > 0 });
        } else {
          // A start got in between the removal's marker and the crash: nothing was removed.
          clearIntent(this.dir(id));
          continue;
        }
        this.d.log.info(intent.op === 'create' ? 'interrupted create undone' : 'interrupted removal finished', { id });
      } catch (e) {
        this.d.log.error('container reconciliation failed', { id, op: intent.op, error: messageOf(e) });
      }
    }
    const rows = new Map(this.list().map((c) => [c.id, c]));
    const conmons = new Set(conmonsOf(this.d.root).map((c) => c.id));
    const stateIds = new Set([...this.d.runtimes.values()].flatMap((rt) => rt.listIds()));
    const exitFiles = new Set([...this.d.runtimes.values()].flatMap((rt) => idsIn(rt.exitDir)));
    const suspects = new Set([...idsIn(containersDir), ...conmons, ...stateIds, ...exitFiles]);
    for (const id of new Set([...rows.keys(), ...suspects])) {
      const row = rows.get(id);
      if (row?.state.Running) continue;
      try {
        if (conmons.has(id) || stateIds.has(id) || exitFiles.has(id) || cgroupDirs(id).length > 0) {
          await this.clearRuntimeLeftovers(id);
          this.d.log.info(row ? 'runtime leftovers of a stopped container removed' : 'orphaned container removed', { id });
        }
        if (!row) {
          await this.removeContainerDir(id);
        } else if (row.hostConfig.AutoRemove && this.d.repo.get(id)) {
          // --rm whose removal a crash prevented: removed now, as dockerd's restore removes
          // AutoRemove containers that do not run.
          await this.remove(id, { force: true, volumes: true });
        }
      } catch (e) {
        this.d.log.error('container reconciliation failed', { id, error: messageOf(e) });
      }
    }
    // Holds left by containers that no longer exist or don't run (a crash mid-start), and by
    // copy-ups a crash interrupted. Other holders (API clients, backups) keep theirs.
    const live = new Set(this.list().filter((c) => c.state.Running).map((c) => c.id));
    await this.d.volumes.releaseStaleHolders((holder) => {
      if (holder.startsWith('copy-up:')) return false;
      return !/^[0-9a-f]{64}$/.test(holder) || live.has(holder);
    });
    for (const c of this.list()) {
      if (!c.state.Running && existsSync(join(this.dir(c.id), 'merged'))) {
        await this.d.layers.releaseContainerRootfs(c.id);
      }
    }
  }

  /**
   * Deletes the container from every runtime (killing it if it still runs: nobody was told it
   * started), then whatever the runtimes did not remove: conmons, the exit file, cgroups.
   */
  private async clearRuntimeLeftovers(id: string): Promise<void> {
    const ref = this.ref(id);
    await this.settleCreate(id);
    for (const rt of this.d.runtimes.values()) {
      // Only where the runtime has state: delete() also waits for the container's conmon, which
      // another runtime's delete would not stop.
      if (!rt.listIds().includes(id)) continue;
      await rt.delete(ref, { force: true }).catch((e: unknown) => this.d.log.warn('runtime delete failed', { id, runtime: rt.name, error: messageOf(e) }));
    }
    await killConmons(this.d.root, id);
    const cgroups = await removeCgroups(id);
    if (cgroups.length > 0) this.d.log.info('container cgroups removed', { id, cgroups });
    for (const rt of this.d.runtimes.values()) rmSync(join(rt.exitDir, id), { force: true });
  }

  /**
   * conmon may still be running `<runtime> create` for the container (the engine died while it
   * waited for the sync pipe): a delete now would race it. Waits until some runtime knows the
   * container past "creating", or its conmon is gone.
   */
  private async settleCreate(id: string): Promise<void> {
    const end = Date.now() + 10_000;
    while (Date.now() < end && conmonsOf(this.d.root).some((c) => c.id === id)) {
      const states = await Promise.all([...this.d.runtimes.values()].map((rt) => rt.cli.state(id).catch(() => null)));
      if (states.some((st) => st !== null && st.status !== 'creating')) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Forgets a container that was never finished (or whose removal was): row, volume references,
   * writable layer, the anonymous volumes named, the directory. Each step is idempotent.
   */
  private async undoCreate(id: string, anonymousVolumes: readonly string[]): Promise<void> {
    this.d.repo.transaction(() => {
      this.d.volumes.removeUsersOf(id);
      this.d.repo.delete(id);
    });
    await this.d.layers.removeContainerLayer(id).catch((e: unknown) => this.d.log.warn('writable layer removal failed', { id, error: messageOf(e) }));
    for (const name of anonymousVolumes) {
      await this.d.volumes.release(name, `copy-up:${id}`).catch(() => undefined);
      try {
        await this.d.volumes.remove(name, true);
      } catch (e) {
        if (!(e instanceof EngineError && e.kind === 'conflict')) throw e;
      }
    }
    await this.removeContainerDir(id);
  }

  /** Removes containers/<id>, never through a mount (it unmounts first and refuses if it cannot). */
  private async removeContainerDir(id: string): Promise<void> {
    const dir = this.dir(id);
    if (!existsSync(dir)) return;
    await unmountAllUnder(dir);
    if (!nothingMountedUnder(dir)) {
      this.d.log.error('container directory still has mounts, kept', { id, dir });
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A failed start as dockerd records it (translateContainerdStartErr): the runtime refusing the
 * command gives State.ExitCode 127 (not found) or 126 (not executable), a file bound onto a
 * directory (or the reverse) 127 with dockerd's hint; anything else 128.
 */
function startFailure(c: ContainerRecord, e: unknown): { exitCode: number; error: EngineError } {
  let error = e instanceof EngineError ? e : internal(messageOf(e), e);
  const msg = error.message.toLowerCase();
  if (!msg.includes('oci runtime create failed')) return { exitCode: 128, error };
  let exitCode = 128;
  const cmd = (c.config.Entrypoint ?? [])[0] ?? (c.config.Cmd ?? [])[0] ?? '';
  if (cmd && msg.includes(cmd.toLowerCase()) && /executable file not found|no such file or directory/.test(msg)) exitCode = 127;
  if (msg.includes('permission denied')) exitCode = 126;
  if (msg.includes('not a directory')) {
    const hint = 'Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type';
    error = new EngineError(error.kind, `${error.message}: ${hint}`, { cause: error });
    exitCode = 127;
  }
  return { exitCode, error };
}

/** Zero values dropped the way dockerd stores HostConfig (Mounts normalised, defaults filled). */
function normalizeHostConfig(h: HostConfig): HostConfig {
  const out: HostConfig = { ...h };
  if (h.Mounts) out.Mounts = h.Mounts.map(normalizeApiMount);
  if (!out.NetworkMode) out.NetworkMode = 'default';
  if (!out.RestartPolicy || !out.RestartPolicy.Name) out.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 };
  if (!out.LogConfig || !out.LogConfig.Type) out.LogConfig = { Type: 'json-file', Config: {} };
  if (!out.ShmSize) out.ShmSize = 67108864;
  if (!out.ConsoleSize) out.ConsoleSize = [0, 0];
  return out;
}
