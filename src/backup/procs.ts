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
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
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
  if (fifoDir === undefined) fifoDir = mkdtempSync(join(tmpdir(), 'ballast-pipes-'));
  const path = join(fifoDir, `p${process.pid}-${fifoSeq++}`);
  const r = await run('mkfifo', ['-m', '600', path]);
  if (r.code !== 0) throw new Error(`mkfifo: ${r.stderr.trim()}`);
  try {
    const rw = openSync(path, 'r+');
    const write = openSync(path, 'w');
    const read = openSync(path, 'r');
    closeSync(rw);
    return { read, write };
  } finally {
    rmSync(path, { force: true });
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
    const p = await makePipe();
    this.add(p.read, p.write);
    return p;
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
