/** Helpers shared by the container and image commands. */
import { ApiError, ConnectionError } from '../../client/api-client.js';
import { ContainersApi } from '../../client/containers.js';
import { ExecApi } from '../../client/exec.js';
import { ImagesApi } from '../../client/images.js';
import { CliError, type CommandContext } from '../command.js';

export async function containersApi(ctx: CommandContext): Promise<ContainersApi> {
  return new ContainersApi(await ctx.client());
}

export async function imagesApi(ctx: CommandContext): Promise<ImagesApi> {
  return new ImagesApi(await ctx.client());
}

export async function execApi(ctx: CommandContext): Promise<ExecApi> {
  return new ExecApi(await ctx.client());
}

/**
 * The text the docker CLI prints for a failed request: daemon errors get the
 * "Error response from daemon: " prefix. Connection failures are rethrown so
 * the CLI reports them once, its own way.
 */
export function errorText(e: unknown): string {
  if (e instanceof ConnectionError) throw e;
  if (e instanceof ApiError) return `Error response from daemon: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404;
}

/**
 * Runs `op` on every argument concurrently (docker's parallelOperation), then
 * reports in argument order: successes as `label(arg)` on stdout, failures
 * joined on stderr with exit code 1.
 */
export async function forEachArg(
  ctx: CommandContext,
  args: readonly string[],
  op: (arg: string) => Promise<void>,
  opts: { label?: (arg: string) => string; ignore?: (e: unknown) => boolean } = {},
): Promise<void> {
  const results = await Promise.allSettled(args.map((a) => op(a)));
  const errors: string[] = [];
  results.forEach((r, i) => {
    const arg = args[i] as string;
    if (r.status === 'fulfilled') {
      ctx.io.stdout.write(`${opts.label ? opts.label(arg) : arg}\n`);
    } else if (opts.ignore?.(r.reason)) {
      ctx.io.stderr.write(`${errorText(r.reason)}\n`);
    } else {
      errors.push(errorText(r.reason));
    }
  });
  if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
}

export function versionAtLeast(v: string, min: string): boolean {
  const n = (s: string) => {
    const [a, b] = s.split('.').map(Number);
    return (a ?? 0) * 1000 + (b ?? 0);
  };
  return n(v) >= n(min);
}

/** Waits until everything written to a stream so far has been flushed. */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    if (!stream.write('')) stream.once('drain', () => resolve());
    else resolve();
  });
}
