/**
 * Client of conmon's attach socket (`<bundle>/attach` with --full-attach):
 * AF_UNIX SOCK_SEQPACKET, which Node's net module cannot open (libuv makes
 * SOCK_STREAM only: EPROTOTYPE), hence the `node-unix-socket` addon.
 *
 * Frames (conmon src/conn_sock.c, ctr_stdio.c): conmon → client, one packet
 * per read of the container's stdio, byte 0 = stream (2 stdout, 3 stderr),
 * then ≤ 8192 bytes. client → conmon: raw stdin bytes (honoured only when
 * conmon runs with -i), each packet ≤ CONN_SOCK_BUF_SIZE-1 = 32767 bytes or
 * conmon truncates it; shutdown(SHUT_WR) closes the container's stdin. The
 * socket closes after the container exited, its output was drained and the
 * exit file was written.
 *
 * Terminal size goes through the `ctl` FIFO beside the socket: "1 <h> <w>\n".
 */
import { closeSync, openSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { SeqpacketSocket } from 'node-unix-socket';
import { hasCode } from '../lib/node-errors.js';
import { failedPrecondition, internal } from '../domain/errors.js';

const STREAM_STDOUT = 2;
const STREAM_STDERR = 3;
const MAX_STDIN_PACKET = 32767;
/** sun_path holds 108 bytes including the NUL. */
const SUN_PATH_MAX = 107;
/** O_PATH is not in fs.constants; 010000000 on x86-64 and arm64. */
const O_PATH = 0o10000000;

export interface Attachment {
  /** Container stdout, or the terminal's output for a TTY container. */
  readonly stdout: Readable;
  /** Container stderr (stays empty for a TTY). */
  readonly stderr: Readable;
  /** Bytes to the container's stdin; end() closes it. null unless asked for. */
  readonly stdin: Writable | null;
  /** Settles when conmon closed the connection (the process ended) or detach() was called. */
  readonly closed: Promise<void>;
  /** Drops the connection without touching the container (Docker's detach keys). */
  detach(): void;
}

type SocketCtor = new () => SeqpacketSocket;
let socketCtor: Promise<SocketCtor> | undefined;
/** Loaded on first use, so the engine still starts where the addon cannot load (it then only lacks attach). */
function loadSocket(): Promise<SocketCtor> {
  socketCtor ??= import('node-unix-socket').then((m) => m.SeqpacketSocket);
  return socketCtor;
}

/** Connects to `<dir>/attach`; long paths go through /proc/self/fd like conmon's own bind. */
async function connect(dir: string): Promise<SeqpacketSocket> {
  const Socket = await loadSocket();
  const direct = join(dir, 'attach');
  let dirFd: number | null = null;
  let path = direct;
  if (Buffer.byteLength(direct) > SUN_PATH_MAX) {
    dirFd = openSync(dir, O_PATH | constants.O_DIRECTORY);
    path = `/proc/self/fd/${dirFd}/attach`;
  }
  const sock = new Socket();
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: unknown): void => reject(e instanceof Error ? e : new Error(String(e)));
      sock.once('error', onError);
      try {
        sock.connect(path, () => {
          sock.off('error', onError);
          resolve();
        });
      } catch (e) {
        onError(e);
      }
    });
  } catch (e) {
    sock.destroy();
    const msg = e instanceof Error ? e.message : String(e);
    if (/ENOENT|ECONNREFUSED|No such file|refused/i.test(msg)) {
      throw failedPrecondition(`attach socket ${direct} is not accepting connections (is the container's conmon running?)`);
    }
    throw internal(`attach ${direct}: ${msg}`, e);
  } finally {
    if (dirFd !== null) closeSync(dirFd);
  }
  return sock;
}

export async function attachSocket(dir: string, opts: { stdin: boolean }): Promise<Attachment> {
  const sock = await connect(dir);
  const stdout = new Readable({ read() {} });
  const stderr = new Readable({ read() {} });
  let closed = false;
  let resolveClosed: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (resolveClosed = r));
  /** Write/end callbacks not yet called: released if the socket goes away under them. */
  const pending = new Set<() => void>();
  const track = (cb: (err?: Error | null) => void): (() => void) => {
    const once = (): void => {
      if (pending.delete(once)) cb();
    };
    pending.add(once);
    return once;
  };

  const finish = (err?: Error): void => {
    if (closed) return;
    closed = true;
    sock.destroy();
    if (err) {
      stdout.destroy(err);
      stderr.destroy(err);
    } else {
      stdout.push(null);
      stderr.push(null);
    }
    for (const cb of [...pending]) cb();
    resolveClosed();
  };

  sock.on('data', (buf: Buffer) => {
    if (buf.length < 1) return;
    const payload = buf.subarray(1);
    if (buf[0] === STREAM_STDOUT) stdout.push(payload);
    else if (buf[0] === STREAM_STDERR) stderr.push(payload);
  });
  sock.on('end', () => finish());
  sock.on('close', () => finish());
  sock.on('error', (e: Error) => finish(e));

  let stdin: Writable | null = null;
  if (opts.stdin) {
    stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        // After the container exited, stdin is simply gone, as with a closed pipe nobody reads.
        if (closed || chunk.length === 0) return cb();
        const once = track(cb);
        try {
          for (let off = 0; off < chunk.length; off += MAX_STDIN_PACKET) {
            const len = Math.min(MAX_STDIN_PACKET, chunk.length - off);
            sock.write(chunk, off, len, off + len >= chunk.length ? once : undefined);
          }
        } catch {
          once();
        }
      },
      final(cb) {
        if (closed) return cb();
        const once = track(cb);
        try {
          // shutdown(SHUT_WR): conmon closes the container's stdin, output keeps flowing.
          sock.end(once);
        } catch {
          once();
        }
      },
    });
  }

  return {
    stdout,
    stderr,
    stdin,
    closed: closedPromise,
    detach: () => finish(),
  };
}

/**
 * Sets the terminal size of a TTY container (or TTY exec session) through
 * conmon's ctl FIFO in `dir`. Non-blocking: fails if conmon is gone.
 */
export function resizeTerminal(dir: string, height: number, width: number): void {
  const h = Math.max(0, Math.min(1000, Math.floor(height)));
  const w = Math.max(0, Math.min(1000, Math.floor(width)));
  let fd: number;
  try {
    fd = openSync(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (hasCode(e, 'ENXIO', 'ENOENT')) throw failedPrecondition('cannot resize: the container is not running');
    throw e;
  }
  try {
    writeSync(fd, `1 ${h} ${w}\n`);
  } finally {
    closeSync(fd);
  }
}
