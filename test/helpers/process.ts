/**
 * Daemon child processes for tests: spawn with captured stderr, wait for exit, and a safety net
 * that kills every daemon still alive if the test process goes away (a failed assertion must not
 * leave a ballastd or dockerd running on the machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const LOG_CAP = 4 * 1024 * 1024;

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals>;
  isRunning(): boolean;
  /** Everything the process wrote to stdout and stderr so far (capped, newest kept). */
  output(): string;
}

const live = new Set<DaemonProcess>();
let netInstalled = false;

function killAllNow(): void {
  for (const d of live) {
    // Negative pid: the daemon leads its own process group (detached), take its helpers too.
    try { process.kill(-d.pid, 'SIGKILL'); } catch { /* already gone */ }
    try { process.kill(d.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  live.clear();
}

function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllNow();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/**
 * setpriv (util-linux) execs the daemon with PR_SET_PDEATHSIG, so it dies even when the test
 * process is SIGKILLed (the exit handlers above cannot run then). Same pid: setpriv execs.
 */
const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : undefined;

export function spawnDaemon(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): DaemonProcess {
  installSafetyNet();
  const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', cmd, ...args]] : [cmd, [...args]];
  const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  const append = (b: Buffer): void => {
    log += b.toString('utf8');
    if (log.length > LOG_CAP) log = log.slice(log.length - LOG_CAP);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let running = true;
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.on('error', (e) => {
      append(Buffer.from(`\n[harness] spawn ${cmd} failed: ${e.message}\n`));
      running = false;
      resolve(-1);
    });
    child.on('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? -1);
    });
  });
  if (child.pid === undefined) {
    // spawn failed synchronously (ENOENT arrives as an 'error' event).
    const d: DaemonProcess = { child, pid: -1, exited, isRunning: () => false, output: () => log };
    return d;
  }
  const d: DaemonProcess = { child, pid: child.pid, exited, isRunning: () => running, output: () => log };
  live.add(d);
  void exited.then(() => live.delete(d));
  return d;
}

/** Wait for exit; after `timeoutMs` escalate to SIGKILL. Returns the exit code or signal. */
export async function waitForExit(d: DaemonProcess, timeoutMs: number): Promise<{ result: number | NodeJS.Signals; forced: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });
  const first = await Promise.race([d.exited, timeout]);
  clearTimeout(timer);
  if (first !== 'timeout') return { result: first, forced: false };
  try { process.kill(d.pid, 'SIGKILL'); } catch { /* gone */ }
  return { result: await d.exited, forced: true };
}

export function signal(d: DaemonProcess, sig: NodeJS.Signals): void {
  if (!d.isRunning()) return;
  try { process.kill(d.pid, sig); } catch { /* already gone */ }
}

/** Kill the daemon's whole process group (helpers it spawned that stayed in the group). */
export function killGroup(d: DaemonProcess): void {
  try { process.kill(-d.pid, 'SIGKILL'); } catch { /* already gone */ }
}

/** The last `lines` lines of a log, for failure messages. */
export function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
