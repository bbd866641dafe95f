/**
 * conmon's k8s-file log: one record per line,
 *   <RFC3339Nano with offset> <stdout|stderr> <F|P> <bytes>
 * F = the container wrote a full line (its "\n" was stripped), P = a partial
 * chunk (no newline to add back). TTY output is all "stdout". This is what
 * `docker logs` reads, with --timestamps, --since/--until and -f.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { hasCode } from '../lib/node-errors.js';

export interface LogRecord {
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  stream: 'stdout' | 'stderr';
  /** True for a chunk without a trailing newline. */
  partial: boolean;
  /** The bytes the container wrote, newline included for full lines. */
  data: Buffer;
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 with up to nanosecond precision → ns since the epoch; null if malformed. */
export function parseRfc3339Nano(ts: string): bigint | null {
  const m = TS_RE.exec(ts);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  let offsetMin = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const seconds = BigInt(ms / 1000 - offsetMin * 60);
  return seconds * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
}

/** ns since the epoch → "2006-01-02T15:04:05.999999999Z" (Go's RFC3339Nano: trailing zeros trimmed). */
export function formatRfc3339Nano(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const f = frac.toString().padStart(9, '0').replace(/0+$/, '');
  return f ? `${base}.${f}Z` : `${base}Z`;
}

/** Parses one line (without its "\n"); null for a malformed line. */
export function parseLogLine(line: Buffer): LogRecord | null {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return null;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return null;
  const s3 = line.indexOf(0x20, s2 + 1);
  const timeNs = parseRfc3339Nano(line.subarray(0, s1).toString('latin1'));
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  // An empty full line is written as "<ts> stdout F" with nothing after the tag.
  const tag = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString('latin1');
  if (timeNs === null || (stream !== 'stdout' && stream !== 'stderr') || (tag !== 'F' && tag !== 'P')) return null;
  const content = s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1);
  const partial = tag === 'P';
  return { timeNs, stream, partial, data: partial ? Buffer.from(content) : Buffer.concat([content, Buffer.from('\n')]) };
}

export interface ReadLogOptions {
  /** Keep reading as the file grows (docker logs -f). */
  follow?: boolean;
  /**
   * With follow: settles when no more output can come (the container exited
   * and conmon drained its stdio); the reader then drains the file and ends.
   */
  until?: Promise<unknown>;
  signal?: AbortSignal;
  /** Poll period while following, in addition to fs.watch. */
  pollMs?: number;
}

/**
 * Reads the log from the start. A missing file yields nothing (no output yet,
 * or logging off). Survives conmon's rotation (--log-size-max renames a new
 * file over the old one) by reopening when the path's inode changes.
 */
export async function* readLog(path: string, opts: ReadLogOptions = {}): AsyncGenerator<LogRecord> {
  const pollMs = opts.pollMs ?? 250;
  let fh: FileHandle | null = null;
  let ino = -1;
  let offset = 0;
  let rest = Buffer.alloc(0);
  let finished = false;
  let wake: (() => void) | null = null;
  const kick = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  void opts.until?.then(
    () => {
      finished = true;
      kick();
    },
    () => {
      finished = true;
      kick();
    },
  );
  const onAbort = (): void => kick();
  opts.signal?.addEventListener('abort', onAbort);
  let watcher: FSWatcher | null = null;

  const reopen = async (): Promise<boolean> => {
    try {
      const next = await open(path, 'r');
      const st = await next.stat();
      await fh?.close();
      watcher?.close();
      watcher = null;
      fh = next;
      ino = st.ino;
      offset = 0;
      rest = Buffer.alloc(0);
      return true;
    } catch (e) {
      if (hasCode(e, 'ENOENT')) return false;
      throw e;
    }
  };

  try {
    await reopen();
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      if (opts.signal?.aborted) return;
      // Drain what is there.
      if (fh) {
        for (;;) {
          const handle: FileHandle = fh;
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          let data = Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
          let nl: number;
          while ((nl = data.indexOf(0x0a)) >= 0) {
            const rec = parseLogLine(data.subarray(0, nl));
            data = data.subarray(nl + 1);
            if (rec) yield rec;
          }
          rest = Buffer.from(data);
        }
      }
      if (!opts.follow || opts.signal?.aborted) return;
      if (finished) {
        // One last look: the writer may have appended between our read and its exit.
        if (fh) {
          const handle: FileHandle = fh;
          const st = await handle.stat();
          if (st.size > offset) continue;
        }
        return;
      }
      // Rotated or truncated? Then start over on the new file.
      try {
        const st = await stat(path);
        if (st.ino !== ino || st.size < offset) {
          if (fh) {
            const handle: FileHandle = fh;
            const old = await handle.stat();
            if (old.size > offset) continue; // finish the old file first
          }
          await reopen();
          continue;
        }
      } catch (e) {
        if (!hasCode(e, 'ENOENT')) throw e;
      }
      watcher ??= tryWatch(path, kick);
      await new Promise<void>((resolve) => {
        const t = setTimeout(kick, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    // Assigned inside closures, which TypeScript's narrowing does not see.
    (watcher as FSWatcher | null)?.close();
    await (fh as FileHandle | null)?.close();
  }
}

function tryWatch(path: string, onChange: () => void): FSWatcher | null {
  try {
    const w = watch(path, { persistent: false }, () => onChange());
    w.on('error', () => w.close());
    return w;
  } catch {
    return null; // the file does not exist yet: polling covers it
  }
}
