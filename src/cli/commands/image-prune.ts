/** `image prune [-a]`: dangling (or all unused) images, after docker's confirmation prompt. */
import { humanSize } from '../../domain/units.js';
import type { Command } from '../command.js';
import { FILTER_FLAG, FORCE_FLAG, filtersToMap } from '../opts.js';
import { confirm } from '../prompt.js';
import { imagesApi } from './container-common.js';

export const imagePruneCommand: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove unused images',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused images, not just dangling ones' },
    { ...FILTER_FLAG, description: "Provide filter values (e.g. 'until=<timestamp>')" },
    FORCE_FLAG,
  ],
  async run(ctx) {
    const all = ctx.flags.bool('all');
    const warning = all
      ? 'WARNING! This will remove all images without at least one container associated to them.'
      : 'WARNING! This will remove all dangling images.';
    if (!ctx.flags.bool('force') && !(await confirm(ctx.io, warning))) return 0;
    const filters = filtersToMap(ctx.flags.strings('filter'));
    filters.set('dangling', [String(!all)]);
    const r = await (await imagesApi(ctx)).prune(filters);
    let out = '';
    const deleted = r.ImagesDeleted ?? [];
    if (deleted.length > 0) {
      out += 'Deleted Images:\n';
      for (const d of deleted) out += d.Untagged ? `untagged: ${d.Untagged}\n` : `deleted: ${d.Deleted ?? ''}\n`;
      out += '\n';
    }
    out += `Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`;
    ctx.io.stdout.write(out);
  },
};
