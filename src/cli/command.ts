/**
 * The command tree of the CLI: cobra's model (nested commands, per-command
 * flags, argument-count checks, usage and help text) with docker's wording.
 */
import type { Readable, Writable } from 'node:stream';
import type { ApiClient } from '../client/api-client.js';
import { Flags, type FlagSpec } from './flags.js';

export interface CliIO {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
}

export interface CommandContext {
  /** "ballast" (or whatever name the program was called by). */
  program: string;
  /** The command path, e.g. ["volume", "create"]. */
  path: string[];
  command: Command;
  flags: Flags;
  args: string[];
  io: CliIO;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Connects on first use (and starts a daemon on the default socket if none answers). */
  client(): Promise<ApiClient>;
}

export type ArgRule =
  | { exact: number }
  | { min: number; max?: number }
  | { max: number };

export interface Command {
  name: string;
  aliases?: string[];
  /** Shown after the command path in "Usage:", e.g. "[OPTIONS] [VOLUME]". */
  usage: string;
  short: string;
  flags?: FlagSpec[];
  args?: ArgRule;
  /** false: flags stop at the first argument (run, exec: the rest belongs to the container). */
  interspersed?: boolean;
  subcommands?: Command[];
  run?: (ctx: CommandContext) => Promise<number | void>;
}

/** A failure the CLI reports itself, with the exit code it must end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** Append the usage line and the "Run '… --help'" hint, as cobra does for input errors. */
    readonly withUsage = false,
    /** docker says "See '… --help'" after a missing-argument error and "Run" elsewhere. */
    readonly hintVerb: 'Run' | 'See' = 'Run',
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** cobra's argument-count messages, with docker's "docker: '…' requires …" framing. */
export function checkArgs(program: string, path: string[], rule: ArgRule | undefined, args: string[]): void {
  if (!rule) return;
  const cmd = `${program} ${path.join(' ')}`;
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  if ('exact' in rule && args.length !== rule.exact) {
    throw new CliError(`${program}: '${cmd}' requires ${rule.exact} ${plural(rule.exact)}`, 1, true);
  }
  // cobra's RequiresRangeArgs: one message for too few and too many.
  if ('min' in rule && rule.max !== undefined && (args.length < rule.min || args.length > rule.max)) {
    throw new CliError(`${program}: '${cmd}' requires at least ${rule.min} and at most ${rule.max} ${plural(rule.max)}`, 1, true);
  }
  if ('min' in rule && args.length < rule.min) {
    throw new CliError(`${program}: '${cmd}' requires at least ${rule.min} ${plural(rule.min)}`, 1, true, 'See');
  }
  if ('max' in rule && rule.max !== undefined && args.length > rule.max) {
    if (rule.max === 0) throw new CliError(`${program}: '${cmd}' accepts no arguments`, 1, true);
    throw new CliError(`${program}: '${cmd}' requires at most ${rule.max} ${plural(rule.max)}`, 1, true);
  }
}

export function usageLine(program: string, path: string[], cmd: Command): string {
  return `Usage:  ${program} ${path.join(' ')}${cmd.usage ? ` ${cmd.usage}` : ''}`;
}

export function findSubcommand(cmd: Command, name: string): Command | undefined {
  return cmd.subcommands?.find((c) => c.name === name || c.aliases?.includes(name));
}
