/**
 * Container use cases: create, start, stop, kill, restart, pause, remove,
 * wait, rename, prune, and the lookups the API needs. The runtime (conmon +
 * crun/runc) supervises processes; this service owns state (SQLite), the
 * writable layer, the mounts and the volume holds.
 *
 * Per-container operations are serialised by a KeyedMutex so start/stop/rm
 * racing on one container never interleave.
 */
import { existsSync, mkdirSync } from 'node:fs';
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
      config,
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
    let registered = false;
    try {
      const rootfs = await this.d.layers.prepareContainerRootfs(id, image.diffIds);
      try {
        checkImagePaths(planned, rootfs.merged);
        const points = ensureVolumes(planned, this.d.volumes);
        record.mounts = points as unknown as Record<string, unknown>[];
        this.d.repo.transaction(() => {
          this.d.repo.insert(record);
          this.d.networks?.recordAttachments(id, netPlan); // networking (issue 6)
          for (const p of points) if (p.kind === 'volume') this.d.volumes.addUser(p.name as string, id);
        });
        registered = true;
        await copyUpVolumes(points, rootfs.merged, id, this.d.volumes, this.d.copier);
      } finally {
        await this.d.layers.releaseContainerRootfs(id);
      }
    } catch (e) {
      if (registered) {
        this.d.volumes.removeUsersOf(id);
        this.d.repo.delete(id);
      }
      await this.d.layers.removeContainerLayer(id).catch(() => undefined);
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
        const msg = messageOf(e);
        this.d.repo.updateState(c.id, { ...c.state, ExitCode: 128, Error: msg });
        this.rejectPendingAttach(c.id, e);
        if (c.hostConfig.AutoRemove) void this.removeAfterExit(c.id);
        throw e instanceof EngineError ? e : internal(msg, e);
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
    const cleanup = async () => {
      await releaseMounts(c.id, points, this.d.volumes);
      await rt.delete(ref, { force: true }).catch(() => undefined);
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
      await this.connectPendingAttach(c.id, rt);
      await rt.start(ref);
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
      await rt.delete(this.ref(id), { force: true }).catch((e: unknown) =>
        this.d.log.warn('runtime delete failed', { id, error: messageOf(e) }),
      );
      await releaseMounts(id, c.mounts as unknown as StoredMountPoint[], this.d.volumes);
      await this.d.networks?.tearDown(id).catch((e: unknown) => this.d.log.warn('network teardown failed', { id, error: messageOf(e) })); // issue 6
      await this.d.layers.releaseContainerRootfs(id);
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
      this.d.repo.updateState(id, state);
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
      await rt.delete(this.ref(c.id), { force: true }).catch(() => undefined);
      await this.d.networks?.tearDown(c.id); // networking (issue 6): frees addresses, ports, netns
      const points = c.mounts as unknown as StoredMountPoint[];
      await releaseMounts(c.id, points, this.d.volumes);
      await this.d.layers.removeContainerLayer(c.id);
      this.d.repo.transaction(() => {
        this.d.volumes.removeUsersOf(c.id);
        this.d.repo.delete(c.id);
      });
      await import('node:fs/promises').then((fs) => fs.rm(this.dir(c.id), { recursive: true, force: true }));
      if (opts.volumes) await this.removeAnonymousVolumes(points);
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
   * Start-up: containers that ran when the engine stopped are either still
   * running (follow them again) or exited while it was down (record it).
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
