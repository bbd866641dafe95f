/**
 * `export [-o FILE] CONTAINER`: GET /containers/{id}/export, the container's
 * file system as a tar, to stdout (never a terminal) or to a file.
 */
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { rawCopy } from '../../client/stdcopy.js';
import { expectOk } from '../../client/containers.js';
import { isTerminal } from '../../client/tty.js';
import { goPathError } from '../../lib/node-errors.js';
import { CliError, type Command } from '../command.js';
import { errorText } from './container-common.js';

/** command.ValidateOutputPath, with export's wording. */
function validateOutputPath(p: string): void {
  if (p === '') return;
  const dir = dirname(p);
  if (dir !== '.' && dir !== '') {
    try {
      statSync(dir);
    } catch (e) {
      throw new CliError(`failed to export container: invalid output path: ${goPathError('stat', dir, e)}`, 1);
    }
  }
  try {
    const st = statSync(p);
    if (!st.isFile() && !st.isDirectory()) {
      throw new CliError(`failed to export container: invalid output path: "${p}" must be a directory or a regular file`, 1);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
}

export const exportCommand: Command = {
  name: 'export',
  usage: '[OPTIONS] CONTAINER',
  short: "Export a container's filesystem as a tar archive",
  args: { exact: 1 },
  flags: [{ name: 'output', short: 'o', kind: 'string', description: 'Write to a file, instead of STDOUT' }],
  async run(ctx) {
    const output = ctx.flags.string('output') ?? '';
    if (output === '' && isTerminal(ctx.io.stdout)) {
      throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    }
    validateOutputPath(output);
    const client = await ctx.client();
    let res;
    try {
      res = await expectOk(await client.open('GET', `/containers/${encodeURIComponent(ctx.args[0] as string)}/export`));
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    if (output === '') {
      await rawCopy(res, ctx.io.stdout);
      return;
    }
    // command.CopyToFile: a temporary file next to the target, renamed when complete.
    const tmp = join(dirname(output), `.${basename(output)}.ballast-${process.pid}`);
    try {
      await pipeline(res, createWriteStream(tmp));
      renameSync(tmp, output);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new CliError((e as Error).message, 1);
    }
  },
};
