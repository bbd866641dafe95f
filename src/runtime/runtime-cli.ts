/**
 * The OCI runtime's command line (crun or runc), one `--root` per runtime.
 * Never share a root between runtimes: `crun delete` on a runc root removes
 * runc's state and orphans the container (recipe §6.4).
 *
 * Hybrid cgroups: crun's create refuses to run while
 * /sys/fs/cgroup/unified/cgroup.controllers is non-empty (cgroups.ts). We run
 * create through `unshare` directly:
 *
 *   unshare --mount --propagation slave -- /bin/sh -c
 *     'mount --bind /dev/null "$1" || exit 125; shift; exec "$@"' ballast-crun <controllers> crun --root=R …
 *
 * rather than generating a wrapper script into the state dir, because there
 * is then no executable file to keep in step with the binary paths, nothing
 * to go stale across upgrades, and no failure when the state dir sits on a
 * noexec mount (/run usually is). conmon takes it as `-r /usr/bin/unshare`
 * plus `--runtime-arg`s, which it places before `create` — exactly where the
 * wrapper's arguments belong. The mount namespace is a slave, so host mounts
 * made later still propagate; the host's file is untouched. Only
 * create/run need it; start, state, kill, exec, pause and delete work as is.
 */
import { run, type ExecResult } from '../lib/exec.js';
import { EngineError } from '../domain/errors.js';
import type { CgroupInfo } from './cgroups.js';
import type { OciState } from './oci-types.js';

export type RuntimeName = 'crun' | 'runc';

export const DEFAULT_BINARIES: Readonly<Record<RuntimeName | 'conmon' | 'unshare', string>> = {
  crun: '/usr/bin/crun',
  runc: '/usr/sbin/runc',
  conmon: '/usr/bin/conmon',
  unshare: '/usr/bin/unshare',
};

const HYBRID_SCRIPT = 'mount --bind /dev/null "$1" || exit 125; shift; exec "$@"';

export interface Command {
  path: string;
  args: string[];
}

/** Why a runtime command failed, from its stderr (crun and runc word these differently). */
export type RuntimeFailure = 'notFound' | 'notRunning' | 'paused' | 'notStopped' | 'other';

export class RuntimeCommandError extends EngineError {
  constructor(
    readonly failure: RuntimeFailure,
    readonly command: string,
    readonly stderr: string,
    readonly exitCode: number,
  ) {
    const kind = failure === 'notFound' ? 'notFound' : failure === 'other' ? 'internal' : 'failedPrecondition';
    super(kind, `${command}: ${stderr.trim() || `exit status ${exitCode}`}`);
    this.name = 'RuntimeCommandError';
  }
}

export function classifyRuntimeError(stderr: string): RuntimeFailure {
  const s = stderr.toLowerCase();
  // crun: "error opening file `<root>/<id>/status`: No such file or directory",
  //       "cannot open directory '<root>/<id>': No such file or directory"; runc: "container does not exist".
  if (s.includes('does not exist') || (s.includes('no such file or directory') && (s.includes('/status') || s.includes('cannot open directory')))) {
    return 'notFound';
  }
  if (s.includes('is paused')) return 'paused';
  // crun delete: "the container `x` is not in `created` or `stopped` state"; runc: "cannot delete container x that is not stopped: running".
  if (s.includes('not in `created` or `stopped` state') || s.includes('that is not stopped')) return 'notStopped';
  // crun kill after exit: "open pidfd: No such process" / "is not running"; runc: "container not running", "process already finished".
  if (s.includes('no such process') || s.includes('not running') || s.includes('already finished')) return 'notRunning';
  return 'other';
}

export interface RuntimeCliOptions {
  name: RuntimeName;
  /** Path of the runtime binary. */
  binary: string;
  /** The runtime's --root, private to this runtime. */
  root: string;
  cgroups: CgroupInfo;
  unshareBinary?: string;
  /** Per-command timeout; the runtimes never take long when healthy. */
  timeoutMs?: number;
}

export class RuntimeCli {
  readonly name: RuntimeName;
  readonly binary: string;
  readonly root: string;
  /** True when create must go through the hybrid-cgroup workaround. */
  readonly hybridWorkaround: boolean;
  private readonly unshare: string;
  private readonly controllersFile: string;
  private readonly timeoutMs: number;

  constructor(opts: RuntimeCliOptions) {
    this.name = opts.name;
    this.binary = opts.binary;
    this.root = opts.root;
    this.hybridWorkaround = opts.name === 'crun' && opts.cgroups.crunNeedsHybridWorkaround;
    this.unshare = opts.unshareBinary ?? DEFAULT_BINARIES.unshare;
    this.controllersFile = `${opts.cgroups.root}/unified/cgroup.controllers`;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  /** Global flags every invocation carries. */
  get globalArgs(): string[] {
    return [`--root=${this.root}`];
  }

  /**
   * Program and leading arguments for `create` (and `run`): conmon's `-r`
   * and `--runtime-arg`s. Through unshare on hybrid hosts, see the header.
   */
  createCommand(): Command {
    if (!this.hybridWorkaround) return { path: this.binary, args: this.globalArgs };
    return {
      path: this.unshare,
      args: [
        '--mount',
        '--propagation',
        'slave',
        '--',
        '/bin/sh',
        '-c',
        HYBRID_SCRIPT,
        'ballast-crun',
        this.controllersFile,
        this.binary,
        ...this.globalArgs,
      ],
    };
  }

  /** Program and arguments for commands that need no workaround (exec, state, kill …). */
  plainCommand(): Command {
    return { path: this.binary, args: this.globalArgs };
  }

  async invoke(args: readonly string[]): Promise<ExecResult> {
    return run(this.binary, [...this.globalArgs, ...args], { timeoutMs: this.timeoutMs, env: runtimeEnv() });
  }

  private async checked(args: readonly string[]): Promise<ExecResult> {
    const r = await this.invoke(args);
    if (r.code !== 0) {
      throw new RuntimeCommandError(classifyRuntimeError(r.stderr), `${this.name} ${args.join(' ')}`, r.stderr, r.code);
    }
    return r;
  }

  /** null when the runtime does not know the container. */
  async state(id: string): Promise<OciState | null> {
    const r = await this.invoke(['state', id]);
    if (r.code !== 0) {
      if (classifyRuntimeError(r.stderr) === 'notFound') return null;
      throw new RuntimeCommandError('other', `${this.name} state ${id}`, r.stderr, r.code);
    }
    return JSON.parse(r.stdout) as OciState;
  }

  async start(id: string): Promise<void> {
    await this.checked(['start', id]);
  }

  async kill(id: string, signal: string, all = false): Promise<void> {
    await this.checked(all ? ['kill', '--all', id, signal] : ['kill', id, signal]);
  }

  async pause(id: string): Promise<void> {
    await this.checked(['pause', id]);
  }

  async resume(id: string): Promise<void> {
    await this.checked(['resume', id]);
  }

  /** Removes the runtime's state; "not found" counts as done. */
  async delete(id: string, force: boolean): Promise<void> {
    const r = await this.invoke(force ? ['delete', '--force', id] : ['delete', id]);
    if (r.code === 0) return;
    const failure = classifyRuntimeError(r.stderr);
    if (failure === 'notFound') return;
    throw new RuntimeCommandError(failure, `${this.name} delete ${id}`, r.stderr, r.code);
  }
}

/** A minimal, predictable environment for runtime and conmon processes. */
export function runtimeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ...extra,
  };
}
