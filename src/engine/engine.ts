/**
 * The engine: owns the root directory, the state database and the services.
 * Opening it takes the root's lock and reconciles whatever a crash left.
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { openDatabase, type Db } from '../state/database.js';
import { VolumeRepository } from '../state/volume-repository.js';
import type { VolumeDriver } from '../storage/volumes/driver.js';
import { EventBus } from './events.js';
import { VolumeService } from './volumes/volume-service.js';
import { reconcileVolumes } from './volumes/reconcile.js';
import { acquireDaemonLock, type DaemonLock } from './daemon-lock.js';

export interface EngineOptions {
  root: string;
  log: Logger;
  drivers: readonly VolumeDriver[];
}

export interface EngineLayout {
  root: string;
  volumesDir: string;
  stateDir: string;
}

export function engineLayout(root: string): EngineLayout {
  return { root, volumesDir: join(root, 'volumes'), stateDir: join(root, 'state') };
}

export class Engine {
  readonly events = new EventBus();
  readonly volumes: VolumeService;
  readonly startedAt = new Date();

  private constructor(
    readonly layout: EngineLayout,
    private readonly db: Db,
    private readonly lock: DaemonLock,
    drivers: ReadonlyMap<string, VolumeDriver>,
    readonly log: Logger,
  ) {
    this.volumes = new VolumeService(layout.volumesDir, new VolumeRepository(db), drivers, this.events, log);
  }

  static async open(opts: EngineOptions): Promise<Engine> {
    const layout = engineLayout(opts.root);
    mkdirSync(layout.root, { recursive: true, mode: 0o711 });
    const lock = await acquireDaemonLock(layout.root);
    try {
      mkdirSync(layout.volumesDir, { recursive: true, mode: 0o701 });
      chmodSync(layout.volumesDir, 0o701);
      mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
      const db = openDatabase(join(layout.stateDir, 'ballast.db'));
      const drivers = new Map(opts.drivers.map((d) => [d.name, d]));
      await reconcileVolumes(layout.volumesDir, new VolumeRepository(db), drivers, opts.log);
      return new Engine(layout, db, lock, drivers, opts.log);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  close(): void {
    this.db.close();
    this.lock.release();
  }
}
