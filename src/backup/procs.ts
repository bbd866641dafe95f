/**
 * Native process pipelines with real pipes between them, the way a shell
 * builds `tar | zstd | age`. Node's own 'pipe' stdio are socketpairs that the
 * data would have to cross through JS; here the bytes go from process to
 * process in the kernel, and Node only starts, watches and reaps.
 *
 * Node has no pipe(2): a FIFO opened read-write (which never blocks on Linux)
 * lets us open both ends without blocking, then the name is unlinked.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, read, rmSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/exec.js';

export interface Pipe {
  readonly read: number;
  readonly write: number;
}

let fifoDir: string | undefined;
let fifoSeq = 0;

export async function makePipe(): Promise<Pipe> {
  return (await makePipes(1))[0] as Pipe;
}

/** Several pipes for one mkfifo process (spawning is the expensive part). */
export async function makePipes(n: number): Promise<Pipe[]> {
  if (fifoDir === undefined) fifoDir = mkdtempSync(join(tmpdir(), 'ballast-pipes-'));
  const dir = fifoDir;
  const paths = Array.from({ length: n }, () => join(dir, `p${process.pid}-${fifoSeq++}`));
  const r = await run('mkfifo', ['-m', '600', ...paths]);
  if (r.code !== 0) {
    paths.forEach((p) => rmSync(p, { force: true }));
    throw new Error(`mkfifo: ${r.stderr.trim()}`);
  }
  const out: Pipe[] = [];
  try {
    for (const path of paths) {
      const rw = openSync(path, 'r+');
      const write = openSync(path, 'w');
      const read = openSync(path, 'r');
      closeSync(rw);
      out.push({ read, write });
    }
    return out;
  } catch (e) {
    for (const p of out) {
      closeFd(p.read);
      closeFd(p.write);
    }
    throw e;
  } finally {
    paths.forEach((p) => rmSync(p, { force: true }));
  }
}

/**
 * Raises pipes to 1 MiB (F_SETPIPE_SZ; Node cannot call fcntl, perl can):
 * fewer, fuller reads and writes. Best effort: 64 KiB pipes work too.
 */
export async function enlargePipes(fds: readonly number[]): Promise<void> {
  if (fds.length === 0) return;
  // F_SETPIPE_SZ = 1031. (A "my" variable exists from the next statement on: two statements.)
  const script = `for my $fd (3..${2 + fds.length}) { open(my $h, '>&=', $fd) or next; fcntl($h, 1031, 1048576); }`;
  await new Promise<void>((resolve) => {
    const child = spawn('perl', ['-e', script], { stdio: ['ignore', 'ignore', 'ignore', ...fds] });
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}

/**
 * Reads a pipe in big pieces (up to 1 MiB, what an enlarged pipe holds) in
 * the thread pool: a thousand reads per GiB instead of sixteen thousand 64 KiB
 * stream reads. A read parks a pool thread only while the process on the
 * other end is slow; that process never waits for the pool, so it cannot
 * deadlock (a busy daemon may want UV_THREADPOOL_SIZE above the default 4).
 */
export async function* readPipe(fd: number, size = 1 << 20): AsyncGenerator<Buffer> {
  for (;;) {
    const buf = Buffer.allocUnsafeSlow(size);
    const n = await new Promise<number>((resolve, reject) => read(fd, buf, 0, size, null, (e, bytes) => (e ? reject(e) : resolve(bytes))));
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

/** Writes all of `buf` to a pipe or file, in the thread pool (blocking pipes take it whole). */
export async function writeAll(fd: number, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    off += await new Promise<number>((resolve, reject) =>
      write(fd, buf, off, buf.length - off, null, (e, n) => (e ? reject(e) : resolve(n))),
    );
  }
}

export function closeFd(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/**
 * Descriptors this process opened for a pipeline. Each is closed exactly once:
 * closing a number twice could close whatever reused it in between.
 */
export class OwnedFds {
  private readonly fds = new Set<number>();

  add(...fds: number[]): void {
    for (const fd of fds) this.fds.add(fd);
  }

  async pipe(): Promise<Pipe> {
    return (await this.pipes(1))[0] as Pipe;
  }

  async pipes(n: number): Promise<Pipe[]> {
    const ps = await makePipes(n);
    for (const p of ps) this.add(p.read, p.write);
    return ps;
  }

  /** Closes fd if it is ours (and still open). */
  close(fd: number): void {
    if (!this.fds.delete(fd)) return;
    closeFd(fd);
  }

  /** fd now belongs to someone else (a Socket that will close it). */
  release(fd: number): void {
    this.fds.delete(fd);
  }

  closeAll(): void {
    for (const fd of this.fds) closeFd(fd);
    this.fds.clear();
  }
}

export class StageError extends Error {
  constructor(
    readonly stage: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(`${stage}: ${stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`)}`);
    this.name = 'StageError';
  }
}

export interface Stage {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code when it is one of okCodes; rejects with StageError otherwise. */
  readonly done: Promise<number>;
  stderrText(): string;
}

export interface StageOptions {
  /** Exit codes that count as success (default [0]). */
  okCodes?: readonly number[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts one process; stderr is captured (capped) for error messages. */
export function startStage(name: string, cmd: string, args: readonly string[], stdio: StdioOptions, opts: StageOptions = {}): Stage {
  const io = Array.isArray(stdio) ? [...stdio] : [stdio, stdio, stdio];
  if (io[2] === undefined || io[2] === 'inherit') io[2] = 'pipe';
  const child = spawn(cmd, args, { stdio: io as StdioOptions, env: opts.env ?? process.env, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    if (err.length < 64 * 1024) err += b.toString('utf8');
  });
  const ok = opts.okCodes ?? [0];
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(new StageError(name, null, null, e.message)));
    child.on('close', (code, signal) => {
      if (code !== null && ok.includes(code)) resolve(code);
      else reject(new StageError(name, code, signal, err));
    });
  });
  // A stage that is never awaited must not crash the daemon with an unhandled rejection.
  done.catch(() => undefined);
  return { name, child, done, stderrText: () => err };
}

/** Kills every stage still running (SIGKILL: they hold no state worth a clean exit). */
export function killStages(stages: readonly Stage[]): void {
  for (const s of stages) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  }
}
