/**
 * Volume use cases: create, inspect, list, remove, prune, and the reference
 * counted mounting of driver-backed volumes.
 *
 * Durability: a volume's row is inserted in state 'creating' (the incomplete
 * marker), then its directory is made, then the marker is cleared. Removal
 * renames the directory into the trash, then deletes the row. Start-up
 * reconciliation (reconcile.ts) finishes or undoes whatever a kill -9 cut short.
 *
 * Concurrency: every metadata step is synchronous (SQLite and mkdir/rename),
 * so two requests for the same name never interleave inside a step; driver
 * mounts are async and serialised per volume by a KeyedMutex.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmdirSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, conflict, internal, invalidArgument, notFound, messageOf } from '../../domain/errors.js';
import { validateLocalVolumeName, type CreateVolumeRequest, type StringMap, type Volume } from '../../domain/volume.js';
import {
  boolFilter,
  labelTermMatches,
  matchesLabels,
  requireFilterKeys,
  type Filters,
} from '../../domain/filters.js';
import type { VolumeRepository } from '../../state/volume-repository.js';
import type { VolumeDriver, VolumeRef } from '../../storage/volumes/driver.js';
import { fsyncPath, writeFileDurable } from '../../lib/durable.js';
import { goPathError } from '../../lib/node-errors.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { apparentSize } from '../../lib/disk-usage.js';
import type { Logger } from '../../lib/logger.js';
import { mountsUnder } from '../../storage/mounts/mountinfo.js';
import { unmountTree } from '../../storage/mounts/mount.js';
import type { EventSink } from '../events.js';

export interface VolumeUsage {
  volume: Volume;
  size: number;
  refCount: number;
}

export interface PruneResult {
  deleted: string[];
  spaceReclaimed: number;
}

export const TRASH_PREFIX = '.trash-';

export class VolumeService {
  private readonly mountLock = new KeyedMutex();
  private pruning = false;

  constructor(
    private readonly volumesDir: string,
    private readonly repo: VolumeRepository,
    private readonly drivers: ReadonlyMap<string, VolumeDriver>,
    private readonly events: EventSink,
    private readonly log: Logger,
  ) {}

  dataPath(name: string): string {
    return join(this.volumesDir, name, '_data');
  }

  ref(v: Volume): VolumeRef {
    return { name: v.name, dataPath: this.dataPath(v.name), options: v.options };
  }

  private driverFor(driverName: string, volumeName: string): VolumeDriver {
    const d = this.drivers.get(driverName);
    if (!d) {
      throw new EngineError(
        'notFound',
        `create ${volumeName}: error looking up volume plugin ${driverName}: plugin "${driverName}" not found`,
      );
    }
    return d;
  }

  /** Docker's create: idempotent for an existing name (new labels/options ignored). */
  create(req: CreateVolumeRequest): Volume {
    const name = req.name || randomBytes(32).toString('hex');
    const existing = this.repo.get(name);
    // No driver asked for (a container's reference): an existing volume keeps its own.
    const driverName = req.driver || existing?.driver || 'local';
    const driver = this.driverFor(driverName, name);
    if (existing) {
      if (existing.driver !== driverName) {
        throw conflict(
          `create ${name}: driver '${existing.driver}' already has volume '${name}': volume name must be unique`,
        );
      }
      this.events.emit({ type: 'volume', action: 'create', id: name, attributes: { driver: driverName } });
      return existing;
    }
    const fail = (e: unknown): never => {
      throw e instanceof EngineError ? e.prefixed(`create ${name}`) : internal(`create ${name}: ${messageOf(e)}`, e);
    };
    try {
      validateLocalVolumeName(name);
      driver.validateCreate(req.driverOpts ?? null);
    } catch (e) {
      fail(e);
    }
    if (this.repo.exists(name)) {
      // A row in 'creating' state belongs to a create that has not finished (only possible
      // if a previous attempt failed half-way and was not cleaned); reconcile removes it.
      throw conflict(`create ${name}: volume is being created or removed, retry`);
    }
    const volume: Volume = {
      name,
      driver: driverName,
      labels: req.labels === undefined ? null : copyMap(req.labels),
      options: req.driverOpts === undefined ? null : copyMap(req.driverOpts),
      createdAt: Math.floor(Date.now() / 1000) * 1000,
      anonymous: req.anonymous ?? req.name === undefined,
    };
    this.repo.insertCreating(volume);
    const root = join(this.volumesDir, name);
    try {
      try {
        mkdirSync(root, { mode: 0o701 });
      } catch (e) {
        throw invalidArgument(`error while creating volume root path '${root}': ${goPathError('mkdir', root, e)}`);
      }
      const data = join(root, '_data');
      try {
        mkdirSync(data, { mode: 0o755 });
      } catch (e) {
        rmdirSync(root);
        throw invalidArgument(`error while creating volume data path '${data}': ${goPathError('mkdir', data, e)}`);
      }
      if (volume.options && Object.keys(volume.options).length > 0) {
        // Where Docker keeps a local volume's options; tools and people look for it there.
        writeFileDurable(join(root, 'opts.json'), dockerOptsJson(volume.options), 0o600);
      }
      fsyncPath(root);
      fsyncPath(this.volumesDir);
    } catch (e) {
      this.repo.delete(name);
      fail(e);
    }
    this.repo.markReady(name);
    this.log.info('volume created', { volume: name, driver: driverName });
    this.events.emit({ type: 'volume', action: 'create', id: name, attributes: { driver: driverName } });
    return volume;
  }

  inspect(name: string): Volume {
    const v = this.repo.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  find(name: string): Volume | undefined {
    return this.repo.get(name);
  }

  /** GET /volumes: filters dangling, label, driver, name (20.10 semantics). */
  list(filters: Filters): Volume[] {
    requireFilterKeys(filters, ['dangling', 'label', 'driver', 'name']);
    const dangling = boolFilter(filters, 'dangling');
    const labelTerms = filters.get('label') ?? [];
    const drivers = filters.get('driver') ?? [];
    const namePatterns = (filters.get('name') ?? []).map(toRegExp);
    const users = dangling === undefined ? undefined : this.repo.userCounts();
    return this.repo.list().filter((v) => {
      if (users && dangling !== undefined && dangling !== ((users.get(v.name) ?? 0) === 0)) return false;
      if (!matchesLabels(v.labels, labelTerms)) return false;
      if (drivers.length > 0 && !drivers.includes(v.driver)) return false;
      if (namePatterns.length > 0 && !namePatterns.some((re) => re.test(v.name))) return false;
      return true;
    });
  }

  usersOf(name: string): string[] {
    return this.repo.usersOf(name);
  }

  /** DELETE /volumes/{name}. `force` only silences "no such volume" (as in Docker). */
  async remove(name: string, force: boolean): Promise<void> {
    const v = this.repo.get(name);
    if (!v) {
      if (force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.repo.usersOf(name);
    if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
    const holders = this.repo.holdersOf(name);
    if (holders.length > 0) throw conflict(`remove ${name}: volume is in use - [${holders.join(', ')}]`);
    await this.mountLock.run(name, async () => {
      // Never delete through a mount: a bind-backed volume's _data may be the user's host directory.
      const root = join(this.volumesDir, name);
      if (mountsUnder(root).length > 0) await unmountTree(root);
      if (mountsUnder(root).length > 0) throw internal(`remove ${name}: volume is still mounted`);
      this.trashAndForget(name);
    });
    this.log.info('volume removed', { volume: name });
    this.events.emit({ type: 'volume', action: 'destroy', id: name, attributes: { driver: v.driver } });
  }

  /** Atomically detaches the directory (rename into the trash), then forgets the row. */
  private trashAndForget(name: string): void {
    const root = join(this.volumesDir, name);
    const trash = join(this.volumesDir, `${TRASH_PREFIX}${randomBytes(8).toString('hex')}`);
    if (existsSync(root)) {
      renameSync(root, trash);
      fsyncPath(this.volumesDir);
    }
    this.repo.delete(name);
    void rm(trash, { recursive: true, force: true }).catch((e: unknown) =>
      this.log.warn('trash cleanup failed', { path: trash, error: messageOf(e) }),
    );
  }

  /**
   * POST /volumes/prune. Below API 1.42 every unused local volume without
   * driver options goes; from 1.42 only anonymous ones unless all=true.
   */
  async prune(filters: Filters, apiVersion: number): Promise<PruneResult> {
    const modern = apiVersion >= 1.42;
    requireFilterKeys(filters, modern ? ['label', 'label!', 'all'] : ['label', 'label!']);
    const all = modern ? (boolFilter(filters, 'all') ?? false) : true;
    if (this.pruning) throw conflict('a prune operation is already running');
    this.pruning = true;
    try {
      const labelTerms = filters.get('label') ?? [];
      const notLabelTerms = filters.get('label!') ?? [];
      const users = this.repo.userCounts();
      const candidates = this.repo.list().filter(
        (v) =>
          v.driver === 'local' &&
          (users.get(v.name) ?? 0) === 0 &&
          this.repo.holdersOf(v.name).length === 0 &&
          (v.options === null || Object.keys(v.options).length === 0) &&
          (all || v.anonymous) &&
          matchesLabels(v.labels, labelTerms) &&
          !notLabelTerms.some((t) => labelTermMatches(v.labels, t)),
      );
      const result: PruneResult = { deleted: [], spaceReclaimed: 0 };
      for (const v of candidates) {
        const size = await apparentSize(this.dataPath(v.name));
        try {
          await this.remove(v.name, false);
        } catch (e) {
          this.log.warn('prune: could not remove volume', { volume: v.name, error: messageOf(e) });
          continue;
        }
        result.deleted.push(v.name);
        result.spaceReclaimed += size;
      }
      return result;
    } finally {
      this.pruning = false;
    }
  }

  /** Sizes and reference counts of local volumes without options (system df). */
  async usage(): Promise<VolumeUsage[]> {
    const users = this.repo.userCounts();
    const out: VolumeUsage[] = [];
    for (const v of this.repo.list()) {
      if (v.driver !== 'local' || (v.options !== null && Object.keys(v.options).length > 0)) continue;
      out.push({ volume: v, size: await apparentSize(this.dataPath(v.name)), refCount: users.get(v.name) ?? 0 });
    }
    return out;
  }

  // --- references from containers ---

  addUser(name: string, containerId: string): void {
    this.repo.addUser(name, containerId);
  }

  removeUsersOf(containerId: string): void {
    this.repo.removeUsersOf(containerId);
  }

  // --- reference-counted driver mounts ---

  /**
   * Takes a hold on the volume's data for `holder` (a container id, a backup
   * job …) and returns the host path of the data. The first hold mounts a
   * driver-backed volume; later holds only count.
   */
  async acquire(name: string, holder: string): Promise<string> {
    const v = this.inspect(name);
    const driver = this.driverFor(v.driver, name);
    if (!driver.needsMount(v.options)) return this.dataPath(name);
    return this.mountLock.run(name, async () => {
      const before = this.repo.holdersOf(name).length;
      this.repo.addHolder(name, holder);
      if (before === 0 || !driver.isMounted(this.ref(v))) {
        try {
          await driver.mount(this.ref(v));
        } catch (e) {
          this.repo.removeHolder(name, holder);
          throw e;
        }
        this.log.info('volume mounted', { volume: name, holder });
      }
      return this.dataPath(name);
    });
  }

  /** Drops `holder`'s hold; the last one unmounts. Unknown holders are ignored. */
  async release(name: string, holder: string): Promise<void> {
    const v = this.repo.get(name);
    if (!v) return;
    const driver = this.drivers.get(v.driver);
    if (!driver || !driver.needsMount(v.options)) return;
    await this.mountLock.run(name, async () => {
      const left = this.repo.removeHolder(name, holder);
      if (left === 0 && driver.isMounted(this.ref(v))) {
        await driver.unmount(this.ref(v));
        this.log.info('volume unmounted', { volume: name, holder });
      }
    });
  }

  holdersOf(name: string): string[] {
    return this.repo.holdersOf(name);
  }

  /** Drops every hold whose holder is no longer alive (start-up, after a crash). */
  async releaseStaleHolders(isLive: (holder: string) => boolean): Promise<void> {
    for (const { volume, holder } of this.repo.allHolders()) {
      if (!isLive(holder)) await this.release(volume, holder);
    }
  }
}

/** volumes/<name>/opts.json as dockerd writes it (Go field order). */
function dockerOptsJson(o: StringMap): string {
  return JSON.stringify({ MountType: o['type'] ?? '', MountOpts: o['o'] ?? '', MountDevice: o['device'] ?? '', Quota: { Size: 0 } });
}

function copyMap(m: StringMap | null): StringMap | null {
  return m === null ? null : { ...m };
}

/** Docker matches `name` filters as Go regexps; an invalid one matches nothing. */
function toRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    return /(?!)/;
  }
}
