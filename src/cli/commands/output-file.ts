/**
 * Where `save` and `export` write a tar: stdout (never a terminal), or a file
 * written beside its target and renamed when complete (docker's CopyToFile).
 */
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rawCopy } from '../../client/stdcopy.js';
import { goPathError } from '../../lib/node-errors.js';
import { CliError } from '../command.js';

/** `failing` is docker's prefix for the command, e.g. "failed to save image". */
export function validateOutputPath(p: string, failing: string): void {
  if (p === '') return;
  const dir = dirname(p);
  if (dir !== '.' && dir !== '') {
    try {
      statSync(dir);
    } catch (e) {
      throw new CliError(`${failing}: invalid output path: ${goPathError('stat', dir, e)}`, 1);
    }
  }
  try {
    const st = statSync(p);
    if (!st.isFile() && !st.isDirectory()) {
      throw new CliError(`${failing}: invalid output path: "${p}" must be a directory or a regular file`, 1);
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
  }
}

/** Copies the tar to stdout (output '') or atomically into the file. */
export async function writeOutput(tar: Readable, output: string, stdout: Writable, failing?: string): Promise<void> {
  if (output === '') {
    await rawCopy(tar, stdout);
    return;
  }
  const tmp = join(dirname(output), `.${basename(output)}.ballast-${process.pid}`);
  try {
    await pipeline(tar, createWriteStream(tmp));
    renameSync(tmp, output);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new CliError(failing ? `${failing}: ${(e as Error).message}` : (e as Error).message, 1);
  }
}
