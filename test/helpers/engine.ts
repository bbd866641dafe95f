/** What a test needs from a running engine, whether it is our ballastd or the reference dockerd. */
import { readdirSync, readFileSync } from 'node:fs';
import type { ApiClient } from './http.js';

export type EngineKind = 'ballastd' | 'dockerd';

export interface Engine {
  readonly kind: EngineKind;
  /** The data root: volumes live at `<root>/volumes/<name>/_data`. */
  readonly root: string;
  readonly socketPath: string;
  /** `unix://<socketPath>`, for BALLAST_HOST / DOCKER_HOST. */
  readonly host: string;
  readonly api: ApiClient;
  /** The daemon's stderr (and stdout) so far, for failure messages. */
  logs(): string;
  /** Stop the daemon (SIGTERM, wait) and remove its temporary tree, unmounting leftovers first. */
  stop(): Promise<void>;
  /** After stop(): mount points that were still mounted under the tree once the daemon had exited. */
  readonly leakedMounts: readonly string[];
}

/** Engines whose daemon process can be killed and brought back on the same root. */
export interface RestartableEngine extends Engine {
  /** SIGKILL the daemon (no clean shutdown); the root stays for restart(). */
  kill9(): Promise<void>;
  /** Start the daemon again on the same root and socket; resolves once /_ping answers. */
  restart(): Promise<void>;
}

/**
 * Kill every process whose command line mentions `dir` (conmon, shims, stray helpers a daemon
 * left behind), so the tree can be unmounted and removed. Best effort; returns the pids killed.
 */
export function killProcessesMentioning(dir: string): number[] {
  const killed: number[] = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const pid = Number(ent);
    if (pid === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${ent}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(dir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* gone already */
    }
  }
  return killed;
}

/** Wait until none of `pids` exists any more (killed processes may take a moment to be reaped). */
export async function waitGone(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter((p) => {
      try {
        // A zombie still has /proc/<pid>, but its state is Z: gone for our purposes.
        return !/\) Z /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    if (alive.length === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}
