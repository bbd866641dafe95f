/**
 * Per-volume exclusion between backup jobs: any number of readers (backup,
 * export, clone source) or one writer (restore, import, clone target).
 * Conflicts fail fast instead of queueing: a restore that waits behind an
 * hour-long backup is not what anyone asked for.
 */
import { conflict } from '../../domain/errors.js';

export class VolumeLocks {
  private readonly readers = new Map<string, number>();
  private readonly writers = new Set<string>();

  shared(name: string): () => void {
    if (this.writers.has(name)) throw conflict(`volume ${name} is being restored or imported`);
    this.readers.set(name, (this.readers.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.readers.get(name) ?? 1) - 1;
      if (n <= 0) this.readers.delete(name);
      else this.readers.set(name, n);
    };
  }

  exclusive(name: string): () => void {
    if (this.writers.has(name)) throw conflict(`volume ${name} is being restored or imported`);
    if ((this.readers.get(name) ?? 0) > 0) throw conflict(`volume ${name} is being backed up or exported`);
    this.writers.add(name);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.writers.delete(name);
    };
  }
}
