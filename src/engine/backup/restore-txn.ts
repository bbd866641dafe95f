/**
 * Atomic replacement of a volume's data, safe against kill -9 at any point.
 *
 * Layout, all inside <root>/volumes (one filesystem, so renames are atomic):
 *   .restore-<id>.json   the journal (durable: temp + fsync + rename)
 *   .restore-<id>/data   the new data, extracted and verified here
 *   .restore-<id>/old    the previous _data, moved aside during the swap
 *
 * Steps: journal "extracting" → extract + verify → (journal "created" before
 * creating a missing volume) → syncfs → journal "swapping" → rename _data to
 * old → rename data to _data → delete the journal. Deleting the journal is
 * the commit point; only then is the caller told it worked.
 *
 * Start-up recovery (recoverInterruptedRestores, run before volume
 * reconciliation, which would otherwise forget a volume whose _data is
 * momentarily gone) rolls every journal that is still there back: the old
 * data returns to _data, a volume the restore created is removed again,
 * staging is deleted. Leftovers without a journal (committed restores whose
 * cleanup was cut short, snapshots) are deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../../domain/errors.js';
import { fsyncPath, renameDurable, writeFileDurable } from '../../lib/durable.js';
import { run } from '../../lib/exec.js';
import type { Logger } from '../../lib/logger.js';
import type { VolumeRepository } from '../../state/volume-repository.js';
import { mountsUnder } from '../../storage/mounts/mountinfo.js';
import { unmountTree } from '../../storage/mounts/mount.js';

export const RESTORE_PREFIX = '.restore-';
export const SNAPSHOT_PREFIX = '.snapshot-';
/** Holders recorded in the volume repository by backup jobs start with this. */
export const HOLDER_PREFIX = 'ballast-backup:';

interface Journal {
  readonly id: string;
  readonly phase: 'extracting' | 'created' | 'swapping';
  readonly volume?: string;
  /** The volume did not exist before this restore. */
  readonly created?: boolean;
}

/** Removes a volume that a rolled-back restore had created (row and directory). */
export type ForgetVolume = (name: string) => Promise<void>;

export class RestoreTxn {
  private journal: Journal;
  private done = false;

  private constructor(
    private readonly volumesDir: string,
    readonly id: string,
  ) {
    this.journal = { id, phase: 'extracting' };
  }

  /** Writes the journal and makes an empty staging directory. */
  static begin(volumesDir: string): RestoreTxn {
    const txn = new RestoreTxn(volumesDir, randomBytes(8).toString('hex'));
    txn.write();
    mkdirSync(txn.staging, { mode: 0o700 });
    return txn;
  }

  get staging(): string {
    return join(this.volumesDir, `${RESTORE_PREFIX}${this.id}`);
  }

  private get journalPath(): string {
    return join(this.volumesDir, `${RESTORE_PREFIX}${this.id}.json`);
  }

  private write(): void {
    writeFileDurable(this.journalPath, JSON.stringify(this.journal));
  }

  /** Call before creating a volume that did not exist: a rollback removes it again. */
  willCreate(volume: string): void {
    this.journal = { ...this.journal, phase: 'created', volume, created: true };
    this.write();
  }

  /**
   * Puts `newData` (a directory inside staging) in place of the volume's
   * _data. Does not commit: call commit() when everything else is done.
   */
  async swap(volume: string, newData: string): Promise<void> {
    // New data durable before it becomes the volume: syncfs on the volumes filesystem.
    const s = await run('sync', ['-f', newData]);
    if (s.code !== 0) throw new Error(`sync: ${s.stderr.trim()}`);
    const data = join(this.volumesDir, volume, '_data');
    this.journal = { ...this.journal, phase: 'swapping', volume };
    this.write();
    const old = join(this.staging, 'old');
    renameDurable(data, old);
    renameDurable(newData, data);
  }

  /** The commit point: the journal goes, the old data is deleted in the background. */
  commit(log: Logger): void {
    if (this.done) return;
    unlinkSync(this.journalPath);
    fsyncPath(this.volumesDir);
    this.done = true;
    const staging = this.staging;
    void rm(staging, { recursive: true, force: true }).catch((e: unknown) =>
      log.warn('restore cleanup failed', { path: staging, error: messageOf(e) }),
    );
  }

  /** Rolls back whatever was done (the same steps as start-up recovery). */
  async abort(forget: ForgetVolume, log: Logger): Promise<void> {
    if (this.done) return;
    this.done = true;
    await rollBack(this.volumesDir, this.journal, forget, log);
  }
}

async function rollBack(volumesDir: string, j: Journal, forget: ForgetVolume, log: Logger): Promise<void> {
  const staging = join(volumesDir, `${RESTORE_PREFIX}${j.id}`);
  if (j.volume !== undefined) {
    const data = join(volumesDir, j.volume, '_data');
    const old = join(staging, 'old');
    if (existsSync(old)) {
      if (existsSync(data)) renameSync(data, join(staging, 'rolled-back'));
      renameDurable(old, data);
      log.warn('restore rolled back', { volume: j.volume });
    }
    if (j.created) {
      try {
        await forget(j.volume);
      } catch (e) {
        log.error('could not remove the volume of a rolled-back restore', { volume: j.volume, error: messageOf(e) });
      }
    }
  }
  if (existsSync(staging)) {
    if (mountsUnder(staging).length > 0) await unmountTree(staging, { lazy: true });
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(join(volumesDir, `${RESTORE_PREFIX}${j.id}.json`), { force: true });
  fsyncPath(volumesDir);
}

export interface RecoveryReport {
  readonly rolledBack: string[];
  readonly removed: number;
}

/**
 * Start-up: undo restores a crash interrupted, drop leftovers and stale
 * holds of backup jobs. Must run before reconcileVolumes.
 */
export async function recoverInterruptedRestores(
  volumesDir: string,
  repo: VolumeRepository,
  log: Logger,
): Promise<RecoveryReport> {
  const report = { rolledBack: [] as string[], removed: 0 };
  if (!existsSync(volumesDir)) return report;
  const forget: ForgetVolume = async (name) => {
    const dir = join(volumesDir, name);
    if (existsSync(dir)) {
      if (mountsUnder(dir).length > 0) await unmountTree(dir, { lazy: true });
      // Into the volume service's trash (".trash-…"): reconciliation deletes it.
      renameSync(dir, join(volumesDir, `.trash-${randomBytes(8).toString('hex')}`));
    }
    repo.delete(name);
  };
  const names = readdirSync(volumesDir);
  for (const n of names) {
    if (!n.startsWith(RESTORE_PREFIX) || !n.endsWith('.json') || n.includes('.tmp-')) continue;
    let j: Journal;
    try {
      j = JSON.parse(readFileSync(join(volumesDir, n), 'utf8')) as Journal;
    } catch {
      // A torn journal cannot exist (durable writes), but never let one stop the daemon.
      rmSync(join(volumesDir, n), { force: true });
      continue;
    }
    await rollBack(volumesDir, j, forget, log);
    report.rolledBack.push(j.volume ?? j.id);
  }
  for (const n of readdirSync(volumesDir)) {
    const p = join(volumesDir, n);
    const stale =
      (n.startsWith(RESTORE_PREFIX) && !existsSync(`${p}.json`) && !n.endsWith('.json')) ||
      n.startsWith(SNAPSHOT_PREFIX) ||
      // writeFileDurable's temporary name for a journal
      (n.startsWith(`.${RESTORE_PREFIX}`) && n.includes('.tmp-'));
    if (!stale) continue;
    if (mountsUnder(p).length > 0) await unmountTree(p, { lazy: true });
    rmSync(p, { recursive: true, force: true });
    report.removed++;
  }
  for (const { volume, holder } of repo.allHolders()) {
    if (holder.startsWith(HOLDER_PREFIX)) repo.removeHolder(volume, holder);
  }
  if (report.rolledBack.length + report.removed > 0) log.info('interrupted restores recovered', { ...report });
  return report;
}
