/**
 * The engine: owns the root directory, the state database and the services.
 * Opening it takes the root's lock and reconciles whatever a crash left.
 *
 * Layout under the root:
 *   state/ballast.db          SQLite (volumes, containers)
 *   volumes/<name>/_data      volume data, where Docker users look for it
 *   layers/, images/          image layers (content addressed) and image metadata
 *   containers/<id>/          writable layer (upper, work, merged), bundle, logs
 *   runtime/                  the OCI runtimes' state and conmon exit files
 */
import { mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { openDatabase, type Db } from '../state/database.js';
import { VolumeRepository } from '../state/volume-repository.js';
import { ContainerRepository } from '../state/container-repository.js';
import type { VolumeDriver } from '../storage/volumes/driver.js';
import { copyUp } from '../storage/volumes/tree-copy.js';
import { ContainerLayers, LayerStore } from '../storage/layers/index.js';
import { ImageService } from '../images/image-service.js';
import { ContainerRuntime, type RuntimeName } from '../runtime/runtime.js';
import { EventBus } from './events.js';
import { VolumeService } from './volumes/volume-service.js';
import { reconcileVolumes } from './volumes/reconcile.js';
import { recoverInterruptedRestores } from './backup/restore-txn.js';
import { acquireDaemonLock, type DaemonLock } from './daemon-lock.js';
import { ContainerService } from './containers/container-service.js';
import { ExecService } from './containers/exec-service.js';
import { ContainerFiles } from './containers/container-files.js';
import { CommitExportService } from './containers/commit-export.js';
import type { ImagePort } from './containers/image-port.js';
import { NetworkRepository } from '../state/network-repository.js';
import { NetworkService } from './networks/network-service.js';
import { parsePools } from '../network/subnets.js';

export interface EngineOptions {
  root: string;
  log: Logger;
  drivers: readonly VolumeDriver[];
  defaultRuntime?: RuntimeName;
}

export interface EngineLayout {
  root: string;
  volumesDir: string;
  stateDir: string;
  runtimeDir: string;
}

export function engineLayout(root: string): EngineLayout {
  return { root, volumesDir: join(root, 'volumes'), stateDir: join(root, 'state'), runtimeDir: join(root, 'runtime') };
}

export class Engine {
  readonly startedAt = new Date();

  private constructor(
    readonly layout: EngineLayout,
    readonly events: EventBus,
    private readonly db: Db,
    private readonly lock: DaemonLock,
    readonly volumes: VolumeService,
    readonly layerStore: LayerStore,
    readonly layers: ContainerLayers,
    readonly images: ImageService,
    readonly containers: ContainerService,
    readonly execs: ExecService,
    readonly files: ContainerFiles,
    private readonly runtimes: ReadonlyMap<RuntimeName, ContainerRuntime>,
    readonly log: Logger,
    readonly networks: NetworkService,
  ) {}

  static async open(opts: EngineOptions): Promise<Engine> {
    const layout = engineLayout(opts.root);
    mkdirSync(layout.root, { recursive: true, mode: 0o711 });
    const lock = await acquireDaemonLock(layout.root);
    try {
      mkdirSync(layout.volumesDir, { recursive: true, mode: 0o701 });
      chmodSync(layout.volumesDir, 0o701);
      mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
      mkdirSync(layout.runtimeDir, { recursive: true, mode: 0o700 });
      mkdirSync(join(layout.root, 'containers'), { recursive: true, mode: 0o710 });
      const db = openDatabase(join(layout.stateDir, 'ballast.db'));
      const log = opts.log;
      const drivers = new Map(opts.drivers.map((d) => [d.name, d]));
      const volumeRepo = new VolumeRepository(db);
      await recoverInterruptedRestores(layout.volumesDir, volumeRepo, log); // issue 5: before reconcile, see restore-txn.ts
      await reconcileVolumes(layout.volumesDir, volumeRepo, drivers, log);
      const containerRepo = new ContainerRepository(db);
      const events = new EventBus();
      const volumes = new VolumeService(layout.volumesDir, volumeRepo, drivers, events, log);

      const layerStore = new LayerStore(layout.root, { logger: log });
      await layerStore.init();
      const layers = new ContainerLayers(layerStore);
      const images = new ImageService({
        root: layout.root,
        layers: layerStore,
        logger: log,
        containersUsingImage: (imageId) =>
          containerRepo
            .list()
            .filter((c) => c.imageId === imageId)
            .map((c) => ({ id: c.id, running: c.state.Running })),
      });
      images.init();
      const imagePort: ImagePort = {
        resolve: async (ref) => {
          const img = images.imageForContainer(ref);
          return { id: img.id, diffIds: img.diffIds, config: { ...img.config } };
        },
      };
      const runtimes = new Map<RuntimeName, ContainerRuntime>();
      for (const name of ['crun', 'runc'] as const) {
        runtimes.set(name, new ContainerRuntime({ stateDir: layout.runtimeDir, runtime: name, logger: log }));
      }
      // Networking (issue 6). BALLAST_DEFAULT_ADDRESS_POOL takes dockerd's --default-address-pool syntax.
      const pools = process.env['BALLAST_DEFAULT_ADDRESS_POOL'];
      const networks = new NetworkService({
        root: layout.root,
        repo: new NetworkRepository(db),
        containers: containerRepo,
        events,
        log,
        ...(pools ? { pools: parsePools(pools) } : {}),
      });
      await networks.init();
      const containers = new ContainerService({
        root: layout.root,
        repo: containerRepo,
        volumes,
        layers,
        images: imagePort,
        runtimes,
        defaultRuntime: opts.defaultRuntime ?? 'crun',
        copier: { copyUp: async (src, dst) => void (await copyUp(src, dst)) },
        events,
        log,
        networks,
      });
      const execs = new ExecService(containers);
      const files = new ContainerFiles(layers, imagePort, volumes);
      const engine = new Engine(layout, events, db, lock, volumes, layerStore, layers, images, containers, execs, files, runtimes, log, networks);
      await containers.reconcile();
      await networks.reconcile();
      return engine;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  private commitExportService: CommitExportService | undefined;

  /** docker commit / docker export. */
  get commitExport(): CommitExportService {
    this.commitExportService ??= new CommitExportService({
      root: this.layout.root,
      containers: this.containers,
      layers: this.layers,
      layerStore: this.layerStore,
      images: this.images,
      events: this.events,
      log: this.log,
    });
    return this.commitExportService;
  }

  containerLayerPaths(id: string): { upper: string; work: string; merged: string } {
    return this.layers.paths(id);
  }

  async lowerDirs(id: string): Promise<string[]> {
    const chain = (await this.layers.chainOf(id)) ?? [];
    return [...chain].reverse().map((d) => this.layerStore.layout.diffDir(d));
  }

  close(): void {
    this.networks.close();
    for (const rt of this.runtimes.values()) rt.close();
    this.db.close();
    this.lock.release();
  }
}
