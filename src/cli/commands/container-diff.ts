/** `diff`: the container's filesystem changes, one "<C|A|D> <path>" line each. */
import { CliError, type Command } from '../command.js';
import { containersApi, errorText } from './container-common.js';

const KINDS = ['C', 'A', 'D'];

export const diffCommand: Command = {
  name: 'diff',
  usage: 'CONTAINER',
  short: "Inspect changes to files or directories on a container's filesystem",
  args: { exact: 1 },
  async run(ctx) {
    const api = await containersApi(ctx);
    let changes;
    try {
      changes = await api.changes(ctx.args[0] as string);
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    ctx.io.stdout.write((changes ?? []).map((c) => `${KINDS[c.Kind] ?? String(c.Kind)} ${c.Path}\n`).join(''));
  },
};
