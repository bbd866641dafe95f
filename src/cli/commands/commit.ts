/**
 * `commit [-a AUTHOR] [-c CHANGE]… [-m MESSAGE] [-p=false] CONTAINER [REPOSITORY[:TAG]]`:
 * POST /commit, then the new image id on stdout (docker's ContainerCommit: the
 * reference is parsed here and sent as familiar repo + tag).
 */
import { CliError, type Command } from '../command.js';
import { errorText } from './container-common.js';
import { familiarName, parseNormalizedNamed, tagNameOnly } from './image-reference.js';

export const commitCommand: Command = {
  name: 'commit',
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  short: "Create a new image from a container's changes",
  args: { min: 1, max: 2 },
  flags: [
    { name: 'author', short: 'a', kind: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', kind: 'stringArray', typeName: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', description: 'Commit message' },
    { name: 'pause', short: 'p', kind: 'bool', description: 'Pause container during commit', defaultText: 'true' },
  ],
  async run(ctx) {
    const [container, reference] = ctx.args as [string, string | undefined];
    let repo = '';
    let tag = '';
    if (reference) {
      let ref;
      try {
        ref = parseNormalizedNamed(reference);
      } catch (e) {
        throw new CliError((e as Error).message, 1);
      }
      if (ref.digest !== undefined) throw new CliError('refusing to create a tag with a digest reference', 1);
      const tagged = tagNameOnly(ref);
      tag = tagged.tag ?? '';
      repo = familiarName(tagged);
    }
    const pause = ctx.flags.has('pause') ? ctx.flags.bool('pause') : true;
    const client = await ctx.client();
    let res: { Id: string } | undefined;
    try {
      res = await client.call<{ Id: string }>('POST', '/commit', {
        query: {
          container,
          repo,
          tag,
          comment: ctx.flags.string('message') ?? '',
          author: ctx.flags.string('author') ?? '',
          changes: ctx.flags.strings('change'),
          pause: pause ? undefined : '0',
        },
      });
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    ctx.io.stdout.write(`${res?.Id ?? ''}\n`);
  },
};
