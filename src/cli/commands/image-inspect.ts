/** `image inspect`: the daemon's JSON per image, printed like docker's inspect. */
import type { Command } from '../command.js';
import { errorText, imagesApi } from './container-common.js';
import { IMAGE_INSPECT, inspectEach } from './inspect-output.js';

export const imageInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  short: 'Display detailed information on one or more images',
  args: { min: 1 },
  flags: [
    {
      name: 'format',
      short: 'f',
      kind: 'string',
      description: "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
  ],
  async run(ctx) {
    const api = await imagesApi(ctx);
    return inspectEach(
      ctx,
      ctx.args,
      async (ref) => {
        const { json, raw } = await api.inspectRaw(ref);
        return { raw, value: json, typed: IMAGE_INSPECT };
      },
      (_ref, e) => errorText(e),
    );
  },
};
