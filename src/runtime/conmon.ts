/**
 * conmon: the per-container supervisor that outlives the engine. It runs
 * `<runtime> create`, reaps the container (it is a subreaper), copies stdio
 * into the log and to attach clients, and writes the exit code to
 * `<exit-dir>/<id>` (atomically: temp file + rename) when the container ends.
 *
 * Protocol (conmon 2.1.6 src/conmon.c, parent_pipe_fd.c; recipe §4.3):
 * - fd 3 = sync pipe (_OCI_SYNCPIPE): one JSON line `{"data": <pid>}` once
 *   create succeeded, or `{"data": -1, "message": "<runtime stderr>"}`. With
 *   --exec and --api-version a second line carries the exec'd exit code.
 * - fd 4 = start pipe (_OCI_STARTPIPE): conmon blocks on it before forking;
 *   with --exec-attach its runtime child reads it a second time before exec,
 *   so an attach client can connect before any output is produced.
 * - fd 5 = attach pipe (_OCI_ATTACHPIPE, --exec-attach only): `{"data": 0}`
 *   once the attach socket listens.
 * - Without --sync the parent forks, writes --conmon-pidfile and exits 0 at
 *   once: its exit says nothing about the container, the sync line does.
 * - Without --full-attach (or --socket-dir-path) conmon dies silently trying
 *   to symlink into /var/run/crio: always pass --full-attach.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { hasCode } from '../lib/node-errors.js';
import { internal } from '../domain/errors.js';
import type { Command } from './runtime-cli.js';
import { runtimeEnv } from './runtime-cli.js';

export interface ConmonCommon {
  /** Container id: the runtime's id and the exit file's name. */
  id: string;
  /** The runtime invocation (`-r` plus `--runtime-arg`s). */
  runtime: Command;
  /** Where conmon makes attach, ctl and winsz (with --full-attach). */
  bundleDir: string;
  /** The runtime writes the process's host pid here. */
  pidFile: string;
  exitDir: string;
  /** `k8s-file:<path>` or 'none'. */
  log: { driver: 'k8s-file'; path: string; sizeMax?: number } | { driver: 'none' };
  terminal: boolean;
  stdin: boolean;
  /** --leave-stdin-open: an attach client going away does not close the container's stdin. */
  leaveStdinOpen?: boolean;
}

export interface ConmonCreateArgs extends ConmonCommon {
  conmonPidFile: string;
  /** Gets `exit` and `oom`; conmon's cwd should be the same directory. */
  persistDir: string;
  exitCommand?: { path: string; args: string[] };
}

export interface ConmonExecArgs extends ConmonCommon {
  /** Names the exec session's attach socket directory. */
  execId: string;
  processSpec: string;
  /** --exec-attach: wait on the start pipe until the caller has attached. */
  attach: boolean;
}

function commonArgs(o: ConmonCommon, uuid: string): string[] {
  const args = ['--api-version', '-c', o.id, '-u', uuid, '-n', o.id, '-r', o.runtime.path];
  // "=" form: glib must not mistake a runtime argument such as "-m" for an option of conmon's.
  for (const a of o.runtime.args) args.push(`--runtime-arg=${a}`);
  args.push('-b', o.bundleDir, '-p', o.pidFile, '--exit-dir', o.exitDir, '--full-attach');
  if (o.log.driver === 'k8s-file') {
    args.push('-l', `k8s-file:${o.log.path}`);
    if (o.log.sizeMax !== undefined && o.log.sizeMax > 0) args.push('--log-size-max', String(o.log.sizeMax));
  } else {
    args.push('-l', 'none');
  }
  if (o.terminal) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && o.leaveStdinOpen) args.push('--leave-stdin-open');
  return args;
}

export function conmonCreateArgv(o: ConmonCreateArgs): string[] {
  const args = commonArgs(o, o.id);
  args.push('--conmon-pidfile', o.conmonPidFile, '--persist-dir', o.persistDir);
  if (o.exitCommand) {
    args.push('--exit-command', o.exitCommand.path);
    for (const a of o.exitCommand.args) args.push(`--exit-command-arg=${a}`);
  }
  return args;
}

export function conmonExecArgv(o: ConmonExecArgs): string[] {
  const args = commonArgs(o, o.execId);
  args.push('--exec', '--exec-process-spec', o.processSpec);
  if (o.attach) args.push('--exec-attach');
  return args;
}

/** One line of the sync (or attach) pipe. */
export interface SyncMessage {
  data: number;
  message?: string;
}

export function parseSyncLine(line: string): SyncMessage {
  const v = JSON.parse(line) as unknown;
  if (typeof v !== 'object' || v === null) throw new Error(`unexpected conmon message: ${line}`);
  const o = v as Record<string, unknown>;
  // api-version 1 says "data"; older conmons said "pid" / "exit_code".
  const data = o['data'] ?? o['pid'] ?? o['exit_code'];
  if (typeof data !== 'number') throw new Error(`unexpected conmon message: ${line}`);
  const msg: SyncMessage = { data };
  if (typeof o['message'] === 'string') msg.message = o['message'];
  return msg;
}

/** Splits a stream into newline-terminated JSON messages, delivered one at a time. */
export class LineReader {
  private buf = '';
  private readonly lines: string[] = [];
  private waiters: ((line: string | null) => void)[] = [];
  private ended = false;

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buf += chunk;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
      }
    });
    const finish = (): void => {
      if (this.ended) return;
      this.ended = true;
      if (this.buf.trim()) this.push(this.buf);
      this.buf = '';
      for (const w of this.waiters) w(null);
      this.waiters = [];
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  private push(line: string): void {
    if (!line.trim()) return;
    const w = this.waiters.shift();
    if (w) w(line);
    else this.lines.push(line);
  }

  /** The next line, or null at end of stream. */
  next(): Promise<string | null> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface SpawnedConmon {
  child: ChildProcess;
  sync: LineReader;
  start: Writable;
  attachPipe: LineReader | null;
  /** conmon's own stderr before it daemonises (option errors and the like). */
  stderr(): string;
  /** Lets go of the pipes and the child so the engine can exit while conmon runs on. */
  release(): void;
}

export interface SpawnConmonOptions {
  conmonPath: string;
  argv: string[];
  cwd: string;
  withAttachPipe?: boolean;
}

export function spawnConmon(o: SpawnConmonOptions): SpawnedConmon {
  const env = runtimeEnv({ _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', ...(o.withAttachPipe ? { _OCI_ATTACHPIPE: '5' } : {}) });
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'];
  if (o.withAttachPipe) stdio.push('pipe');
  // detached: conmon gets its own process group, so a ^C to the engine's group never reaches it.
  const child = spawn(o.conmonPath, o.argv, { cwd: o.cwd, env, stdio, detached: true });
  const pipe = (n: number): Readable & Writable => {
    const s = child.stdio[n];
    if (!s) throw internal(`conmon: fd ${n} is not a pipe`);
    return s as Readable & Writable;
  };
  const err: Buffer[] = [];
  const stderrStream = pipe(2);
  stderrStream.on('data', (b: Buffer) => {
    if (err.length < 64) err.push(b);
  });
  const syncStream = pipe(3);
  const start = pipe(4);
  // EPIPE on the start pipe just means conmon is gone; the sync pipe reports why.
  start.on('error', () => {});
  const attachStream = o.withAttachPipe ? pipe(5) : null;
  const sync = new LineReader(syncStream);
  const attachPipe = attachStream ? new LineReader(attachStream) : null;
  return {
    child,
    sync,
    start,
    attachPipe,
    stderr: () => Buffer.concat(err).toString('utf8').trim(),
    release: () => {
      for (const s of child.stdio) s?.destroy();
      child.unref();
    },
  };
}

/** Waits for the child to exit, giving its exit code, or null if it was signalled. */
export function childExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Is `pid` a live conmon supervising `id`? Zombies have an empty cmdline, so
 * an exited-but-unreaped conmon counts as dead (PID 1 here reaps slowly), and
 * matching the container id rules out PID reuse.
 */
export function isConmonAlive(pid: number, id: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ESRCH')) return false;
    throw e;
  }
  const argv = cmdline.split('\0');
  if (!(argv[0] ?? '').endsWith('conmon')) return false;
  for (let i = 0; i < argv.length - 1; i++) {
    if ((argv[i] === '-c' || argv[i] === '--cid') && argv[i + 1] === id) return true;
    if (argv[i] === `--cid=${id}`) return true;
  }
  return false;
}

/** Reads a pid file (conmon's and the runtime's carry no newline), or null. */
export function readPidFile(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return null;
    throw e;
  }
}
