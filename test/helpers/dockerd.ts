/**
 * The reference engine: Debian's docker.io dockerd on temporary data-root, exec-root and socket,
 * started the way docs/architecture "Reference behaviour" says, side by side with anything else.
 *
 *   const ref = await Dockerd.start();
 *   try { … DOCKER_HOST=ref.host … } finally { await ref.stop(); }
 */
import { existsSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ApiClient, pingOk } from './http.js';
import { killProcessesMentioning, waitGone, type RestartableEngine } from './engine.js';
import { killGroup, signal, spawnDaemon, tail, waitForExit, type DaemonProcess } from './process.js';
import { makeTempDir, removeTempDir, sleep } from './tmp.js';
import { DaemonError } from './daemon.js';

export interface DockerdOptions {
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

function findDockerd(): string | undefined {
  for (const p of ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd']) {
    if (existsSync(p)) return p;
  }
  const r = spawnSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/** Path of dockerd; installs Debian's docker.io first when it is missing. */
export function ensureDockerd(): string {
  const found = findDockerd();
  if (found) return found;
  const r = spawnSync('apt-get', ['install', '-y', 'docker.io'], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const after = findDockerd();
  if (!after) throw new Error(`dockerd missing and apt-get install -y docker.io failed:\n${tail(r.stderr || r.stdout)}`);
  return after;
}

export class Dockerd implements RestartableEngine {
  readonly kind = 'dockerd' as const;
  readonly dir: string;
  readonly root: string;
  readonly execRoot: string;
  readonly socketPath: string;
  readonly pidFile: string;
  readonly host: string;
  readonly api: ApiClient;
  leakedMounts: string[] = [];
  private proc: DaemonProcess | undefined;
  private stopped = false;
  private history = '';

  private constructor(
    private readonly opts: DockerdOptions,
    private readonly bin: string,
  ) {
    this.dir = makeTempDir('ballast-ref');
    this.root = join(this.dir, 'data');
    this.execRoot = join(this.dir, 'exec');
    this.socketPath = join(this.dir, 'docker.sock');
    this.pidFile = join(this.dir, 'docker.pid');
    this.host = `unix://${this.socketPath}`;
    this.api = new ApiClient(this.socketPath);
  }

  static async start(opts: DockerdOptions = {}): Promise<Dockerd> {
    const bin = ensureDockerd();
    const d = new Dockerd(opts, bin);
    try {
      await d.launch();
      return d;
    } catch (e) {
      await d.stop().catch(() => undefined);
      throw e;
    }
  }

  private async launch(): Promise<void> {
    const proc = spawnDaemon(
      this.bin,
      [
        '--data-root', this.root,
        '--exec-root', this.execRoot,
        '--host', this.host,
        '--pidfile', this.pidFile,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
      ],
      { ...process.env },
    );
    this.proc = proc;
    const timeout = this.opts.readyTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      if (!proc.isRunning()) {
        throw new DaemonError(`dockerd exited (${await proc.exited}) before answering /_ping`, this.logs());
      }
      if (await pingOk(this.socketPath)) return;
      if (Date.now() > deadline) throw new DaemonError(`dockerd did not answer /_ping within ${timeout} ms`, this.logs());
      await sleep(100);
    }
  }

  /** SIGKILL dockerd and its process group (its managed containerd), keeping the data root. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    killGroup(p);
    await waitForExit(p, 10_000);
    // containerd runs in its own process group; a survivor would hold its bolt lock on restart.
    await waitGone(killProcessesMentioning(this.dir));
    // Killed children may linger as zombies (pid 1 here does not always reap), and dockerd takes
    // a live-looking pid in containerd.pid for a running containerd: forget it.
    rmSync(join(this.execRoot, 'containerd', 'containerd.pid'), { force: true });
    this.history += p.output();
    this.proc = undefined;
  }

  /** Start again on the same data root (after kill9, or SIGTERM first when running). */
  async restart(): Promise<void> {
    const p = this.proc;
    if (p) {
      signal(p, 'SIGTERM');
      await waitForExit(p, this.opts.stopTimeoutMs ?? 30_000);
      killGroup(p);
      this.history += p.output();
      this.proc = undefined;
    }
    // A killed dockerd leaves its pidfile; a live pid in it would block the start.
    await this.launch();
  }

  logs(): string {
    return this.history + (this.proc?.output() ?? '');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      const p = this.proc;
      if (p) {
        signal(p, 'SIGTERM');
        await waitForExit(p, this.opts.stopTimeoutMs ?? 30_000);
        // Its managed containerd and shims share the process group or name the exec-root.
        killGroup(p);
      }
    } finally {
      killProcessesMentioning(this.dir);
      await sleep(50);
      this.leakedMounts = removeTempDir(this.dir);
    }
  }
}

export function startDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  return Dockerd.start(opts);
}
