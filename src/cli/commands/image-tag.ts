/** `tag SOURCE TARGET`: POST /images/SOURCE/tag?repo=<full name>&tag=<tag>. */
import { CliError, type Command } from '../command.js';
import { errorText, imagesApi } from './container-common.js';
import { fullName, parseAnyReference, parseNormalizedNamed, tagNameOnly } from './image-reference.js';

export const tagCommand: Command = {
  name: 'tag',
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  short: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  args: { exact: 2 },
  async run(ctx) {
    const [source, target] = ctx.args as [string, string];
    try {
      parseAnyReference(source);
    } catch (e) {
      throw new CliError(`Error parsing reference: "${source}" is not a valid repository/tag: ${(e as Error).message}`, 1);
    }
    let ref;
    try {
      ref = parseNormalizedNamed(target);
    } catch (e) {
      throw new CliError(`Error parsing reference: "${target}" is not a valid repository/tag: ${(e as Error).message}`, 1);
    }
    if (ref.digest !== undefined) throw new CliError('refusing to create a tag with a digest reference', 1);
    const tagged = tagNameOnly(ref);
    const api = await imagesApi(ctx);
    try {
      await api.tag(source, fullName(tagged), tagged.tag ?? '');
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
  },
};

export const imageTagCommand: Command = { ...tagCommand };
