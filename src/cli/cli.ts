/**
 * The CLI's entry: global flags, command lookup, flag parsing, and the one
 * place where failures become docker's messages and exit codes.
 */
import { ApiClient, ApiError, ConnectionError } from '../client/api-client.js';
import { CliError, checkArgs, findSubcommand, usageLine, type CliIO, type Command, type CommandContext } from './command.js';
import { FlagError, Flags, parseFlags, renderFlagHelp, type FlagSpec } from './flags.js';
import { connect, type ConnectOptions } from './connect.js';
import { rootCommand } from './commands/root.js';
import { FormatError } from './render.js';

export interface CliEnvironment {
  io: CliIO;
  env: NodeJS.ProcessEnv;
  cwd: string;
  program: string;
  /** How to start a daemon when none answers on the default socket. */
  daemonEntry: string;
  defaultHost: string;
  version: string;
}

const HELP_FLAG: FlagSpec = { name: 'help', kind: 'bool', description: 'Print usage', hidden: true };

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'host', short: 'H', kind: 'string', typeName: 'string', description: 'Daemon socket to connect to' },
  { name: 'debug', short: 'D', kind: 'bool', description: 'Enable debug mode' },
  { name: 'log-level', short: 'l', kind: 'string', description: 'Set the logging level' },
  { name: 'version', short: 'v', kind: 'bool', description: 'Print version information and quit' },
  { name: 'help', kind: 'bool', description: 'Print usage' },
];

/** Splits the global flags (before the first command word) from the rest. */
function splitGlobal(argv: string[]): { globals: string[]; rest: string[] } {
  let i = 0;
  const globals: string[] = [];
  while (i < argv.length) {
    const a = argv[i] as string;
    if (!a.startsWith('-') || a === '-' || a === '--') break;
    globals.push(a);
    const takesValue = ['-H', '--host', '-l', '--log-level'].includes(a);
    if (takesValue && argv[i + 1] !== undefined) globals.push(argv[++i] as string);
    i++;
  }
  if (argv[i] === '--') i++;
  return { globals, rest: argv.slice(i) };
}

export async function runCli(argv: string[], env: CliEnvironment): Promise<number> {
  const { io, program } = env;
  const err = (s: string) => io.stderr.write(s.endsWith('\n') ? s : `${s}\n`);
  let path: string[] = [];
  let cmd: Command = rootCommand;
  let clientPromise: Promise<ApiClient> | undefined;
  try {
    const { globals, rest } = splitGlobal(argv);
    const g = new Flags(parseFlags(globals, GLOBAL_FLAGS));
    if (g.bool('version')) {
      io.stdout.write(`${program} version ${env.version}\n`);
      return 0;
    }
    let args = rest;
    while (args.length > 0 && cmd.subcommands) {
      const next = findSubcommand(cmd, args[0] as string);
      if (!next) {
        if ((args[0] as string).startsWith('-')) break;
        const where = [program, ...path].join(' ');
        throw new CliError(
          `${program}: unknown command: ${where} ${args[0]}\n\n${usageLine(program, path, cmd)}\n\nRun '${where} --help' for more information`,
          1,
        );
      }
      cmd = next;
      path = [...path, next.name];
      args = args.slice(1);
    }
    const specs = [...(cmd.flags ?? []), HELP_FLAG];
    const parsed = new Flags(parseFlags(args, specs, cmd.interspersed ?? true));
    if (parsed.bool('help') || g.bool('help') || !cmd.run) {
      io.stdout.write(helpText(program, path, cmd));
      return 0;
    }
    checkArgs(program, path, cmd.args, parsed.args);
    const connectOpts: ConnectOptions = {
      explicitHost: g.string('host') ?? env.env['BALLAST_HOST'],
      defaultHost: env.defaultHost,
      daemonEntry: env.daemonEntry,
      program,
      notice: (line) => err(line),
    };
    const ctx: CommandContext = {
      program,
      path,
      command: cmd,
      flags: parsed,
      args: parsed.args,
      io,
      cwd: env.cwd,
      env: env.env,
      client: () => (clientPromise ??= connect(connectOpts)),
    };
    const code = await cmd.run(ctx);
    return code ?? 0;
  } catch (e) {
    return report(e, program, path, cmd, err, (t) => io.stdout.write(t));
  } finally {
    if (clientPromise) void clientPromise.then((c) => c.close(), () => undefined);
  }
}

function report(e: unknown, program: string, path: string[], cmd: Command, err: (s: string) => void, out: (s: string) => void): number {
  const hint = `Run '${[program, ...path].join(' ')} --help' for more information`;
  if (e instanceof FlagError) {
    err(`${e.message}\n\n${usageLine(program, path, cmd)}\n\n${hint}`);
    return 125;
  }
  if (e instanceof CliError) {
    const h = e.hintVerb === 'See' ? hint.replace(/^Run/, 'See') : hint;
    err(e.withUsage ? `${e.message}\n\n${usageLine(program, path, cmd)}\n\n${h}` : e.message);
    return e.exitCode;
  }
  if (e instanceof FormatError) {
    if (e.output) out(e.output);
    err(e.message);
    return e.exitCode;
  }
  if (e instanceof ApiError) {
    err(`Error response from daemon: ${e.message}`);
    return 1;
  }
  if (e instanceof ConnectionError) {
    err(`Cannot connect to the ballast daemon at unix://${e.socketPath}. Is the ballast daemon running?`);
    return 1;
  }
  err(`${program}: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
}

function helpText(program: string, path: string[], cmd: Command): string {
  const lines = [usageLine(program, path, cmd), '', cmd.short];
  if (cmd.aliases?.length) lines.push('', 'Aliases:', `  ${[program, ...path.slice(0, -1), cmd.name].join(' ')}, ${cmd.aliases.join(', ')}`);
  if (cmd.subcommands?.length) {
    lines.push('', 'Commands:');
    const width = Math.max(...cmd.subcommands.map((s) => s.name.length)) + 2;
    for (const s of cmd.subcommands) lines.push(`  ${s.name.padEnd(width)}  ${s.short}`);
  }
  const flags = (cmd.flags ?? []).filter((f) => !f.hidden);
  if (flags.length) lines.push('', 'Options:', renderFlagHelp(flags));
  if (cmd.subcommands?.length) {
    lines.push('', `Run '${[program, ...path].join(' ')} COMMAND --help' for more information on a command.`);
  }
  return lines.join('\n') + '\n';
}
