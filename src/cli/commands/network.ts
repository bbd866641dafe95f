/** `network create | ls | inspect | rm | prune | connect | disconnect` with docker's flags, output and exit codes. */
import { ApiError } from '../../client/api-client.js';
import { NetworksApi, type NetworkCreateBody, type NetworkJson } from '../../client/networks.js';
import { CliError, type Command, type CommandContext } from '../command.js';
import { naturalCompare } from '../natural-sort.js';
import { FILTER_FLAG, FORCE_FLAG, filtersToMap, formatFlag, labelsToMap, mapToObject, validateLabel } from '../opts.js';
import { confirm } from '../prompt.js';
import { renderList, type FormatRow } from '../render.js';
import { errorText } from './container-common.js';
import { inspectEach } from './inspect-output.js';

async function networksApi(ctx: CommandContext): Promise<NetworksApi> {
  return new NetworksApi(await ctx.client());
}

const create: Command = {
  name: 'create',
  usage: '[OPTIONS] NETWORK',
  short: 'Create a network',
  args: { exact: 1 },
  flags: [
    { name: 'driver', short: 'd', kind: 'string', description: 'Driver to manage the Network', defaultText: '"bridge"' },
    { name: 'subnet', kind: 'stringArray', typeName: 'strings', description: 'Subnet in CIDR format that represents a network segment' },
    { name: 'gateway', kind: 'stringArray', typeName: 'strings', description: 'IPv4 or IPv6 Gateway for the master subnet' },
    { name: 'ip-range', kind: 'stringArray', typeName: 'strings', description: 'Allocate container ip from a sub-range' },
    { name: 'label', kind: 'stringArray', typeName: 'list', description: 'Set metadata on a network', validate: validateLabel },
    { name: 'opt', short: 'o', kind: 'stringArray', typeName: 'map', description: 'Set driver specific options', defaultText: 'map[]' },
    { name: 'ipam-driver', kind: 'string', description: 'IP Address Management Driver', defaultText: '"default"' },
    { name: 'ipam-opt', kind: 'stringArray', typeName: 'map', description: 'Set IPAM driver specific options', defaultText: 'map[]' },
    { name: 'internal', kind: 'bool', description: 'Restrict external access to the network' },
    { name: 'attachable', kind: 'bool', description: 'Enable manual container attachment' },
    { name: 'ipv6', kind: 'bool', description: 'Enable IPv6 networking' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const subnets = f.strings('subnet');
    const gateways = f.strings('gateway');
    const ranges = f.strings('ip-range');
    if (subnets.length === 0 && (gateways.length > 0 || ranges.length > 0)) {
      throw new CliError('every ip-range or gateway must have a corresponding subnet', 1);
    }
    if (gateways.length > subnets.length) throw new CliError('cannot configure multiple gateways for the same subnet', 1);
    const config = subnets.map((subnet, i) => ({
      Subnet: subnet,
      ...(ranges[i] ? { IPRange: ranges[i] } : {}),
      ...(gateways[i] ? { Gateway: gateways[i] } : {}),
    }));
    const body: NetworkCreateBody = {
      Name: ctx.args[0] as string,
      CheckDuplicate: true,
      Driver: f.string('driver') ?? 'bridge',
      EnableIPv6: f.bool('ipv6'),
      IPAM: { Driver: f.string('ipam-driver') ?? 'default', Config: config, Options: mapToObject(f.strings('ipam-opt')) ?? {} },
      Internal: f.bool('internal'),
      Attachable: f.bool('attachable'),
      Options: mapToObject(f.strings('opt')) ?? {},
      Labels: labelsToMap(f.strings('label')) ?? {},
    };
    try {
      const r = await (await networksApi(ctx)).create(body);
      ctx.io.stdout.write(`${r.Id}\n`);
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(errorText(e), 1);
      throw e;
    }
  },
};

const HEADERS: Record<string, string> = {
  ID: 'NETWORK ID',
  Name: 'NAME',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Labels: 'LABELS',
  CreatedAt: 'CREATED AT',
};

/** Go's time.Time.String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
function goTimeString(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} +0000 UTC`;
}

function networkRow(n: NetworkJson, noTrunc: boolean): FormatRow {
  const labels = Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return {
    typeName: '*formatter.networkContext',
    headers: HEADERS,
    fields: {
      ID: noTrunc ? n.Id : n.Id.slice(0, 12),
      Name: n.Name,
      Driver: n.Driver,
      Scope: n.Scope,
      IPv6: String(n.EnableIPv6),
      Internal: String(n.Internal),
      Labels: labels,
      CreatedAt: goTimeString(n.Created),
    },
    methods: { Label: (name: string) => n.Labels?.[name] ?? '' },
  };
}

const ls: Command = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  short: 'List networks',
  args: { max: 0 },
  flags: [
    { ...FILTER_FLAG, description: "Provide filter values (e.g. 'driver=bridge')" },
    formatFlag(
      "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    ),
    { name: 'no-trunc', kind: 'bool', description: 'Do not truncate the output' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display network IDs' },
  ],
  async run(ctx) {
    const api = await networksApi(ctx);
    let list: NetworkJson[];
    try {
      list = await api.list(filtersToMap(ctx.flags.strings('filter')));
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(errorText(e), 1);
      throw e;
    }
    list = [...list].sort((a, b) => naturalCompare(a.Name, b.Name));
    const noTrunc = ctx.flags.bool('no-trunc');
    ctx.io.stdout.write(
      renderList({
        format: ctx.flags.string('format'),
        quiet: ctx.flags.bool('quiet'),
        defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
        quietTemplate: '{{.ID}}',
        rows: list.map((n) => networkRow(n, noTrunc)),
        headersOnly: HEADERS,
      }),
    );
  },
};

const inspect: Command = {
  name: 'inspect',
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  short: 'Display detailed information on one or more networks',
  args: { min: 1 },
  flags: [
    formatFlag("Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.", 'f'),
    { name: 'verbose', short: 'v', kind: 'bool', description: 'Verbose output for diagnostics' },
  ],
  async run(ctx) {
    const api = await networksApi(ctx);
    return inspectEach(
      ctx,
      ctx.args,
      async (ref) => {
        const { raw, json } = await api.inspectRaw(ref);
        return { raw, value: json };
      },
      (_ref, e) => errorText(e),
    );
  },
};

const rm: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: 'NETWORK [NETWORK...]',
  short: 'Remove one or more networks',
  args: { min: 1 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Do not error if the network does not exist' }],
  async run(ctx) {
    const api = await networksApi(ctx);
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        await api.remove(name);
        ctx.io.stdout.write(`${name}\n`);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        if (ctx.flags.bool('force') && e.status === 404) continue;
        errors.push(errorText(e));
      }
    }
    if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
  },
};

const prune: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove all unused networks',
  args: { max: 0 },
  flags: [{ ...FILTER_FLAG, description: "Provide filter values (e.g. 'until=<timestamp>')" }, FORCE_FLAG],
  async run(ctx) {
    const warning = 'WARNING! This will remove all custom networks not used by at least one container.';
    if (!ctx.flags.bool('force') && !(await confirm(ctx.io, warning))) return 0;
    const r = await (await networksApi(ctx)).prune(filtersToMap(ctx.flags.strings('filter')));
    const deleted = r.NetworksDeleted ?? [];
    if (deleted.length > 0) ctx.io.stdout.write(`Deleted Networks:\n${deleted.join('\n')}\n\n`);
  },
};

const connect: Command = {
  name: 'connect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  short: 'Connect a container to a network',
  args: { exact: 2 },
  flags: [
    { name: 'alias', kind: 'stringArray', typeName: 'strings', description: 'Add network-scoped alias for the container' },
    { name: 'ip', kind: 'string', description: 'IPv4 address (e.g., "172.30.100.104")' },
    { name: 'link', kind: 'stringArray', typeName: 'list', description: 'Add link to another container' },
  ],
  async run(ctx) {
    const [net, ctr] = ctx.args as [string, string];
    const aliases = ctx.flags.strings('alias');
    const ip = ctx.flags.string('ip');
    try {
      await (await networksApi(ctx)).connect(net, ctr, {
        ...(aliases.length > 0 ? { Aliases: aliases } : {}),
        ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}),
      });
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(errorText(e), 1);
      throw e;
    }
  },
};

const disconnect: Command = {
  name: 'disconnect',
  usage: '[OPTIONS] NETWORK CONTAINER',
  short: 'Disconnect a container from a network',
  args: { exact: 2 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force the container to disconnect from a network' }],
  async run(ctx) {
    const [net, ctr] = ctx.args as [string, string];
    try {
      await (await networksApi(ctx)).disconnect(net, ctr, ctx.flags.bool('force'));
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(errorText(e), 1);
      throw e;
    }
  },
};

export const networkCommand: Command = {
  name: 'network',
  usage: 'COMMAND',
  short: 'Manage networks',
  subcommands: [connect, create, disconnect, inspect, ls, prune, rm],
};
