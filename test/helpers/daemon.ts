/**
 * A ballastd on a fresh temporary root and socket under /tmp.
 *
 *   const d = await Ballastd.start();
 *   try { … d.host, d.root, d.api … } finally { await d.stop(); }
 *
 * stop() = SIGTERM + wait + unmount leftovers + remove the temp tree; kill9() and terminate()
 * leave the tree in place so restart() can bring the daemon back on the same root.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, pingOk } from './http.js';
import { killProcessesMentioning, type RestartableEngine } from './engine.js';
import { signal, spawnDaemon, tail, waitForExit, killGroup, type DaemonProcess } from './process.js';
import { binPath, makeTempDir, removeTempDir, sleep } from './tmp.js';

export interface BallastdOptions {
  /** Path of the ballastd executable (default: `<repo>/bin/ballastd`). */
  binary?: string;
  /** Extra environment for the daemon. */
  env?: Record<string, string>;
  /** How long to wait for `GET /_ping` to answer (default 20 s). */
  readyTimeoutMs?: number;
  /** How long SIGTERM may take before SIGKILL (default 15 s). */
  stopTimeoutMs?: number;
}

export class DaemonError extends Error {
  constructor(message: string, log: string) {
    super(log ? `${message}\n--- daemon log (tail) ---\n${tail(log)}` : message);
    this.name = 'DaemonError';
  }
}

export class Ballastd implements RestartableEngine {
  readonly kind = 'ballastd' as const;
  readonly dir: string;
  readonly root: string;
  readonly socketPath: string;
  readonly host: string;
  readonly api: ApiClient;
  /** Exit code or signal of the last daemon process that ended (after stop/terminate/kill9). */
  lastExit: number | NodeJS.Signals | undefined;
  /** Mount points stop() found still mounted under the temp tree (and unmounted). */
  leakedMounts: string[] = [];
  private proc: DaemonProcess | undefined;
  private history = '';
  private stopped = false;
  private readonly binary: string;
  private readonly opts: BallastdOptions;

  private constructor(opts: BallastdOptions) {
    this.opts = opts;
    this.binary = opts.binary ?? binPath('ballastd');
    this.dir = makeTempDir('ballast-it');
    this.root = join(this.dir, 'root');
    this.socketPath = join(this.dir, 'ballast.sock');
    this.host = `unix://${this.socketPath}`;
    this.api = new ApiClient(this.socketPath);
  }

  /** True when bin/ballastd exists (the daemon may not be written yet). */
  static available(binary: string = binPath('ballastd')): boolean {
    return existsSync(binary);
  }

  static async start(opts: BallastdOptions = {}): Promise<Ballastd> {
    const d = new Ballastd(opts);
    try {
      if (!existsSync(d.binary)) throw new DaemonError(`${d.binary} does not exist`, '');
      await d.launch();
      return d;
    } catch (e) {
      await d.stop().catch(() => undefined);
      throw e;
    }
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  isRunning(): boolean {
    return this.proc?.isRunning() ?? false;
  }

  logs(): string {
    return this.history + (this.proc?.output() ?? '');
  }

  private async launch(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BALLAST_ROOT: this.root,
      BALLAST_HOST: this.host,
      ...this.opts.env,
    };
    delete env['DOCKER_HOST'];
    const proc = spawnDaemon(this.binary, ['--root', this.root, '--host', this.host], env);
    this.proc = proc;
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (!proc.isRunning()) {
        const code = await proc.exited;
        throw new DaemonError(`ballastd exited (${code}) before answering /_ping`, this.logs());
      }
      if (await pingOk(this.socketPath)) return;
      await sleep(50);
    }
    throw new DaemonError(`ballastd did not answer /_ping within ${this.opts.readyTimeoutMs ?? 20_000} ms`, this.logs());
  }

  private retire(): void {
    if (this.proc) this.history += this.proc.output() + '\n[harness] --- daemon process ended ---\n';
    this.proc = undefined;
  }

  /** SIGTERM and wait (SIGKILL after the stop timeout); keeps the root for restart(). */
  async terminate(): Promise<number | NodeJS.Signals | undefined> {
    const p = this.proc;
    if (!p) return this.lastExit;
    signal(p, 'SIGTERM');
    const { result, forced } = await waitForExit(p, this.opts.stopTimeoutMs ?? 15_000);
    this.lastExit = result;
    this.retire();
    if (forced) throw new DaemonError('ballastd ignored SIGTERM and had to be killed', this.logs());
    return result;
  }

  /** SIGKILL the daemon process only (not what it spawned) and wait for it to be gone. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    signal(p, 'SIGKILL');
    this.lastExit = (await waitForExit(p, 10_000)).result;
    this.retire();
  }

  /** Stop (if running) and start again on the same root and socket; resolves once ready. */
  async restart(): Promise<void> {
    if (this.stopped) throw new Error('restart() after stop(): the root is gone');
    if (this.proc) await this.terminate();
    await this.launch();
  }

  /** SIGTERM + wait, then remove the temporary tree (unmounting leftovers first). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    let error: unknown;
    try {
      const p = this.proc;
      if (p) {
        await this.terminate();
        killGroup(p);
      }
    } catch (e) {
      error = e;
    } finally {
      killProcessesMentioning(this.dir);
      this.leakedMounts = removeTempDir(this.dir);
    }
    if (error) throw error;
  }
}

export function startBallastd(opts: BallastdOptions = {}): Promise<Ballastd> {
  return Ballastd.start(opts);
}
