/**
 * Streaming over a hijacked attach/exec connection, like the docker CLI's
 * hijackedIOStreamer: output is demultiplexed (or copied raw with a TTY) to
 * stdout/stderr; stdin, when attached, is copied raw and followed by a
 * half-close (FIN) at EOF; without stdin the write side is half-closed at once.
 * With a TTY the local terminal is raw for the duration and the detach keys
 * (default ctrl-p,ctrl-q) end the session without stopping the container.
 */
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FrameParser, STDERR, writeAll } from '../../client/stdcopy.js';
import { setRawTerminal } from '../../client/tty.js';

export interface HijackedStreams {
  socket: Socket;
  /** Bytes that arrived with the 101 response head. */
  head: Buffer;
  tty: boolean;
  stdin?: Readable | undefined;
  stdout?: Writable | undefined;
  stderr?: Writable | undefined;
  detachKeys?: string | undefined;
}

export const DEFAULT_DETACH_KEYS = [16, 17];

/** term.ToBytes: "ctrl-p,ctrl-q" → [16, 17]; single characters stand for themselves. */
export function detachKeyBytes(keys: string): number[] {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    const k = key.trim();
    if (k.length > 1 && !k.startsWith('ctrl-')) throw new Error(`Unknown character: '${k}'`);
    if (k.startsWith('ctrl-')) {
      const c = k.slice(5);
      if (c.length !== 1) throw new Error(`Unknown character: '${k}'`);
      const code = c.toLowerCase().charCodeAt(0);
      if (code >= 97 && code <= 122) out.push(code - 97 + 1);
      else if (c === '@') out.push(0);
      else if (c === '[') out.push(27);
      else if (c === '\\') out.push(28);
      else if (c === ']') out.push(29);
      else if (c === '^') out.push(30);
      else if (c === '_') out.push(31);
      else throw new Error(`Unknown character: '${k}'`);
    } else if (k.length === 1) {
      out.push(k.charCodeAt(0));
    }
  }
  return out;
}

/** term.NewEscapeProxy: holds back a partial escape sequence, reports a complete one. */
class EscapeProxy {
  private matched = 0;

  constructor(private readonly keys: number[]) {}

  /** Returns the bytes to forward, and whether the sequence completed. */
  feed(chunk: Buffer): { data: Buffer; escaped: boolean } {
    if (this.keys.length === 0) return { data: chunk, escaped: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { data: Buffer.from(out), escaped: true };
        continue;
      }
      // Not the sequence after all: release what was held back.
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i] as number);
      this.matched = 0;
      if (b === this.keys[0]) this.matched = 1;
      else out.push(b);
    }
    return { data: Buffer.from(out), escaped: false };
  }
}

/**
 * Streams until the output ends (or, with no output attached, until stdin is
 * done), or the detach keys are typed. Resolves { detached }.
 */
export async function streamHijacked(h: HijackedStreams): Promise<{ detached: boolean }> {
  const { socket, tty } = h;
  const restore = h.stdin && tty ? setRawTerminal(h.stdin) : () => undefined;
  let cleanupInput = (): void => undefined;

  const output = (async (): Promise<void> => {
    if (!h.stdout && !h.stderr) return;
    const parser = tty
      ? undefined
      : new FrameParser((stream, payload) => pending.push([stream === STDERR ? h.stderr : h.stdout, payload]));
    const pending: Array<[Writable | undefined, Buffer]> = [];
    const handle = async (chunk: Buffer): Promise<void> => {
      if (chunk.length === 0) return;
      if (parser) parser.push(chunk);
      else pending.push([h.stdout, chunk]);
      for (const [dest, data] of pending.splice(0)) if (dest) await writeAll(dest, data);
    };
    try {
      await handle(h.head);
      for await (const chunk of socket) await handle(chunk as Buffer);
    } catch (e) {
      // A reset after the process exited is the normal end of a hijacked stream.
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    } finally {
      if (tty) restore();
    }
  })();

  const input = new Promise<'done' | 'detached'>((resolve) => {
    const stdin = h.stdin;
    if (!stdin) {
      socket.end();
      resolve('done');
      return;
    }
    let keys = DEFAULT_DETACH_KEYS;
    if (h.detachKeys) {
      try {
        keys = detachKeyBytes(h.detachKeys);
      } catch {
        keys = DEFAULT_DETACH_KEYS;
      }
    }
    const proxy = tty ? new EscapeProxy(keys) : undefined;
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const { data, escaped } = proxy ? proxy.feed(buf) : { data: buf, escaped: false };
      if (data.length > 0 && !socket.destroyed && socket.writable) {
        if (!socket.write(data)) {
          stdin.pause();
          socket.once('drain', () => stdin.resume());
        }
      }
      if (escaped) {
        cleanupInput();
        resolve('detached');
      }
    };
    const onEnd = (): void => {
      cleanupInput();
      restore();
      if (!socket.destroyed && socket.writable) socket.end();
      resolve('done');
    };
    cleanupInput = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
  });

  try {
    if (!h.stdout && !h.stderr) {
      return { detached: (await input) === 'detached' };
    }
    const first = await Promise.race([output.then(() => 'output' as const), input]);
    if (first === 'detached') {
      output.catch(() => undefined);
      return { detached: true };
    }
    if (first === 'done') await output;
    return { detached: false };
  } finally {
    cleanupInput();
    restore();
    socket.destroy();
  }
}
