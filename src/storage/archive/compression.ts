/**
 * Compression detection by magic bytes and streaming decompression. gzip is
 * done in-process (zlib); zstd, xz and bzip2 go through their command-line
 * tools, the way Docker's archive package does for xz.
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b && b(2) === 0x08) return 'gzip';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  return 'none';
}

/** Read enough of a stream to look at its first bytes, then hand back an equivalent stream. */
export async function peek(
  source: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const c = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
    chunks.push(c);
    have += c.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
      }
    } finally {
      // Early exit of the consumer closes the source too.
      if (it.return) await it.return();
    }
  }
  return { head: head.subarray(0, n), stream: replay() };
}

const TOOLS: Record<Exclude<Compression, 'none' | 'gzip'>, [string, string[]]> = {
  zstd: ['zstd', ['-d', '-c', '-q']],
  xz: ['xz', ['-d', '-c', '-q']],
  bzip2: ['bzip2', ['-d', '-c', '-q']],
};

/** Decompress (if compressed) into a plain byte stream. */
export async function decompress(
  source: AsyncIterable<Uint8Array>,
): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const { head, stream } = await peek(source, 6);
  const compression = detectCompression(head);
  if (compression === 'none') return { compression, stream };
  const input = Readable.from(stream, { objectMode: false });
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    const out = new PassThrough();
    pipeline(input, gunzip, out).catch((e: unknown) => out.destroy(asError(e)));
    return { compression, stream: out };
  }
  return { compression, stream: throughTool(input, ...TOOLS[compression]) };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/** Pipe a stream through a filter program; its failure becomes a stream error. */
export function throughTool(input: Readable, cmd: string, args: string[]): Readable {
  const out = new PassThrough();
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  let failed = false;
  const fail = (e: Error): void => {
    if (failed) return;
    failed = true;
    out.destroy(e);
    input.destroy();
    child.kill('SIGKILL');
  };
  child.on('error', (e) => fail(new Error(`${cmd}: ${e.message}`)));
  child.stdin.on('error', () => {
    /* EPIPE when the tool exits early; the exit status reports it */
  });
  input.on('error', (e) => fail(e));
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  let stdoutDone = false;
  let exit: number | null | undefined;
  const maybeEnd = (): void => {
    if (!stdoutDone || exit === undefined || failed) return;
    if (exit === 0) out.end();
    else fail(new Error(`${cmd}: ${Buffer.concat(stderr).toString('utf8').trim() || `exit status ${exit}`}`));
  };
  child.stdout.on('end', () => {
    stdoutDone = true;
    maybeEnd();
  });
  child.on('close', (code) => {
    exit = code;
    maybeEnd();
  });
  out.on('close', () => {
    if (exit === undefined) child.kill('SIGKILL');
  });
  return out;
}
