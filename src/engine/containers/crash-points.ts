/**
 * Fault injection for the crash-consistency tests (test/integration/leaks-crash.test.ts).
 *
 * With BALLAST_CRASH_POINT_FILE set in the daemon's environment, `crashPoint('create:rootfs')`
 * SIGKILLs the daemon when that file names this point; the file is removed first, so the
 * restarted daemon does not die at the same place again. Timed kills from outside rarely land
 * between two steps a few microseconds apart; this lands on every step the tests name.
 * Without the variable it costs one property read.
 */
import { readFileSync, rmSync } from 'node:fs';

export type CrashPoint =
  | 'create:dir'
  | 'create:rootfs'
  | 'create:volumes'
  | 'create:row'
  | 'create:copy-up'
  | 'start:mounts'
  | 'start:runtime-created'
  | 'start:runtime-started'
  | 'exit:recorded'
  | 'remove:marked'
  | 'remove:runtime-deleted'
  | 'remove:layer-removed'
  | 'remove:row-deleted';

export function crashPoint(name: CrashPoint): void {
  const file = process.env['BALLAST_CRASH_POINT_FILE'];
  if (!file) return;
  let wanted: string;
  try {
    wanted = readFileSync(file, 'utf8').trim();
  } catch {
    return;
  }
  if (wanted !== name) return;
  rmSync(file, { force: true });
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered asynchronously to a multi-threaded process: take no further step.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}
