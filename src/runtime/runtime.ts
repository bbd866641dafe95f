/**
 * ContainerRuntime: the engine's one door to crun/runc + conmon. It knows ids
 * and paths only; the engine prepares the rootfs, builds the OCI spec
 * (oci-spec.ts) and records what this returns.
 *
 * Stdio, attach and TTY — the design:
 * - Every container runs under conmon with `-l k8s-file:<log>`: whatever the
 *   mode, output lands in a file with stream and timestamp per line, so
 *   `docker logs` works later and the container survives engine restarts.
 * - Live I/O goes through conmon's attach socket (SOCK_SEQPACKET), opened
 *   with the `node-unix-socket` addon since Node's net module cannot
 *   (EPROTOTYPE). The engine connects *after create and before start* so no
 *   output is lost — podman's order:
 *     docker run (foreground, non-TTY): create(stdin: -i) → attach → start;
 *       stdout/stderr arrive demultiplexed, live; ending attachment.stdin
 *       sends SHUT_WR, which makes conmon close the container's stdin (EOF).
 *     docker run -d / logs -f: create → start; readLog(log, {follow, until: wait()}).
 *     docker run -it: create with spec.process.terminal=true (conmon -t makes
 *       the console socket; the pty output arrives as "stdout") → attach →
 *       resize (the ctl FIFO) → start.
 *     docker attach later: the same attach(), any number of clients.
 * - docker exec, non-TTY: a foreground `<runtime> exec --process` child with
 *   piped stdio; its exit status is the process's. Not restart-safe (an exec
 *   dies with its stream anyway).
 * - docker exec -t: conmon --exec --exec-attach -t, because the runtime hands
 *   the pty master over a console socket with SCM_RIGHTS, which Node cannot
 *   receive; conmon receives it and relays it on its attach socket. The sync
 *   pipe carries the exec's pid, then its exit code.
 * Rejected: following the log file for foreground runs (it has no way to
 * feed stdin), `conmon --sync -l passthrough` (nothing is logged, the
 * container dies with the engine's pipes, and conmon refuses passthrough on
 * a tty), a python/C helper process per attach (one more process per
 * stream, and an interpreter or a build step to depend on).
 * Known limit: the addon gives no read backpressure; a client that stops
 * reading makes output pile up in the engine's memory, not in conmon.
 *
 * Files: $E = stateDir (exits/, crun/, runc/), $C = the container's dir:
 *   $C/bundle/config.json (+ conmon's attach, ctl, winsz), $C/pidfile,
 *   $C/conmon.pid, $C/exit and $C/oom (conmon --persist-dir, and its cwd),
 *   $C/exec/<execId>/ for exec sessions, the log where the engine says
 *   (default $C/ctr.log). Exit codes: $E/exits/<id>.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { conflict, EngineError, internal, invalidArgument, notFound } from '../domain/errors.js';
import { hasCode } from '../lib/node-errors.js';
import { silentLogger, type Logger } from '../lib/logger.js';
import { attachSocket, resizeTerminal, type Attachment } from './attach.js';
import { dockerCreateErrorText } from './create-error-text.js';
import { hostCgroups, type CgroupInfo } from './cgroups.js';
import {
  childExit,
  conmonCreateArgv,
  conmonExecArgv,
  isConmonAlive,
  parseSyncLine,
  readPidFile,
  spawnConmon,
  type SpawnedConmon,
} from './conmon.js';
import { ExitWatcher, readExitFile, type ExitRecord } from './exit-watch.js';
import { buildExecProcess, parseSpec, serializeSpec, type ExecProcessInput } from './oci-spec.js';
import type { OciSpec, OciState } from './oci-types.js';
import { DEFAULT_BINARIES, RuntimeCli, RuntimeCommandError, runtimeEnv, type RuntimeName } from './runtime-cli.js';

export type { Attachment } from './attach.js';
export type { RuntimeName } from './runtime-cli.js';

export interface ContainerRuntimeOptions {
  /** The engine's runtime state dir ($E): exits/ and one --root per runtime live here. */
  stateDir: string;
  runtime?: RuntimeName;
  binaries?: Partial<Record<RuntimeName | 'conmon' | 'unshare', string>>;
  /** Detected on first use when not given. */
  cgroups?: CgroupInfo;
  logger?: Logger;
  /** How long create may take before conmon is killed. */
  createTimeoutMs?: number;
  /** Safety-net poll of the exit watcher. */
  exitPollMs?: number;
}

/** What the engine stores to find a container again: its id and its directory ($C). */
export interface ContainerRef {
  id: string;
  dir: string;
}

export interface CreateRequest extends ContainerRef {
  spec: OciSpec;
  /** k8s-file log path; default $C/ctr.log. */
  logPath?: string;
  /** Keep stdin open for attach clients (docker -i). */
  openStdin?: boolean;
  /**
   * Docker's StdinOnce (true for `docker run -i`): the first attach client to
   * go away closes the container's stdin. false keeps it open across attaches.
   */
  stdinOnce?: boolean;
  /** conmon --log-size-max, bytes. */
  logSizeMax?: number;
  /** Run by conmon after the exit file is written (e.g. `ballast cleanup <id>` for --rm while the engine is down). */
  exitCommand?: { path: string; args: string[] };
}

export interface Created {
  /** The container's init process, on the host. */
  pid: number;
  /** The daemonised conmon supervising it. */
  conmonPid: number;
}

export interface ExitStatus {
  /** 128+n after signal n; -1 when unknown (the supervisor vanished without recording it). */
  exitCode: number;
  oomKilled: boolean;
  finishedAt: Date;
}

export type ContainerStatus =
  | { status: 'created' | 'running' | 'paused'; pid: number; conmonPid: number | null; supervised: boolean }
  | ({ status: 'exited' } & ExitStatus)
  /** Neither an exit file nor the runtime knows it: never created, or already deleted. */
  | { status: 'missing' };

export interface ExecSession {
  readonly execId: string;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** The exit code; rejects with ExecStartError when the runtime could not start the process. */
  readonly exit: Promise<number>;
  /** Signals the process (through the runtime's exec child, which forwards it). */
  kill(signal?: NodeJS.Signals): void;
}

export interface TtyExecSession {
  readonly execId: string;
  readonly pid: number;
  /** stdout carries the terminal's output; stdin is null unless asked for. */
  readonly attachment: Attachment;
  resize(height: number, width: number): void;
  readonly exit: Promise<number>;
}

/** The runtime refused to start a process: Docker maps "not found" to 127, permission errors to 126. */
export class ExecStartError extends EngineError {
  constructor(
    message: string,
    readonly reason: 'notFound' | 'permission' | 'other',
  ) {
    super('internal', message);
    this.name = 'ExecStartError';
  }
}

export class CreateError extends EngineError {
  constructor(
    message: string,
    readonly reason: 'notFound' | 'permission' | 'other',
    cause?: unknown,
  ) {
    super('internal', message, cause === undefined ? undefined : { cause });
    this.name = 'CreateError';
  }
}

function reasonOf(message: string): 'notFound' | 'permission' | 'other' {
  if (/not found|no such file or directory/i.test(message)) return 'notFound';
  if (/permission denied|operation not permitted/i.test(message)) return 'permission';
  return 'other';
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ContainerRuntime {
  /** The last terminal size asked for each container, re-applied at start (see start()). */
  private readonly sizes = new Map<string, { height: number; width: number }>();
  readonly name: RuntimeName;
  readonly cli: RuntimeCli;
  readonly exitDir: string;
  private readonly conmonBinary: string;
  private readonly log: Logger;
  private readonly createTimeoutMs: number;
  private readonly exits: ExitWatcher;

  constructor(opts: ContainerRuntimeOptions) {
    this.name = opts.runtime ?? 'crun';
    const bins = { ...DEFAULT_BINARIES, ...(opts.binaries ?? {}) };
    this.conmonBinary = bins.conmon;
    this.log = (opts.logger ?? silentLogger).child({ runtime: this.name });
    this.createTimeoutMs = opts.createTimeoutMs ?? 120_000;
    this.exitDir = join(opts.stateDir, 'exits');
    const root = join(opts.stateDir, this.name);
    mkdirSync(this.exitDir, { recursive: true, mode: 0o700 });
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.cli = new RuntimeCli({
      name: this.name,
      binary: bins[this.name],
      root,
      cgroups: opts.cgroups ?? hostCgroups(),
      unshareBinary: bins.unshare,
    });
    this.exits = new ExitWatcher(this.exitDir, { pollMs: opts.exitPollMs ?? 1000 });
  }

  // ---- paths -------------------------------------------------------------

  static bundleDir(ref: ContainerRef): string {
    return join(ref.dir, 'bundle');
  }
  static defaultLogPath(ref: ContainerRef): string {
    return join(ref.dir, 'ctr.log');
  }
  private conmonPidFile(ref: ContainerRef): string {
    return join(ref.dir, 'conmon.pid');
  }

  // ---- lifecycle ---------------------------------------------------------

  /**
   * Writes the bundle and has conmon run `<runtime> create`; resolves once
   * the container exists (status "created", its process waiting for start).
   */
  async create(req: CreateRequest): Promise<Created> {
    if (!ID_RE.test(req.id)) throw invalidArgument(`invalid container id ${JSON.stringify(req.id)}`);
    // The stale-file sweep below must never hit a live container's files.
    if (this.conmonAlive(req) !== null) throw conflict(`container ${req.id} is already supervised by a running conmon`);
    const bundle = ContainerRuntime.bundleDir(req);
    mkdirSync(bundle, { recursive: true, mode: 0o700 });
    // Leftovers of a previous run of this container (docker start after an exit).
    this.removeRunFiles(req);
    writeFileSync(join(bundle, 'config.json'), serializeSpec(req.spec), { mode: 0o600 });
    const logPath = req.logPath ?? ContainerRuntime.defaultLogPath(req);
    // conmon cannot create the log's directory, and would fail without a word on the sync pipe.
    mkdirSync(dirname(logPath), { recursive: true, mode: 0o700 });
    const argv = conmonCreateArgv({
      id: req.id,
      runtime: this.cli.createCommand(),
      bundleDir: bundle,
      pidFile: join(req.dir, 'pidfile'),
      exitDir: this.exitDir,
      log: req.logSizeMax !== undefined ? { driver: 'k8s-file', path: logPath, sizeMax: req.logSizeMax } : { driver: 'k8s-file', path: logPath },
      terminal: req.spec.process.terminal,
      stdin: req.openStdin ?? false,
      leaveStdinOpen: req.stdinOnce === false,
      conmonPidFile: this.conmonPidFile(req),
      persistDir: req.dir,
      ...(req.exitCommand ? { exitCommand: req.exitCommand } : {}),
    });
    this.log.debug('conmon create', { id: req.id, argv });
    const c = spawnConmon({ conmonPath: this.conmonBinary, argv, cwd: req.dir });
    // Nothing to do between conmon's start and its fork (podman moves it into a cgroup here).
    c.start.end('\0');
    let msg;
    try {
      msg = await this.firstSyncMessage(c, req);
    } finally {
      c.release();
    }
    if (msg.data <= 0) {
      const text = (msg.message ?? 'conmon reported failure without a message').trim();
      await this.cli.delete(req.id, true).catch(() => {});
      await this.conmonGone(req, 2000);
      throw new CreateError(dockerCreateErrorText(this.name, text), reasonOf(text));
    }
    const conmonPid = readPidFile(this.conmonPidFile(req)) ?? 0;
    return { pid: msg.data, conmonPid };
  }

  private async firstSyncMessage(c: SpawnedConmon, ref: ContainerRef): Promise<{ data: number; message?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.createTimeoutMs);
    });
    try {
      const line = await Promise.race([c.sync.next(), timeout.then(() => 'timeout' as const)]);
      if (line === 'timeout') {
        const pid = readPidFile(this.conmonPidFile(ref));
        if (pid && isConmonAlive(pid, ref.id)) process.kill(pid, 'SIGKILL');
        await this.cli.delete(ref.id, true).catch(() => {});
        throw internal(`OCI runtime create timed out after ${this.createTimeoutMs} ms`);
      }
      if (line === null) {
        // conmon died before create finished; its early errors go to stderr.
        const code = await childExit(c.child);
        const why = c.stderr() || `conmon exited with status ${code ?? 'signal'}`;
        throw new CreateError(dockerCreateErrorText(this.name, why), reasonOf(why));
      }
      return parseSyncLine(line);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connect to the container's stdio; do it between create and start to miss nothing. */
  attach(ref: ContainerRef, opts: { stdin: boolean }): Promise<Attachment> {
    return attachSocket(ContainerRuntime.bundleDir(ref), opts);
  }

  /** Terminal size of a TTY container. */
  resize(ref: ContainerRef, height: number, width: number): void {
    this.sizes.set(ref.id, { height, width });
    resizeTerminal(ContainerRuntime.bundleDir(ref), height, width);
  }

  async start(ref: ContainerRef): Promise<void> {
    await this.cli.start(ref.id);
    // conmon drops a resize that arrives before it holds the pty (a loaded machine makes that
    // likely for a size sent between create and start): apply the last size again.
    const size = this.sizes.get(ref.id);
    this.sizes.delete(ref.id);
    if (size) {
      try {
        resizeTerminal(ContainerRuntime.bundleDir(ref), size.height, size.width);
      } catch {
        /* exited already */
      }
    }
  }

  /** Sends a signal to the init process (or with `all`, to every process of the container). */
  async kill(ref: ContainerRef, signal: NodeJS.Signals | string | number = 'SIGTERM', opts: { all?: boolean } = {}): Promise<void> {
    await this.cli.kill(ref.id, signalArg(signal), opts.all ?? false);
  }

  async pause(ref: ContainerRef): Promise<void> {
    await this.cli.pause(ref.id);
  }

  async resume(ref: ContainerRef): Promise<void> {
    await this.cli.resume(ref.id);
  }

  /**
   * Resolves when the container has exited (conmon wrote its exit file).
   * Works for containers created by an earlier engine process.
   */
  async wait(ref: ContainerRef, opts: { signal?: AbortSignal } = {}): Promise<ExitStatus> {
    const rec = await this.exits.wait(ref.id, {
      alive: () => this.supervisedOrRunning(ref),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return this.exitStatus(ref, rec);
  }

  private exitStatus(ref: ContainerRef, rec: ExitRecord): ExitStatus {
    return { exitCode: rec.exitCode, oomKilled: existsSync(join(ref.dir, 'oom')), finishedAt: rec.finishedAt };
  }

  private async supervisedOrRunning(ref: ContainerRef): Promise<boolean> {
    if (this.conmonAlive(ref) !== null) return true;
    const st = await this.cli.state(ref.id).catch(() => null);
    return st !== null && st.status !== 'stopped';
  }

  /** Polls until conmon has exited (it lingers for a moment after reporting a failed create). */
  private async conmonGone(ref: ContainerRef, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.conmonAlive(ref) !== null && Date.now() < end) await sleep(5);
  }

  /** conmon's pid if it is alive and supervising this container. */
  conmonAlive(ref: ContainerRef): number | null {
    const pid = readPidFile(this.conmonPidFile(ref));
    return pid !== null && isConmonAlive(pid, ref.id) ? pid : null;
  }

  /**
   * Where the container is, from what survives an engine restart: the exit
   * file first, then the runtime's state (with conmon's liveness).
   */
  async state(ref: ContainerRef): Promise<ContainerStatus> {
    const rec = await readExitFile(this.exitDir, ref.id);
    if (rec) return { status: 'exited', ...this.exitStatus(ref, rec) };
    const conmonPid = this.conmonAlive(ref);
    const st: OciState | null = await this.cli.state(ref.id);
    if (st && (st.status === 'created' || st.status === 'running' || st.status === 'paused')) {
      return { status: st.status, pid: st.pid, conmonPid, supervised: conmonPid !== null };
    }
    if (st?.status === 'creating' && conmonPid !== null) {
      return { status: 'created', pid: st.pid, conmonPid, supervised: true };
    }
    if (conmonPid !== null) {
      // Stopped (conmon is draining output before it writes the exit file), or
      // conmon is on its way out after a failed create (it then writes none).
      await this.waitBriefly(ref, 5000);
      const late = await readExitFile(this.exitDir, ref.id);
      if (late) return { status: 'exited', ...this.exitStatus(ref, late) };
    }
    if (st) {
      // Stopped with no supervisor and no exit file: the code is lost (podman records -1 too).
      return { status: 'exited', exitCode: -1, oomKilled: existsSync(join(ref.dir, 'oom')), finishedAt: new Date() };
    }
    return { status: 'missing' };
  }

  private async waitBriefly(ref: ContainerRef, ms: number): Promise<ExitStatus | null> {
    const ac = new AbortController();
    const t = setTimeout(() => ac.abort(), ms);
    try {
      return await this.wait(ref, { signal: ac.signal });
    } catch {
      return null;
    } finally {
      clearTimeout(t);
    }
  }

  /**
   * Removes the container from the runtime and the run files from $E and $C
   * (not the log, not config.json). `force` kills a live container first.
   * Retries while the runtime still reports the container running, which
   * happens for a moment when a zombie init has not been reaped yet.
   */
  async delete(ref: ContainerRef, opts: { force?: boolean } = {}): Promise<void> {
    const force = opts.force ?? false;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.cli.delete(ref.id, force);
        break;
      } catch (e) {
        const retriable = e instanceof RuntimeCommandError && (e.failure === 'notStopped' || e.failure === 'other');
        if (!retriable || attempt >= 8) throw e;
        if (!force && e.failure === 'notStopped') {
          const st = await this.cli.state(ref.id).catch(() => null);
          if (st && st.status !== 'stopped') throw e; // really alive: the caller must stop it first
        }
        await sleep(10 * 2 ** attempt);
      }
    }
    // After a forced delete conmon is still recording the exit; let it finish
    // so it does not write the exit file after we removed it.
    if (this.conmonAlive(ref) !== null) await this.waitBriefly(ref, 10_000);
    this.removeRunFiles(ref);
  }

  private removeRunFiles(ref: ContainerRef): void {
    const bundle = ContainerRuntime.bundleDir(ref);
    for (const p of [
      join(this.exitDir, ref.id),
      join(ref.dir, 'pidfile'),
      this.conmonPidFile(ref),
      join(ref.dir, 'exit'),
      join(ref.dir, 'oom'),
      join(bundle, 'attach'),
      join(bundle, 'ctl'),
      join(bundle, 'winsz'),
    ]) {
      try {
        unlinkSync(p);
      } catch (e) {
        if (!hasCode(e, 'ENOENT')) throw e;
      }
    }
    rmSync(join(ref.dir, 'exec'), { recursive: true, force: true });
  }

  /** Ids the runtime holds state for (for reconciliation: anything here not in the engine's records is an orphan). */
  listIds(): string[] {
    try {
      return readdirSync(this.cli.root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (e) {
      if (hasCode(e, 'ENOENT')) return [];
      throw e;
    }
  }

  // ---- exec --------------------------------------------------------------

  private execProcess(ref: ContainerRef, input: ExecProcessInput): string {
    let spec: OciSpec;
    try {
      spec = parseSpec(readFileSync(join(ContainerRuntime.bundleDir(ref), 'config.json'), 'utf8'));
    } catch (e) {
      if (hasCode(e, 'ENOENT')) throw notFound(`No such container: ${ref.id}`);
      throw e;
    }
    return serializeSpec(buildExecProcess(spec.process, input));
  }

  private newExecDir(ref: ContainerRef): { execId: string; dir: string } {
    const execId = randomBytes(8).toString('hex');
    const dir = join(ref.dir, 'exec', execId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return { execId, dir };
  }

  /**
   * docker exec without a TTY: `<runtime> exec --process` in the foreground,
   * stdio piped. End `stdin` to give the process EOF.
   */
  async exec(ref: ContainerRef, input: Omit<ExecProcessInput, 'terminal' | 'consoleSize'>): Promise<ExecSession> {
    const processJson = this.execProcess(ref, { ...input, terminal: false });
    const { execId, dir } = this.newExecDir(ref);
    const processFile = join(dir, 'process.json');
    const pidFile = join(dir, 'pid');
    writeFileSync(processFile, processJson, { mode: 0o600 });
    const { path, args } = this.cli.plainCommand();
    const child = spawn(path, [...args, 'exec', '--pid-file', pidFile, '--process', processFile, ref.id], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: runtimeEnv(),
    });
    const errHead: Buffer[] = [];
    let errLen = 0;
    child.stderr.on('data', (b: Buffer) => {
      if (errLen < 8192) {
        errHead.push(b);
        errLen += b.length;
      }
    });
    child.stdin.on('error', () => {}); // EPIPE once the process has gone
    const exit = new Promise<number>((resolve, reject) => {
      child.once('error', (e) => reject(internal(`${this.name} exec: ${e.message}`, e)));
      child.once('close', (code, signal) => {
        const started = existsSync(pidFile);
        rmSync(dir, { recursive: true, force: true });
        if (!started && code !== 0) {
          const text = Buffer.concat(errHead).toString('utf8').trim() || `${this.name} exec failed with status ${code ?? signal}`;
          reject(new ExecStartError(`OCI runtime exec failed: ${text}`, reasonOf(text)));
          return;
        }
        resolve(code ?? 128 + signalNumber(signal));
      });
    });
    return {
      execId,
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      exit,
      kill: (signal: NodeJS.Signals = 'SIGTERM') => {
        // The process itself (its host pid), not the runtime's exec child: a
        // signal proxy there is not something both runtimes promise.
        const pid = child.exitCode === null ? readPidFile(pidFile) : null;
        try {
          if (pid !== null) process.kill(pid, signal);
          else child.kill(signal);
        } catch (e) {
          if (!hasCode(e, 'ESRCH')) throw e;
        }
      },
    };
  }

  /**
   * docker exec -t: conmon --exec --exec-attach -t. Resolves once the
   * process runs and the terminal is attached; nothing of its output is lost.
   */
  async execTty(
    ref: ContainerRef,
    input: Omit<ExecProcessInput, 'terminal'> & { stdin: boolean },
  ): Promise<TtyExecSession> {
    const processJson = this.execProcess(ref, { ...input, terminal: true });
    const { execId, dir } = this.newExecDir(ref);
    const processFile = join(dir, 'process.json');
    writeFileSync(processFile, processJson, { mode: 0o600 });
    const exitDir = join(dir, 'exits');
    mkdirSync(exitDir, { mode: 0o700 });
    const argv = conmonExecArgv({
      id: ref.id,
      execId,
      runtime: this.cli.plainCommand(),
      bundleDir: dir,
      pidFile: join(dir, 'pid'),
      exitDir,
      log: { driver: 'none' },
      terminal: true,
      stdin: input.stdin,
      processSpec: processFile,
      attach: true,
    });
    const c = spawnConmon({ conmonPath: this.conmonBinary, argv, cwd: dir, withAttachPipe: true });
    const fail = (why: string): never => {
      c.release();
      rmSync(dir, { recursive: true, force: true });
      throw new ExecStartError(`OCI runtime exec failed: ${why}`, reasonOf(why));
    };
    // 1st read of the start pipe: before conmon forks.
    c.start.write('\0');
    const ready = await c.attachPipe?.next();
    if (!ready) {
      const line = await c.sync.next();
      fail(line ? (parseSyncLine(line).message ?? line) : c.stderr() || 'conmon exited early');
    }
    let attachment: Attachment;
    try {
      attachment = await attachSocket(dir, { stdin: input.stdin });
    } catch (e) {
      c.start.end();
      return fail(e instanceof Error ? e.message : String(e));
    }
    if (input.consoleSize) resizeTerminal(dir, input.consoleSize.height, input.consoleSize.width);
    // 2nd read: conmon's runtime child now runs `<runtime> exec`.
    c.start.end('\0');
    const first = await c.sync.next();
    const msg = first ? parseSyncLine(first) : null;
    if (!msg || msg.data <= 0) {
      attachment.detach();
      return fail(msg?.message?.trim() || c.stderr() || 'conmon exited before the process started');
    }
    // The size sent before the process started may have reached conmon before its pty did.
    if (input.consoleSize) {
      try {
        resizeTerminal(dir, input.consoleSize.height, input.consoleSize.width);
      } catch {
        /* exited already */
      }
    }
    const exit = (async (): Promise<number> => {
      const second = await c.sync.next();
      c.release();
      let code: number;
      if (second) {
        const m = parseSyncLine(second);
        // Negative: -1 for an unknown status, or -<status> of the runtime; the exit file may know better.
        code = m.data >= 0 ? m.data : ((await readExitFile(exitDir, ref.id))?.exitCode ?? -1);
      } else {
        code = (await readExitFile(exitDir, ref.id))?.exitCode ?? -1;
      }
      await attachment.closed;
      rmSync(dir, { recursive: true, force: true });
      return code;
    })();
    return {
      execId,
      pid: msg.data,
      attachment,
      resize: (h, w) => resizeTerminal(dir, h, w),
      exit,
    };
  }

  /** Stops watching exit files; pending waits reject. Containers are unaffected. */
  close(): void {
    this.exits.close();
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (SIGNALS[sig] ?? 0) : 0;
}

/**
 * "SIGTERM", "TERM", "15" or 15 → what both runtimes accept. Unknown names
 * are refused here, with Docker's wording, rather than by the runtime.
 */
export function signalArg(signal: NodeJS.Signals | string | number): string {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal <= 0 || signal > 64) throw invalidArgument(`Invalid signal: ${signal}`);
    return String(signal);
  }
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return signalArg(Number(s));
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  if (SIGNALS[name] === undefined && !/^SIGRTM(IN|AX)([+-]\d+)?$/.test(name)) throw invalidArgument(`Invalid signal: ${signal}`);
  return name.slice(3);
}
