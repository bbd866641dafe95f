/**
 * `start`, `stop`, `kill`, `restart`, `pause`, `unpause`, `rm`, `wait`, `rename`:
 * the docker CLI's per-container loops, outputs and exit codes.
 */
import { isTerminal, monitorTtySize } from '../../client/tty.js';
import { CliError, type Command } from '../command.js';
import { containersApi, errorText, forEachArg, isNotFound } from './container-common.js';
import { forwardSignals, waitStatus } from './container-run.js';
import { streamHijacked } from './container-stream.js';

const timeoutFlags = [
  { name: 'signal', short: 's', kind: 'string' as const, description: 'Signal to send to the container' },
  { name: 'timeout', short: 't', kind: 'int' as const, description: 'Seconds to wait before killing the container' },
  { name: 'time', kind: 'int' as const, description: 'Seconds to wait before killing the container (deprecated: use --timeout)', hidden: true },
];

function timeoutOf(flags: { has(n: string): boolean; int(n: string): number | undefined }): number | undefined {
  if (flags.has('timeout')) return flags.int('timeout');
  if (flags.has('time')) return flags.int('time');
  return undefined;
}

export const startCommand: Command = {
  name: 'start',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Start one or more stopped containers',
  args: { min: 1 },
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
    { name: 'detach-keys', kind: 'string', description: 'Override the key sequence for detaching a container' },
    { name: 'interactive', short: 'i', kind: 'bool', description: "Attach container's STDIN" },
  ],
  async run(ctx) {
    const api = await containersApi(ctx);
    const attach = ctx.flags.bool('attach') || ctx.flags.bool('interactive');
    if (!attach) {
      const failed: string[] = [];
      for (const name of ctx.args) {
        try {
          await api.start(name);
          ctx.io.stdout.write(`${name}\n`);
        } catch (e) {
          ctx.io.stderr.write(`${errorText(e)}\n`);
          failed.push(name);
        }
      }
      if (failed.length > 0) throw new CliError(`Error: failed to start containers: ${failed.join(', ')}`, 1);
      return 0;
    }
    if (ctx.args.length > 1) throw new CliError('you cannot start and attach multiple containers at once', 1);
    let c;
    try {
      c = await api.inspect(ctx.args[0] as string);
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    const tty = c.Config.Tty === true;
    const stopForwarding = tty ? () => undefined : forwardSignals((sig) => api.kill(c.Id, sig));
    try {
      const withStdin = ctx.flags.bool('interactive') && c.Config.OpenStdin === true;
      const detachKeys = ctx.flags.string('detach-keys');
      const { socket, head } = await api.attach(c.Id, { stdin: withStdin, stdout: true, stderr: true, detachKeys: detachKeys ?? '' });
      const stream = streamHijacked({
        socket,
        head,
        tty,
        stdin: withStdin ? ctx.io.stdin : undefined,
        stdout: ctx.io.stdout,
        stderr: tty ? ctx.io.stdout : ctx.io.stderr,
        detachKeys,
      });
      const wait = await api.wait(c.Id, c.HostConfig.AutoRemove ? 'removed' : 'next-exit').catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      try {
        await api.start(c.Id);
      } catch (e) {
        socket.destroy();
        await stream.catch(() => undefined);
        if (!(wait instanceof Error)) {
          if (c.HostConfig.AutoRemove) await wait.result.catch(() => undefined);
          else wait.cancel();
        }
        throw new CliError(errorText(e), 1);
      }
      const stopResize =
        tty && isTerminal(ctx.io.stdout)
          ? monitorTtySize(ctx.io.stdout, (h, w) => api.resize(c.Id, h, w), () => ctx.io.stderr.write('failed to resize tty, using default size\n'))
          : () => undefined;
      let detached: boolean;
      try {
        ({ detached } = await stream);
      } finally {
        stopResize();
      }
      if (detached) {
        if (!(wait instanceof Error)) wait.cancel();
        return 0;
      }
      return await waitStatus(ctx, wait);
    } finally {
      stopForwarding();
    }
  },
};

export const stopCommand: Command = {
  name: 'stop',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Stop one or more running containers',
  args: { min: 1 },
  flags: timeoutFlags,
  async run(ctx) {
    const api = await containersApi(ctx);
    const t = timeoutOf(ctx.flags);
    await forEachArg(ctx, ctx.args, (id) => api.stop(id, t, ctx.flags.string('signal')));
  },
};

export const restartCommand: Command = {
  name: 'restart',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Restart one or more containers',
  args: { min: 1 },
  flags: timeoutFlags,
  async run(ctx) {
    const api = await containersApi(ctx);
    const t = timeoutOf(ctx.flags);
    const errors: string[] = [];
    // docker restarts one after the other.
    for (const id of ctx.args) {
      try {
        await api.restart(id, t, ctx.flags.string('signal'));
        ctx.io.stdout.write(`${id}\n`);
      } catch (e) {
        errors.push(errorText(e));
      }
    }
    if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
  },
};

export const killCommand: Command = {
  name: 'kill',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Kill one or more running containers',
  args: { min: 1 },
  flags: [{ name: 'signal', short: 's', kind: 'string', description: 'Signal to send to the container' }],
  async run(ctx) {
    const api = await containersApi(ctx);
    await forEachArg(ctx, ctx.args, (id) => api.kill(id, ctx.flags.string('signal')));
  },
};

export const pauseCommand: Command = {
  name: 'pause',
  usage: 'CONTAINER [CONTAINER...]',
  short: 'Pause all processes within one or more containers',
  args: { min: 1 },
  async run(ctx) {
    const api = await containersApi(ctx);
    await forEachArg(ctx, ctx.args, (id) => api.pause(id));
  },
};

export const unpauseCommand: Command = {
  name: 'unpause',
  usage: 'CONTAINER [CONTAINER...]',
  short: 'Unpause all processes within one or more containers',
  args: { min: 1 },
  async run(ctx) {
    const api = await containersApi(ctx);
    await forEachArg(ctx, ctx.args, (id) => api.unpause(id));
  },
};

export const rmCommand: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Remove one or more containers',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    { name: 'link', short: 'l', kind: 'bool', description: 'Remove the specified link' },
    { name: 'volumes', short: 'v', kind: 'bool', description: 'Remove anonymous volumes associated with the container' },
  ],
  async run(ctx) {
    const api = await containersApi(ctx);
    const force = ctx.flags.bool('force');
    await forEachArg(
      ctx,
      ctx.args,
      async (raw) => {
        const id = raw.replace(/^\/+|\/+$/g, '');
        if (id === '') throw new Error('Container name cannot be empty');
        await api.remove(id, { force, volumes: ctx.flags.bool('volumes'), link: ctx.flags.bool('link') });
      },
      // With --force a missing container is reported but is not a failure.
      { ignore: (e) => force && isNotFound(e) },
    );
  },
};

export const waitCommand: Command = {
  name: 'wait',
  usage: 'CONTAINER [CONTAINER...]',
  short: 'Block until one or more containers stop, then print their exit codes',
  args: { min: 1 },
  async run(ctx) {
    const api = await containersApi(ctx);
    const errors: string[] = [];
    for (const id of ctx.args) {
      try {
        const pending = await api.wait(id, undefined);
        const r = await pending.result;
        ctx.io.stdout.write(`${r.StatusCode}\n`);
      } catch (e) {
        errors.push(errorText(e));
      }
    }
    if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
  },
};

export const renameCommand: Command = {
  name: 'rename',
  usage: 'CONTAINER NEW_NAME',
  short: 'Rename a container',
  args: { exact: 2 },
  async run(ctx) {
    const api = await containersApi(ctx);
    const oldName = (ctx.args[0] as string).trim();
    const newName = (ctx.args[1] as string).trim();
    if (oldName === '' || newName === '') throw new CliError('Error: Neither old nor new names may be empty', 1);
    try {
      await api.rename(oldName, newName);
    } catch (e) {
      ctx.io.stderr.write(`${errorText(e)}\n`);
      throw new CliError(`Error: failed to rename container named ${oldName}`, 1);
    }
  },
};
