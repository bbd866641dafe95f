/**
 * `export [-o FILE] CONTAINER`: GET /containers/{id}/export, the container's
 * file system as a tar, to stdout (never a terminal) or to a file.
 */
import { expectOk } from '../../client/containers.js';
import { isTerminal } from '../../client/tty.js';
import { CliError, type Command } from '../command.js';
import { validateOutputPath, writeOutput } from './output-file.js';
import { errorText } from './container-common.js';

/** command.ValidateOutputPath, with export's wording. */
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
    validateOutputPath(output, 'failed to export container');
    const client = await ctx.client();
    let res;
    try {
      res = await expectOk(await client.open('GET', `/containers/${encodeURIComponent(ctx.args[0] as string)}/export`));
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    await writeOutput(res, output, ctx.io.stdout);
  },
};
