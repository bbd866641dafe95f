/**
 * Where a backup's manifest is computed: in-process for CRC-32 (the cheaper
 * path on a busy machine), in a worker thread for SHA-256 (the main thread
 * hands it copies of the stream in ~1 MiB batches, transferred, and keeps it
 * at most 64 MiB behind, so memory stays bounded).
 */
import { Worker } from 'node:worker_threads';
import { UnsafeArchiveError } from './safety.js';
import { ArchiveFormatError } from './tar-blocks.js';
import { TapCore, type TapInit, type TapResult } from './tap-core.js';
import type { TapMessage } from './tap-worker.js';

export type { TapResult } from './tap-core.js';

export interface Tap {
  /** Members seen so far (progress). */
  readonly entries: number;
  push(chunk: Buffer): Promise<void>;
  end(): Promise<TapResult>;
  abort(): Promise<void>;
}

export function createTap(init: TapInit): Tap {
  return init.checksum === 'sha256' ? new WorkerTap(init) : new InlineTap(init);
}

class InlineTap implements Tap {
  private readonly core: TapCore;
  constructor(init: TapInit) {
    this.core = new TapCore(init);
  }
  get entries(): number {
    return this.core.members;
  }
  async push(chunk: Buffer): Promise<void> {
    this.core.push(chunk);
  }
  async end(): Promise<TapResult> {
    return this.core.finish();
  }
  async abort(): Promise<void> {
    this.core.close();
  }
}

const BATCH = 1 << 20;
const MAX_BEHIND = 64 << 20;

class WorkerTap implements Tap {
  private readonly worker: Worker;
  private readonly result: Promise<TapResult>;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private posted = 0;
  private acked = 0;
  private waiter: (() => void) | undefined;
  private settled = false;
  /** Members the worker has seen so far (for progress). */
  entries = 0;

  constructor(init: TapInit) {
    this.worker = new Worker(new URL('./tap-worker.js', import.meta.url), { workerData: init });
    this.result = new Promise<TapResult>((resolve, reject) => {
      this.worker.on('message', (m: TapMessage) => {
        if (m.type === 'ack') {
          this.acked = m.bytes;
          this.entries = m.entries;
          this.wake();
        } else if (m.type === 'result') {
          this.settled = true;
          this.wake();
          resolve({ entries: m.entries, files: m.files, bytes: m.bytes, eofAt: m.eofAt });
        } else {
          this.settled = true;
          this.wake();
          reject(m.name === 'UnsafeArchiveError' ? new UnsafeArchiveError(m.message) : new ArchiveFormatError(m.message));
        }
      });
      this.worker.on('error', (e) => {
        this.settled = true;
        this.wake();
        reject(e);
      });
      this.worker.on('exit', (code) => {
        if (this.settled) return;
        this.settled = true;
        this.wake();
        reject(new Error(`tap worker exited (${code})`));
      });
    });
    this.result.catch(() => undefined);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private flush(): void {
    if (this.batchBytes === 0) return;
    // A fresh buffer of its own (never the shared pool) so it can be transferred.
    const buf = new Uint8Array(this.batchBytes);
    let off = 0;
    for (const b of this.batch) {
      buf.set(b, off);
      off += b.length;
    }
    this.batch = [];
    this.batchBytes = 0;
    this.posted += buf.length;
    this.worker.postMessage(buf, [buf.buffer]);
  }

  /** Queues a copy of `chunk`; waits while the worker is too far behind. */
  async push(chunk: Buffer): Promise<void> {
    if (this.settled) {
      await this.result;
      return;
    }
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= BATCH) this.flush();
    while (!this.settled && this.posted - this.acked > MAX_BEHIND) {
      await new Promise<void>((r) => (this.waiter = r));
    }
    if (this.settled) await this.result;
  }

  /** Everything was pushed: the worker's totals (and its error, if it found one). */
  async end(): Promise<TapResult> {
    this.flush();
    if (!this.settled) this.worker.postMessage({ type: 'end' });
    try {
      return await this.result;
    } finally {
      await this.worker.terminate();
    }
  }

  async abort(): Promise<void> {
    this.settled = true;
    this.wake();
    await this.worker.terminate();
  }
}
