/**
 * Consistency around a capture: pre/post hooks (commands run in containers,
 * e.g. pg_dump) and quiescing the containers that use a volume, by pausing
 * them (cgroup freezer: processes cannot tell, ~tens of ms) or stopping them.
 * Every freeze is timed and reported; a thaw always runs, even after errors,
 * and a container that was paused or stopped before stays that way.
 */
import { invalidArgument, messageOf } from '../../domain/errors.js';
import type { HookReport, QuiescedContainer } from '../../backup/format.js';
import type { ContainerControl, ContainerUse } from './container-control.js';

export type QuiesceMode = 'pause' | 'stop' | 'none';

export interface Hook {
  readonly container: string;
  readonly command: string;
}

/** "CTR:CMD" — the command runs with sh -c inside the container. */
export function parseHook(spec: string): Hook {
  const i = spec.indexOf(':');
  if (i <= 0 || i === spec.length - 1) throw invalidArgument(`invalid hook "${spec}": expected CONTAINER:COMMAND`);
  return { container: spec.slice(0, i), command: spec.slice(i + 1) };
}

export function parseQuiesce(v: string | null | undefined): QuiesceMode {
  if (v === null || v === undefined || v === '' || v === 'none') return 'none';
  if (v === 'pause' || v === 'stop') return v;
  throw invalidArgument(`invalid quiesce mode "${v}": use pause, stop or none`);
}

export class HookFailed extends Error {
  constructor(readonly report: HookReport, output: string) {
    super(
      `${report.phase}-exec in ${report.container} failed with exit code ${report.exitCode}${output.trim() ? `: ${output.trim().slice(-500)}` : ''}`,
    );
    this.name = 'HookFailed';
  }
}

export async function runHooks(control: ContainerControl, hooks: readonly Hook[], phase: 'pre' | 'post'): Promise<HookReport[]> {
  const reports: HookReport[] = [];
  for (const h of hooks) {
    const c = await control.resolve(h.container);
    const t0 = Date.now();
    const r = await control.exec(c.id, ['sh', '-c', h.command]);
    const report: HookReport = { phase, container: c.name, command: h.command, exitCode: r.exitCode, durationMs: Date.now() - t0 };
    reports.push(report);
    if (r.exitCode !== 0) throw new HookFailed(report, r.output);
  }
  return reports;
}

export interface Freeze {
  readonly containers: readonly ContainerUse[];
  /** Thaws everything frozen; returns what was frozen and for how long. */
  thaw(): Promise<QuiescedContainer[]>;
}

/** Pauses or stops the running users; containers already paused or stopped are left alone. */
export async function freeze(control: ContainerControl, users: readonly ContainerUse[], mode: QuiesceMode): Promise<Freeze> {
  const targets = mode === 'none' ? [] : users.filter((u) => u.running && !u.paused);
  const done: Array<{ use: ContainerUse; at: number }> = [];
  const thaw = async (): Promise<QuiescedContainer[]> => {
    const out: QuiescedContainer[] = [];
    const errors: string[] = [];
    for (const { use, at } of done.splice(0).reverse()) {
      try {
        if (mode === 'pause') await control.unpause(use.id);
        else await control.start(use.id);
      } catch (e) {
        errors.push(`${use.name}: ${messageOf(e)}`);
      }
      out.push({ id: use.id, name: use.name, action: mode === 'stop' ? 'stop' : 'pause', frozenMs: Date.now() - at });
    }
    if (errors.length > 0) throw new Error(`could not resume containers after the backup: ${errors.join('; ')}`);
    return out.reverse();
  };
  try {
    for (const use of targets) {
      const at = Date.now();
      if (mode === 'pause') await control.pause(use.id);
      else await control.stop(use.id);
      done.push({ use, at });
    }
  } catch (e) {
    await thaw().catch(() => undefined);
    throw e;
  }
  return { containers: targets, thaw };
}
