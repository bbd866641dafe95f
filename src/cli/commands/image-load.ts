/** `load [-i file] [-q]`: a tar of images up to POST /images/load; prints "Loaded image: …". */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { goPathError } from '../../lib/node-errors.js';
import { rawCopy } from '../../client/stdcopy.js';
import { isTerminal } from '../../client/tty.js';
import { CliError, type Command } from '../command.js';
import { errorText, imagesApi } from './container-common.js';
import { displayJsonMessages, JsonStreamError } from './image-jsonmessage.js';

export const loadCommand: Command = {
  name: 'load',
  usage: '[OPTIONS]',
  short: 'Load an image from a tar archive or STDIN',
  args: { max: 0 },
  flags: [
    { name: 'input', short: 'i', kind: 'string', description: 'Read from tar archive file, instead of STDIN' },
    { name: 'platform', kind: 'stringArray', typeName: 'stringSlice', description: 'Load only the given platform(s).' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the load output' },
  ],
  async run(ctx) {
    const file = ctx.flags.string('input') ?? '';
    let input: Readable;
    if (file === '') {
      if (isTerminal(ctx.io.stdin)) throw new CliError('requested load from stdin, but stdin is empty', 1);
      input = ctx.io.stdin;
    } else {
      try {
        await (await open(file, 'r')).close();
      } catch (e) {
        throw new CliError(goPathError('open', file, e), 1);
      }
      input = createReadStream(file);
    }
    const quiet = ctx.flags.bool('quiet') || !isTerminal(ctx.io.stdout);
    const api = await imagesApi(ctx);
    try {
      const res = await api.load(input, quiet);
      if (String(res.headers['content-type'] ?? '').startsWith('application/json')) await displayJsonMessages(res, ctx.io.stdout);
      else await rawCopy(res, ctx.io.stdout);
    } catch (e) {
      if (e instanceof JsonStreamError) throw new CliError(e.message, 1);
      throw new CliError(errorText(e), 1);
    }
  },
};
