/** `rmi` / `image rm`: "Untagged: …" / "Deleted: …" per image; with -f a missing image is only reported. */
import { CliError, type Command } from '../command.js';
import { errorText, imagesApi, isNotFound } from './container-common.js';

export const rmiCommand: Command = {
  name: 'rmi',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  short: 'Remove one or more images',
  args: { min: 1 },
  flags: [
    { name: 'force', short: 'f', kind: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', description: 'Do not delete untagged parents' },
  ],
  async run(ctx) {
    const api = await imagesApi(ctx);
    const force = ctx.flags.bool('force');
    const errors: string[] = [];
    let fatal = false;
    for (const img of ctx.args) {
      try {
        const items = await api.remove(img, { force, noPrune: ctx.flags.bool('no-prune') });
        for (const d of items ?? []) {
          ctx.io.stdout.write(d.Deleted ? `Deleted: ${d.Deleted}\n` : `Untagged: ${d.Untagged ?? ''}\n`);
        }
      } catch (e) {
        if (!isNotFound(e) || !force) fatal = true;
        errors.push(errorText(e));
      }
    }
    if (errors.length > 0) {
      if (!force || fatal) throw new CliError(errors.join('\n'), 1);
      ctx.io.stderr.write(`${errors.join('\n')}\n`);
    }
  },
};

export const imageRmCommand: Command = { ...rmiCommand, name: 'rm', aliases: ['remove'] };
