/**
 * `import file|URL|- [REPOSITORY[:TAG]]`: the tarball goes up chunked to
 * POST /images/create?fromSrc=-; the daemon's JSON stream ends with the new
 * image id, which is printed.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { goPathError } from '../../lib/node-errors.js';
import { CliError, type Command } from '../command.js';
import { errorText, imagesApi } from './container-common.js';
import { displayJsonMessages, JsonStreamError } from './image-jsonmessage.js';
import { parseNormalizedNamed } from './image-reference.js';

export const importCommand: Command = {
  name: 'import',
  usage: '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]',
  short: 'Import the contents from a tarball to create a filesystem image',
  // docker checks only the minimum; extra arguments are ignored.
  args: { min: 1 },
  flags: [
    { name: 'change', short: 'c', kind: 'stringArray', typeName: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', description: 'Set commit message for imported image' },
    { name: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable' },
  ],
  async run(ctx) {
    const [source, repo] = ctx.args as [string, string | undefined];
    let input: Readable | undefined;
    let fromSrc = '-';
    if (source === '-') {
      input = ctx.io.stdin;
    } else if (source.startsWith('http://') || source.startsWith('https://')) {
      fromSrc = source;
    } else {
      // Open first so a missing file fails like os.Open does.
      try {
        const fh = await open(source, 'r');
        await fh.close();
      } catch (e) {
        throw new CliError(goPathError('open', source, e), 1);
      }
      input = createReadStream(source);
    }
    if (repo) {
      try {
        parseNormalizedNamed(repo);
      } catch (e) {
        throw new CliError((e as Error).message, 1);
      }
    }
    const api = await imagesApi(ctx);
    const platform = ctx.flags.string('platform');
    try {
      const res = await api.importImage(input, {
        ...(repo ? { repo } : {}),
        ...(ctx.flags.string('message') ? { message: ctx.flags.string('message') as string } : {}),
        changes: ctx.flags.strings('change'),
        ...(platform ? { platform: platform.toLowerCase() } : {}),
        fromSrc,
      });
      await displayJsonMessages(res, ctx.io.stdout);
    } catch (e) {
      if (e instanceof JsonStreamError) throw new CliError(e.message, 1);
      throw new CliError(errorText(e), 1);
    }
  },
};
