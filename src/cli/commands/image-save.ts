/** `save [-o file] IMAGE...`: GET /images/get as a tar, to stdout (never a terminal) or to a file. */
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { goPathError } from '../../lib/node-errors.js';
import { rawCopy } from '../../client/stdcopy.js';
import { isTerminal } from '../../client/tty.js';
import { CliError, type Command } from '../command.js';
import { errorText, imagesApi } from './container-common.js';

function validateOutputPath(p: string): void {
  if (p === '') return;
  const dir = dirname(p);
  if (dir !== '.' && dir !== '') {
    try {
      statSync(dir);
    } catch (e) {
      throw new CliError(`failed to save image: invalid output path: ${goPathError('stat', dir, e)}`, 1);
    }
  }
  try {
    const st = statSync(p);
    if (!st.isFile() && !st.isDirectory()) throw new CliError(`failed to save image: invalid output path: "${p}" must be a directory or a regular file`, 1);
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
}

export const saveCommand: Command = {
  name: 'save',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  short: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  args: { min: 1 },
  flags: [
    { name: 'output', short: 'o', kind: 'string', description: 'Write to a file, instead of STDOUT' },
    { name: 'platform', kind: 'stringArray', typeName: 'stringSlice', description: 'Save only the given platform(s).' },
  ],
  async run(ctx) {
    const output = ctx.flags.string('output') ?? '';
    if (output === '' && isTerminal(ctx.io.stdout)) {
      throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect', 1);
    }
    validateOutputPath(output);
    const api = await imagesApi(ctx);
    let res;
    try {
      res = await api.save(ctx.args);
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
      throw new CliError(`failed to save image: ${(e as Error).message}`, 1);
    }
  },
};
