/**
 * The backup service of an engine, made on first use. Containers are reached
 * through the engine's container and exec services; attachContainerControl
 * replaces that (tests, or another container backend).
 */
import type { Engine } from '../engine.js';
import { BackupService } from './backup-service.js';
import type { ContainerControl } from './container-control.js';
import { engineContainerControl } from './engine-control.js';

const services = new WeakMap<Engine, BackupService>();
const controls = new WeakMap<Engine, ContainerControl>();

export function attachContainerControl(engine: Engine, control: ContainerControl): void {
  controls.set(engine, control);
}

export function backupServiceFor(engine: Engine, engineVersion: string): BackupService {
  let s = services.get(engine);
  if (!s) {
    const fallback = engineContainerControl(engine);
    s = new BackupService({
      volumesDir: engine.layout.volumesDir,
      volumes: engine.volumes,
      control: () => controls.get(engine) ?? fallback,
      log: engine.log.child({ component: 'backup' }),
      engineVersion,
    });
    services.set(engine, s);
  }
  return s;
}

export { BackupService } from './backup-service.js';
export { recoverInterruptedRestores } from './restore-txn.js';
export type { ContainerControl, ContainerUse } from './container-control.js';
export { mapError, type BackupRequest } from './backup-service.js';
export { parseHook, parseQuiesce } from './quiesce.js';
export { parseCompression } from '../../backup/codecs.js';
export { parseDuration } from '../../backup/retention.js';
export type { Decryption, Encryption } from '../../backup/age.js';
