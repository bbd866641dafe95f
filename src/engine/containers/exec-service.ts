/**
 * docker exec: exec instances are created, then started (streamed by the API
 * layer), then inspected for their exit code. Instances live in memory, as
 * in dockerd; they die with the container or the daemon.
 */
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { EngineError, failedPrecondition, notFound } from '../../domain/errors.js';
import type { ContainerService } from './container-service.js';
import { resolveUser } from './user.js';
import { checkExecutable } from './exec-check.js';
import { DEFAULT_PATH } from './config-merge.js';
import { join } from 'node:path';

export interface ExecConfig {
  Cmd: string[];
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  Env: string[];
  WorkingDir: string;
  User: string;
  Privileged: boolean;
  DetachKeys: string;
}

export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  resize?: (h: number, w: number) => void;
  pendingSize?: { h: number; w: number };
}

/** What the API streams for a started exec. */
export interface ExecStream {
  stdout: Readable;
  /** null for a TTY (the terminal merges both). */
  stderr: Readable | null;
  stdin: Writable | null;
  /** Settles with the exit code, after it is recorded. */
  exit: Promise<number>;
}

export class ExecService {
  private readonly execs = new Map<string, ExecInstance>();

  constructor(private readonly containers: ContainerService) {}

  create(containerRef: string, cfg: Partial<ExecConfig>): string {
    const c = this.containers.get(containerRef);
    if (!c.state.Running) throw failedPrecondition(`Container ${c.id} is not running`);
    if (c.state.Paused) throw failedPrecondition(`Container ${c.id} is paused, unpause the container before exec`);
    const cmd = cfg.Cmd ?? [];
    if (cmd.length === 0) throw new EngineError('invalidArgument', 'No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.execs.set(id, {
      id,
      containerId: c.id,
      running: false,
      exitCode: null,
      pid: 0,
      config: {
        Cmd: cmd,
        Tty: cfg.Tty ?? false,
        AttachStdin: cfg.AttachStdin ?? false,
        AttachStdout: cfg.AttachStdout ?? false,
        AttachStderr: cfg.AttachStderr ?? false,
        Env: cfg.Env ?? [],
        WorkingDir: cfg.WorkingDir ?? '',
        User: cfg.User ?? '',
        Privileged: cfg.Privileged ?? false,
        DetachKeys: cfg.DetachKeys ?? '',
      },
    });
    return id;
  }

  get(id: string): ExecInstance {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  async start(id: string): Promise<ExecStream> {
    const e = this.get(id);
    if (e.running || e.exitCode !== null) throw failedPrecondition(`Exec ${id} has already been started`);
    const c = this.containers.get(e.containerId);
    if (!c.state.Running) throw failedPrecondition(`Container ${c.id} is not running`);
    const rt = this.containers.runtimeOf(c);
    const ref = this.containers.ref(c.id);
    const user = e.config.User ? resolveUser(join(this.containers.dir(c.id), 'merged'), e.config.User) : undefined;
    const input = {
      args: e.config.Cmd,
      env: e.config.Env,
      ...(e.config.WorkingDir ? { cwd: e.config.WorkingDir } : {}),
      ...(user ? { user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } } : {}),
    };
    // The container's own view (its mounts included) through its init process.
    const containerEnvVars = [...(c.config.Env ?? []), ...e.config.Env];
    await checkExecutable(`/proc/${c.state.Pid}/root`, e.config.Cmd[0] as string, containerEnvVars.some((v) => v.startsWith('PATH=')) ? containerEnvVars : [DEFAULT_PATH, ...containerEnvVars], e.config.WorkingDir || c.config.WorkingDir || '/', 'exec').catch((err: unknown) => {
      e.exitCode = 126;
      throw err;
    });
    e.running = true;
    const finish = (p: Promise<number>): Promise<number> =>
      p.then(
        (code) => {
          e.running = false;
          e.exitCode = code;
          return code;
        },
        (err: unknown) => {
          e.running = false;
          e.exitCode = 126;
          throw err;
        },
      );
    try {
      if (e.config.Tty) {
        const s = await rt.execTty(ref, {
          ...input,
          stdin: e.config.AttachStdin,
          ...(e.pendingSize ? { consoleSize: { height: e.pendingSize.h, width: e.pendingSize.w } } : {}),
        });
        e.pid = s.pid;
        e.resize = (h, w) => s.resize(h, w);
        return { stdout: s.attachment.stdout, stderr: null, stdin: s.attachment.stdin, exit: finish(s.exit) };
      }
      const s = await rt.exec(ref, input);
      if (!e.config.AttachStdin) s.stdin.end();
      return { stdout: s.stdout, stderr: s.stderr, stdin: e.config.AttachStdin ? s.stdin : null, exit: finish(s.exit) };
    } catch (err) {
      e.running = false;
      e.exitCode = 126;
      throw err;
    }
  }

  resize(id: string, h: number, w: number): void {
    const e = this.get(id);
    if (e.resize) e.resize(h, w);
    else e.pendingSize = { h, w };
  }

  idsOf(containerId: string): string[] {
    return [...this.execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /** Forgets the instances of a removed container. */
  forgetContainer(containerId: string): void {
    for (const [id, e] of this.execs) if (e.containerId === containerId) this.execs.delete(id);
  }
}
