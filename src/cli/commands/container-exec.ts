/**
 * `exec`: inspect (so "No such container" wins), the TTY check, exec create,
 * then a hijacked exec start streamed like attach; the exit code comes from
 * GET /exec/{id}/json once the stream closes. With -d: a detached start.
 */
import type { ExecCreateBody } from '../../client/exec.js';
import { isTerminal, monitorTtySize, ttySize } from '../../client/tty.js';
import { CliError, type Command } from '../command.js';
import { containersApi, errorText, execApi, versionAtLeast } from './container-common.js';
import { OptionsError, readKeyValueFile } from './container-opts.js';
import { streamHijacked } from './container-stream.js';

function validateEnv(v: string): void {
  if ((v.split('=')[0] ?? '') === '') throw new Error(`invalid environment variable: ${v}`);
}

export const execCommand: Command = {
  name: 'exec',
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  short: 'Execute a command in a running container',
  args: { min: 2 },
  interspersed: false,
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', description: 'Detached mode: run command in the background' },
    { name: 'detach-keys', kind: 'string', description: 'Override the key sequence for detaching a container' },
    { name: 'env', short: 'e', kind: 'stringArray', typeName: 'list', description: 'Set environment variables', validate: validateEnv },
    { name: 'env-file', kind: 'stringArray', typeName: 'list', description: 'Read in a file of environment variables' },
    { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open even if not attached' },
    { name: 'privileged', kind: 'bool', description: 'Give extended privileges to the command' },
    { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
    { name: 'user', short: 'u', kind: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
    { name: 'workdir', short: 'w', kind: 'string', description: 'Working directory inside the container' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const [container, ...cmd] = ctx.args as [string, ...string[]];
    const detach = f.bool('detach');
    const tty = f.bool('tty');
    let env: string[];
    try {
      env = [
        ...f.strings('env-file').flatMap((p) => readKeyValueFile(p, (k) => ctx.env[k])),
        ...f.strings('env').map((e) => (e.includes('=') || ctx.env[e] === undefined ? e : `${e}=${ctx.env[e]}`)),
      ];
    } catch (e) {
      if (e instanceof OptionsError) throw new CliError(e.message, 1);
      throw e;
    }
    const attachStdin = !detach && f.bool('interactive');
    const client = await ctx.client();
    const containers = await containersApi(ctx);
    const exec = await execApi(ctx);
    try {
      await containers.inspect(container);
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    if (!detach && tty && attachStdin && !isTerminal(ctx.io.stdin)) throw new CliError('the input device is not a TTY', 1);
    const consoleSize = tty && versionAtLeast(client.apiVersion, '1.42') ? ttySize(ctx.io.stdout) : undefined;
    const body: ExecCreateBody = {
      User: f.string('user') ?? '',
      Privileged: f.bool('privileged'),
      Tty: tty,
      ...(consoleSize ? { ConsoleSize: consoleSize } : {}),
      AttachStdin: attachStdin,
      AttachStderr: !detach,
      AttachStdout: !detach,
      Detach: false,
      DetachKeys: f.string('detach-keys') ?? '',
      Env: env.length > 0 ? env : null,
      WorkingDir: f.string('workdir') ?? '',
      Cmd: cmd,
    };
    let id: string;
    try {
      ({ Id: id } = await exec.create(container, body));
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    if (!id) throw new CliError('exec ID empty', 1);
    if (detach) {
      await exec.startDetached(id, tty).catch((e: unknown) => {
        throw new CliError(errorText(e), 1);
      });
      return 0;
    }
    const { socket, head } = await exec.start(id, tty, consoleSize).catch((e: unknown) => {
      throw new CliError(errorText(e), 1);
    });
    const stopResize =
      tty && isTerminal(ctx.io.stdin)
        ? monitorTtySize(ctx.io.stdout, (h, w) => exec.resize(id, h, w), () => ctx.io.stderr.write('failed to resize tty, using default size\n'))
        : () => undefined;
    try {
      await streamHijacked({
        socket,
        head,
        tty,
        stdin: attachStdin ? ctx.io.stdin : undefined,
        stdout: ctx.io.stdout,
        stderr: tty ? ctx.io.stdout : ctx.io.stderr,
        detachKeys: f.string('detach-keys'),
      });
    } finally {
      stopResize();
    }
    try {
      const r = await exec.inspect(id);
      return r.ExitCode ?? 0;
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
  },
};
