/**
 * Demultiplexing of Docker's non-TTY stream framing (attach, exec, logs): each
 * frame is an 8-byte header `[stream, 0, 0, 0, len uint32 BE]` and `len` bytes
 * of payload. Stream 1 is stdout, 2 stderr, 0 stdin (written to stdout, as
 * moby's stdcopy does) and 3 an error from the daemon that ends the stream.
 * Frames may be split across chunks and chunks may hold several frames.
 */
import type { Readable, Writable } from 'node:stream';

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;

const HEADER = 8;

/** moby's stdcopy errors, worded the same. */
export class StdCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StdCopyError';
  }
}

export type FrameSink = (stream: number, payload: Buffer) => void;

/** Incremental frame parser: feed chunks with push(); it calls `sink` per complete frame. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length < HEADER) return;
      const stream = this.pending[0] as number;
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) return;
      const payload = this.pending.subarray(HEADER, HEADER + size);
      this.pending = this.pending.subarray(HEADER + size);
      if (stream > SYSTEMERR) throw new StdCopyError(`Unrecognized input header: ${stream}`);
      if (stream === SYSTEMERR) throw new StdCopyError(`error from daemon in stream: ${payload.toString('utf8')}`);
      if (size > 0) this.sink(stream, payload);
    }
  }

  /** Bytes of an unfinished frame left when the stream ended (moby ignores them). */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Writes and waits for 'drain' when the destination buffers too much. */
export function writeAll(dest: Writable, data: Buffer): Promise<void> | undefined {
  if (dest.write(data)) return undefined;
  return new Promise((resolve) => dest.once('drain', () => resolve()));
}

/**
 * Copies a multiplexed stream to stdout/stderr until it ends (moby `stdcopy.StdCopy`).
 * A writer may be undefined: that stream's payload is dropped.
 */
export async function stdCopy(src: Readable, stdout: Writable | undefined, stderr: Writable | undefined): Promise<void> {
  const frames: Array<[number, Buffer]> = [];
  const parser = new FrameParser((stream, payload) => frames.push([stream, payload]));
  for await (const chunk of src) {
    parser.push(chunk as Buffer);
    for (const [stream, payload] of frames.splice(0)) {
      const dest = stream === STDERR ? stderr : stdout;
      if (dest) await writeAll(dest, payload);
    }
  }
}

/** Copies a raw (TTY) stream to one writer until it ends. */
export async function rawCopy(src: Readable, dest: Writable | undefined): Promise<void> {
  for await (const chunk of src) {
    if (dest) await writeAll(dest, chunk as Buffer);
  }
}
