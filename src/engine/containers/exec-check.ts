/**
 * Finds the container's executable before the runtime does, so a missing or
 * unusable one fails with the words runc uses (and the docker CLI turns into
 * exit codes 127 / 126): crun words these errors differently.
 */
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { EngineError } from '../../domain/errors.js';
import { resolveFollowInRoot } from '../../storage/archive/index.js';

/** runc's wording, for a container's start and for docker exec. */
const PREFIX = {
  create: 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process',
  exec: 'OCI runtime exec failed: exec failed: unable to start container process',
} as const;

export type ExecPhase = keyof typeof PREFIX;

function failure(phase: ExecPhase, arg0: string, reason: string): EngineError {
  return new EngineError('invalidArgument', `${PREFIX[phase]}: exec: "${arg0}": ${reason}: unknown`);
}

async function check(rootfs: string, path: string): Promise<'ok' | 'missing' | 'dir' | 'noexec'> {
  let host: string;
  try {
    host = await resolveFollowInRoot(rootfs, path.replace(/^\/+/, ''));
  } catch {
    return 'missing';
  }
  try {
    const st = await stat(host);
    if (st.isDirectory()) return 'dir';
    if ((st.mode & 0o111) === 0) return 'noexec';
    return 'ok';
  } catch {
    return 'missing';
  }
}

export async function checkExecutable(
  rootfs: string,
  arg0: string,
  env: readonly string[],
  cwd: string,
  phase: ExecPhase = 'create',
): Promise<void> {
  if (arg0.includes('/')) {
    const abs = arg0.startsWith('/') ? arg0 : posix.join(cwd || '/', arg0);
    const r = await check(rootfs, abs);
    if (r === 'missing') throw failure(phase, arg0, `stat ${arg0}: no such file or directory`);
    if (r === 'dir' || r === 'noexec') throw failure(phase, arg0, 'permission denied');
    return;
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '';
  for (const dir of pathVar.split(':')) {
    if (!dir) continue;
    if ((await check(rootfs, posix.join(dir, arg0))) === 'ok') return;
  }
  throw failure(phase, arg0, 'executable file not found in $PATH');
}
