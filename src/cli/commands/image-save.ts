/** `save [-o file] IMAGE...`: GET /images/get as a tar, to stdout (never a terminal) or to a file. */
import { isTerminal } from '../../client/tty.js';
import { CliError, type Command } from '../command.js';
import { validateOutputPath, writeOutput } from './output-file.js';
import { errorText, imagesApi } from './container-common.js';

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
    validateOutputPath(output, 'failed to save image');
    const api = await imagesApi(ctx);
    let res;
    try {
      res = await api.save(ctx.args);
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    await writeOutput(res, output, ctx.io.stdout, 'failed to save image');
  },
};
