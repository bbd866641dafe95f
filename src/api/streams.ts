/**
 * Docker's stream framing: the 101 answer of a hijacked connection, and the
 * 8-byte multiplexing header used when there is no TTY (stream id, three zero
 * bytes, big-endian length).
 */
import type { Duplex, Readable, Writable } from 'node:stream';

export const STDOUT = 1;
export const STDERR = 2;

export function frame(stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

export function writeUpgradeHeaders(socket: Duplex, extra: Record<string, string> = {}): void {
  const lines = [
    'HTTP/1.1 101 UPGRADED',
    'Content-Type: application/vnd.docker.raw-stream',
    'Connection: Upgrade',
    'Upgrade: tcp',
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(lines.join('\r\n') + '\r\n\r\n');
}

/** Copies a stream into the socket, framed unless `raw` (TTY). Resolves at the stream's end. */
export function pump(from: Readable, to: Writable, stream: number, raw: boolean): Promise<void> {
  return new Promise((resolve) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.writable) return;
      to.write(raw ? chunk : frame(stream, Buffer.from(chunk)));
    });
    from.once('end', () => resolve());
    from.once('close', () => resolve());
    from.once('error', () => resolve());
  });
}
