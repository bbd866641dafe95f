/**
 * Waiting for conmon's exit files (`<exitDir>/<id>`, decimal, no newline,
 * written atomically by rename). fs.watch on the directory gives ~1 ms
 * latency; inotify can still drop events (queue overflow, a watch armed after
 * the rename), so every waiter re-checks once right after arming and a slow
 * poll re-checks all waiters. The poll also asks a liveness callback, so a
 * waiter learns when its supervisor died without writing a file (conmon
 * SIGKILLed): that resolves as "exit code unknown" instead of hanging forever.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCode } from '../lib/node-errors.js';

export interface ExitRecord {
  /** Decimal exit code; 128+n after signal n. -1 when unknown (supervisor died). */
  exitCode: number;
  /** The exit file's mtime: when conmon recorded the exit. */
  finishedAt: Date;
  /** True when the code is not from an exit file. */
  unknown: boolean;
}

/** Reads `<dir>/<name>`; null when the file does not exist (yet). */
export async function readExitFile(dir: string, name: string): Promise<ExitRecord | null> {
  const path = join(dir, name);
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const code = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(code)) return null; // never torn (rename), but be strict
    return { exitCode: code, finishedAt: st.mtime, unknown: false };
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return null;
    throw e;
  }
}

interface Waiter {
  name: string;
  /** false = the supervisor is gone (checked only on polls). */
  alive?: () => boolean | Promise<boolean>;
  resolve: (r: ExitRecord) => void;
  reject: (e: unknown) => void;
  checking: boolean;
  /** An event arrived during a check: look again when it finishes. */
  again: boolean;
  done: boolean;
}

export interface ExitWatcherOptions {
  pollMs?: number;
}

export class ExitWatcher {
  private readonly waiters = new Set<Waiter>();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly pollMs: number;

  constructor(
    readonly dir: string,
    opts: ExitWatcherOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
  }

  /**
   * Resolves when `<dir>/<name>` exists. `alive` is consulted on polls; when
   * it says the supervisor is gone and still no file exists, the exit code is
   * reported as unknown (-1).
   */
  wait(name: string, opts: { alive?: () => boolean | Promise<boolean>; signal?: AbortSignal } = {}): Promise<ExitRecord> {
    return new Promise<ExitRecord>((resolve, reject) => {
      const waiter: Waiter = {
        name,
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
        checking: false,
        again: false,
        done: false,
      };
      if (opts.alive) waiter.alive = opts.alive;
      const onAbort = (): void => waiter.reject(opts.signal?.reason ?? new Error('aborted'));
      const cleanup = (): void => {
        waiter.done = true;
        this.waiters.delete(waiter);
        opts.signal?.removeEventListener('abort', onAbort);
        if (this.waiters.size === 0) this.stop();
      };
      if (opts.signal?.aborted) {
        reject(opts.signal.reason ?? new Error('aborted'));
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.arm();
      // The file may have appeared before the watch was armed.
      void this.check(waiter, false);
    });
  }

  private arm(): void {
    if (!this.watcher) {
      try {
        this.watcher = watch(this.dir, (_event, filename) => {
          const name = filename?.toString();
          for (const w of this.waiters) if (!name || name === w.name || name.startsWith(`${w.name}.`)) void this.check(w, false);
        });
        this.watcher.on('error', () => {
          // The directory went away or the watch broke: polling carries on and re-arms.
          this.watcher?.close();
          this.watcher = null;
        });
      } catch {
        this.watcher = null; // no directory (yet): polling carries on and re-arms
      }
    }
    if (!this.timer) {
      this.timer = setInterval(() => {
        if (!this.watcher) this.arm();
        for (const w of this.waiters) void this.check(w, true);
      }, this.pollMs);
    }
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(w: Waiter, poll: boolean): Promise<void> {
    if (w.done) return;
    if (w.checking) {
      if (!poll) w.again = true;
      return;
    }
    w.checking = true;
    try {
      const rec = await readExitFile(this.dir, w.name);
      if (rec) return w.resolve(rec);
      if (poll && w.alive && !(await w.alive())) {
        // conmon writes the file before it exits: a second look settles the race.
        const again = await readExitFile(this.dir, w.name);
        w.resolve(again ?? { exitCode: -1, finishedAt: new Date(), unknown: true });
      }
    } catch (e) {
      w.reject(e);
    } finally {
      w.checking = false;
    }
    if (w.again && !w.done) {
      w.again = false;
      await this.check(w, false);
    }
  }

  /** Rejects every waiter and stops watching. */
  close(): void {
    for (const w of [...this.waiters]) w.reject(new Error('exit watcher closed'));
    this.stop();
  }
}
