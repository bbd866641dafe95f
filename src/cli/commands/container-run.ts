/**
 * `run`, in the docker CLI's order (engine-api-surface §3.3): create → attach
 * (hijack, before start, so no output is lost) → wait (next-exit, or removed
 * with --rm) → start → resize (-t) → stream → exit with the wait's StatusCode.
 * With -d: create → wait → start → print the id (the wait is dropped).
 * Failures: `<program>: <message>` + help hint, exit 125, or 126/127 when the
 * daemon's text says the command could not be run.
 */
import type { Socket } from 'node:net';
import { ApiError, ConnectionError } from '../../client/api-client.js';
import type { PendingWait } from '../../client/containers.js';
import { isTerminal, monitorTtySize } from '../../client/tty.js';
import { CliError, type Command, type CommandContext } from '../command.js';
import { containersApi } from './container-common.js';
import { createContainer, planContainer, reportRunError } from './container-create.js';
import { CONTAINER_FLAGS, RUN_ONLY_FLAGS } from './container-opts.js';
import { streamHijacked } from './container-stream.js';
import { JsonStreamError } from './image-jsonmessage.js';
import { ReferenceFormatError } from './image-reference.js';

/** runStartContainerErr: 127 for a missing command, 126 for one that cannot be executed, else 125. */
export function runExitCode(message: string): number {
  if (
    message.includes('executable file not found') ||
    message.includes('no such file or directory') ||
    message.includes('system cannot find the file specified')
  ) {
    return 127;
  }
  if (message.includes('permission denied') || message.includes('is a directory')) return 126;
  return 125;
}

export function failureText(e: unknown): string {
  if (e instanceof ConnectionError) throw e;
  if (e instanceof ApiError) return `Error response from daemon: ${e.message}`;
  if (e instanceof JsonStreamError || e instanceof ReferenceFormatError || e instanceof Error) return e.message;
  return String(e);
}

/** Signals the CLI passes on to the container (docker's ForwardAllSignals, the ones Node can catch). */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];

export function forwardSignals(kill: (signal: string) => Promise<void>): () => void {
  const handlers = FORWARDED.map((sig) => {
    const h = (): void => void kill(sig.slice(3)).catch(() => undefined);
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/** waitExitOrRemoved: the exit status, 125 when the wait itself failed. */
export async function waitStatus(ctx: CommandContext, pending: PendingWait | Error): Promise<number> {
  if (pending instanceof Error) {
    ctx.io.stderr.write(`error waiting for container: ${failureText(pending)}\n`);
    return 125;
  }
  try {
    const r = await pending.result;
    if (r.Error) {
      ctx.io.stderr.write(`Error waiting for container: ${r.Error.Message}\n`);
      return 125;
    }
    return r.StatusCode;
  } catch (e) {
    ctx.io.stderr.write(`error waiting for container: ${failureText(e)}\n`);
    return 125;
  }
}

async function runContainer(ctx: CommandContext): Promise<number> {
  const plan = planContainer(ctx);
  const config = plan.body;
  const detach = ctx.flags.bool('detach');
  if (!detach) {
    if (config.Tty && config.AttachStdin && !isTerminal(ctx.io.stdin)) throw new CliError('the input device is not a TTY', 1);
  } else {
    if (plan.attach.length > 0) throw new CliError('conflicting options: cannot specify both --attach and --detach', 1);
    config.AttachStdin = false;
    config.AttachStdout = false;
    config.AttachStderr = false;
    config.StdinOnce = false;
  }

  let id: string;
  try {
    id = await createContainer(ctx, plan);
  } catch (e) {
    const text = failureText(e);
    throw reportRunError(ctx, text, runExitCode(text));
  }
  const api = await containersApi(ctx);
  const sigProxy = !ctx.flags.has('sig-proxy') || ctx.flags.bool('sig-proxy');
  const stopForwarding = sigProxy ? forwardSignals((sig) => api.kill(id, sig)) : () => undefined;
  try {
    const attached = config.AttachStdin || config.AttachStdout || config.AttachStderr;
    // docker 28 prints the id only in detached mode (not for `-a stdin`).
    const printId = detach;
    let stream: Promise<{ detached: boolean }> | undefined;
    let hijacked: { socket: Socket; head: Buffer } | undefined;
    if (attached) {
      hijacked = await api.attach(id, {
        stdin: config.AttachStdin,
        stdout: config.AttachStdout,
        stderr: config.AttachStderr,
        detachKeys: ctx.flags.string('detach-keys') ?? '',
      });
    }
    const wait = await api.wait(id, plan.autoRemove ? 'removed' : 'next-exit').catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (hijacked) {
      stream = streamHijacked({
        socket: hijacked.socket,
        head: hijacked.head,
        tty: config.Tty,
        stdin: config.AttachStdin ? ctx.io.stdin : undefined,
        stdout: config.AttachStdout ? ctx.io.stdout : undefined,
        // With a TTY, stderr is merged into the pty's output.
        stderr: config.AttachStderr ? (config.Tty ? ctx.io.stdout : ctx.io.stderr) : undefined,
        detachKeys: ctx.flags.string('detach-keys'),
      });
    }
    try {
      await api.start(id);
    } catch (e) {
      if (hijacked) {
        hijacked.socket.destroy();
        await stream?.catch(() => undefined);
      }
      const text = failureText(e);
      if (plan.autoRemove && !(wait instanceof Error)) await wait.result.catch(() => undefined);
      else if (!(wait instanceof Error)) wait.cancel();
      throw reportRunError(ctx, text, runExitCode(text));
    }
    let stopResize = (): void => undefined;
    if (attached && config.Tty && isTerminal(ctx.io.stdout)) {
      stopResize = monitorTtySize(
        ctx.io.stdout,
        (h, w) => api.resize(id, h, w),
        () => ctx.io.stderr.write('failed to resize tty, using default size\n'),
      );
    }
    try {
      if (stream) {
        const { detached } = await stream;
        if (detached) {
          if (!(wait instanceof Error)) wait.cancel();
          return 0;
        }
      }
    } finally {
      stopResize();
    }
    if (printId) {
      ctx.io.stdout.write(`${id}\n`);
      if (!(wait instanceof Error)) wait.cancel();
      return 0;
    }
    return await waitStatus(ctx, wait);
  } finally {
    stopForwarding();
  }
}

export const runCommand: Command = {
  name: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  short: 'Create and run a new container from an image',
  args: { min: 1 },
  interspersed: false,
  flags: [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS].sort((a, b) => (a.name < b.name ? -1 : 1)),
  run: runContainer,
};
