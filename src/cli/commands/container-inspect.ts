/**
 * `container inspect` and the generic `inspect`, whose lookup chain is the
 * docker CLI's: container → image → network → volume → plugin (swarm objects
 * only on a swarm manager, which this engine never is), stopping at the first
 * hit; "Error: No such object: X" when nothing matched.
 */
import { ApiError, errorMessage, type ApiClient } from '../../client/api-client.js';
import { ContainersApi } from '../../client/containers.js';
import { ImagesApi } from '../../client/images.js';
import { CliError, type Command } from '../command.js';
import { containersApi, errorText } from './container-common.js';
import { CONTAINER_INSPECT, IMAGE_INSPECT, inspectEach, type Inspected } from './inspect-output.js';

const FORMAT_HELP =
  "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.";

export const containerInspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Display detailed information on one or more containers',
  args: { min: 1 },
  flags: [
    { name: 'format', short: 'f', kind: 'string', description: FORMAT_HELP },
    { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes' },
  ],
  async run(ctx) {
    const api = await containersApi(ctx);
    return inspectEach(
      ctx,
      ctx.args,
      async (ref) => {
        const { json, raw } = await api.inspectRaw(ref, ctx.flags.bool('size'));
        return { raw, value: json, typed: CONTAINER_INSPECT };
      },
      (_ref, e) => errorText(e),
    );
  },
};

const ALL_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];

async function getRaw(client: ApiClient, path: string): Promise<Inspected> {
  const r = await client.raw('GET', path);
  if (r.status >= 400) throw new ApiError(r.status, errorMessage(r.body));
  return { raw: r.body, value: JSON.parse(r.body.toString('utf8')) as unknown };
}

/** isErrSkippable: try the next kind of object. */
function skippable(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  return e.status === 404 || e.message.includes('not supported') || e.message.includes('invalid reference format');
}

export const inspectCommand: Command = {
  name: 'inspect',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  short: 'Return low-level information on Docker objects',
  args: { min: 1 },
  flags: [
    { name: 'format', short: 'f', kind: 'string', description: FORMAT_HELP },
    { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes if the type is container' },
    { name: 'type', kind: 'string', description: 'Only inspect objects of the given type' },
  ],
  async run(ctx) {
    const type = ctx.flags.string('type') ?? '';
    const typeList = `"${ALL_TYPES.join('", "')}"`;
    if (ctx.flags.has('type') && type === '') throw new CliError(`type is empty: must be one of ${typeList}`, 1);
    if (type !== '' && !ALL_TYPES.includes(type)) throw new CliError(`unknown type: "${type}": must be one of ${typeList}`, 1);
    const client = await ctx.client();
    const containers = new ContainersApi(client);
    const images = new ImagesApi(client);
    const size = ctx.flags.bool('size');
    const enc = encodeURIComponent;
    const lookups: Array<{ type: string; sized: boolean; get: (ref: string) => Promise<Inspected> }> = [
      {
        type: 'container',
        sized: true,
        get: async (ref) => {
          const { json, raw } = await containers.inspectRaw(ref, size);
          return { raw, value: json, typed: CONTAINER_INSPECT };
        },
      },
      {
        type: 'image',
        sized: false,
        get: async (ref) => {
          const { json, raw } = await images.inspectRaw(ref);
          return { raw, value: json, typed: IMAGE_INSPECT };
        },
      },
      { type: 'network', sized: false, get: (ref) => getRaw(client, `/networks/${enc(ref)}`) },
      { type: 'volume', sized: false, get: (ref) => getRaw(client, `/volumes/${enc(ref)}`) },
      { type: 'plugin', sized: false, get: (ref) => getRaw(client, `/plugins/${enc(ref)}/json`) },
      { type: 'service', sized: false, get: (ref) => getRaw(client, `/services/${enc(ref)}?insertDefaults=1`) },
      { type: 'task', sized: false, get: (ref) => getRaw(client, `/tasks/${enc(ref)}`) },
      { type: 'node', sized: false, get: (ref) => getRaw(client, `/nodes/${enc(ref)}`) },
      { type: 'secret', sized: false, get: (ref) => getRaw(client, `/secrets/${enc(ref)}`) },
      { type: 'config', sized: false, get: (ref) => getRaw(client, `/configs/${enc(ref)}`) },
    ];
    const swarmOnly = new Set(['service', 'task', 'node', 'secret', 'config']);
    const notFound = new Set<string>();
    return inspectEach(
      ctx,
      ctx.args,
      async (ref) => {
        for (const l of lookups) {
          if (type !== '' && l.type !== type) continue;
          // Without --type, swarm objects are only looked up on a swarm manager; this engine is none.
          if (type === '' && swarmOnly.has(l.type)) continue;
          try {
            const found = await l.get(ref);
            if (size && !l.sized) ctx.io.stderr.write(`WARNING: --size ignored for ${l.type}\n`);
            return found;
          } catch (e) {
            if (type === '' && skippable(e)) continue;
            throw e;
          }
        }
        notFound.add(ref);
        throw new Error(`Error: No such object: ${ref}`);
      },
      (ref, e) => (notFound.has(ref) ? `Error: No such object: ${ref}` : errorText(e)),
    );
  },
};
