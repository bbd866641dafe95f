/** `container prune`: remove stopped containers, after docker's confirmation prompt. */
import { humanSize } from '../../domain/units.js';
import type { Command } from '../command.js';
import { FILTER_FLAG, FORCE_FLAG, filtersToMap } from '../opts.js';
import { confirm } from '../prompt.js';
import { containersApi } from './container-common.js';

export const containerPruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove all stopped containers',
  args: { max: 0 },
  flags: [{ ...FILTER_FLAG, description: "Provide filter values (e.g. 'until=<timestamp>')" }, FORCE_FLAG],
  async run(ctx) {
    const warning = 'WARNING! This will remove all stopped containers.';
    if (!ctx.flags.bool('force') && !(await confirm(ctx.io, warning))) return 0;
    const api = await containersApi(ctx);
    const r = await api.prune(filtersToMap(ctx.flags.strings('filter')));
    let out = '';
    const deleted = r.ContainersDeleted ?? [];
    if (deleted.length > 0) out += `Deleted Containers:\n${deleted.join('\n')}\n\n`;
    out += `Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`;
    ctx.io.stdout.write(out);
  },
};
