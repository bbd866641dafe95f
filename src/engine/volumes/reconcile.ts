/**
 * Start-up reconciliation of volumes: finishes or undoes what a crash cut
 * short, so every volume is either fully present (row + directory) or fully
 * gone, and driver mounts match their recorded holders.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../../domain/errors.js';
import { validateLocalVolumeName } from '../../domain/volume.js';
import type { VolumeRepository } from '../../state/volume-repository.js';
import type { VolumeDriver } from '../../storage/volumes/driver.js';
import { mountsUnder } from '../../storage/mounts/mountinfo.js';
import { unmountTree } from '../../storage/mounts/mount.js';
import type { Logger } from '../../lib/logger.js';
import { TRASH_PREFIX } from './volume-service.js';

export interface ReconcileReport {
  rolledBack: string[];
  forgotten: string[];
  adopted: string[];
  trashed: number;
  remounted: string[];
  unmounted: string[];
}

export async function reconcileVolumes(
  volumesDir: string,
  repo: VolumeRepository,
  drivers: ReadonlyMap<string, VolumeDriver>,
  log: Logger,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { rolledBack: [], forgotten: [], adopted: [], trashed: 0, remounted: [], unmounted: [] };
  const known = new Set<string>();

  for (const { volume, state } of repo.listWithState()) {
    const dir = join(volumesDir, volume.name);
    if (state === 'creating') {
      // Nobody was told this volume exists: undo it.
      if (mountsUnder(dir).length > 0) await unmountTree(dir);
      rmSync(dir, { recursive: true, force: true });
      repo.delete(volume.name);
      report.rolledBack.push(volume.name);
      continue;
    }
    if (!existsSync(join(dir, '_data'))) {
      // A removal renamed the directory away and died before forgetting the row.
      repo.delete(volume.name);
      report.forgotten.push(volume.name);
      continue;
    }
    known.add(volume.name);
  }

  for (const entry of readdirSync(volumesDir)) {
    const path = join(volumesDir, entry);
    if (entry.startsWith(TRASH_PREFIX)) {
      if (mountsUnder(path).length > 0) await unmountTree(path, { lazy: true });
      rmSync(path, { recursive: true, force: true });
      report.trashed++;
      continue;
    }
    if (known.has(entry) || entry.startsWith('.')) continue;
    // A directory laid down by hand (as people do with Docker): adopt it as a plain local volume.
    try {
      validateLocalVolumeName(entry);
    } catch {
      continue;
    }
    if (!existsSync(join(path, '_data'))) continue;
    repo.insertCreating({ name: entry, driver: 'local', labels: null, options: null, createdAt: Date.now(), anonymous: false });
    repo.markReady(entry);
    report.adopted.push(entry);
  }

  // Driver mounts: mounted exactly when someone holds the volume.
  for (const v of repo.list()) {
    const driver = drivers.get(v.driver);
    if (!driver || !driver.needsMount(v.options)) continue;
    const ref = { name: v.name, dataPath: join(volumesDir, v.name, '_data'), options: v.options };
    const held = repo.holdersOf(v.name).length > 0;
    try {
      if (held && !driver.isMounted(ref)) {
        await driver.mount(ref);
        report.remounted.push(v.name);
      } else if (!held && driver.isMounted(ref)) {
        await driver.unmount(ref);
        report.unmounted.push(v.name);
      }
    } catch (e) {
      log.error('volume mount reconciliation failed', { volume: v.name, error: messageOf(e) });
    }
  }
  const changed = report.rolledBack.length + report.forgotten.length + report.adopted.length + report.trashed;
  if (changed > 0 || report.remounted.length + report.unmounted.length > 0) log.info('volumes reconciled', { ...report });
  return report;
}
