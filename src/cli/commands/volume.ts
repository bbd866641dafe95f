/** `volume create | ls | inspect | rm | prune` with docker's flags, output and exit codes. */
import { ApiError } from '../../client/api-client.js';
import { VolumesApi, type VolumeJson } from '../../client/volumes.js';
import { CliError, type Command, type CommandContext } from '../command.js';
import { naturalCompare } from '../natural-sort.js';
import { FILTER_FLAG, FORCE_FLAG, QUIET_FLAG, filtersToMap, formatFlag, labelsToMap, mapToObject, validateLabel } from '../opts.js';
import { VOLUME_INSPECT, renderInspect, renderList } from '../render.js';
import { humanSize } from '../../domain/units.js';
import { confirm } from '../prompt.js';
import { VOLUME_HEADERS, volumeRow } from './volume-rows.js';
import { volumeBackupCommands } from './volume-backup.js';

async function volumesApi(ctx: CommandContext): Promise<VolumesApi> {
  return new VolumesApi(await ctx.client());
}

const create: Command = {
  name: 'create',
  usage: '[OPTIONS] [VOLUME]',
  short: 'Create a volume',
  args: { max: 1 },
  flags: [
    { name: 'driver', short: 'd', kind: 'string', description: 'Specify volume driver name', defaultText: '"local"' },
    { name: 'label', kind: 'stringArray', typeName: 'list', description: 'Set metadata for a volume', validate: validateLabel },
    { name: 'opt', short: 'o', kind: 'stringArray', typeName: 'map', description: 'Set driver specific options', defaultText: 'map[]' },
    { name: 'name', kind: 'string', description: 'Specify volume name', hidden: true },
  ],
  async run(ctx) {
    const byFlag = ctx.flags.string('name');
    if (byFlag !== undefined && ctx.args.length > 0) {
      throw new CliError('conflicting options: cannot specify a volume-name through both --name and as a positional arg', 1);
    }
    const name = ctx.args[0] ?? byFlag;
    const labels = labelsToMap(ctx.flags.strings('label'));
    const opts = mapToObject(ctx.flags.strings('opt'));
    const v = await (await volumesApi(ctx)).create({
      Driver: ctx.flags.string('driver') ?? 'local',
      ...(name ? { Name: name } : {}),
      ...(opts ? { DriverOpts: opts } : {}),
      ...(labels ? { Labels: labels } : {}),
    });
    ctx.io.stdout.write(`${v.Name}\n`);
  },
};

const ls: Command = {
  name: 'ls',
  aliases: ['list'],
  usage: '[OPTIONS]',
  short: 'List volumes',
  args: { max: 0 },
  flags: [
    FILTER_FLAG,
    formatFlag(
      "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    ),
    QUIET_FLAG,
  ],
  async run(ctx) {
    const api = await volumesApi(ctx);
    const res = await api.list(filtersToMap(ctx.flags.strings('filter')));
    const vols = [...(res.Volumes ?? [])].sort((a, b) => naturalCompare(a.Name, b.Name));
    const out = renderList({
      format: ctx.flags.string('format'),
      quiet: ctx.flags.bool('quiet'),
      defaultTable: 'table {{.Driver}}\t{{.Name}}',
      quietTemplate: '{{.Name}}',
      rows: vols.map((v) => volumeRow(v)),
      headersOnly: VOLUME_HEADERS,
    });
    ctx.io.stdout.write(out);
  },
};

const inspect: Command = {
  name: 'inspect',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  short: 'Display detailed information on one or more volumes',
  args: { min: 1 },
  flags: [formatFlag("Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.", 'f')],
  async run(ctx) {
    const api = await volumesApi(ctx);
    const found: VolumeJson[] = [];
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        found.push(await api.inspect(name));
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        errors.push(`Error response from daemon: ${e.message}`);
      }
    }
    ctx.io.stdout.write(renderInspect(ctx.flags.string('format'), found.map(volumeInspectObject), VOLUME_INSPECT));
    if (errors.length > 0) {
      ctx.io.stderr.write(errors.join('\n') + '\n');
      return 1;
    }
  },
};

/** The CLI's volume struct always has these maps, so templates print map[] for null. */
function volumeInspectObject(v: VolumeJson): Record<string, unknown> {
  return {
    CreatedAt: v.CreatedAt,
    Driver: v.Driver,
    Labels: v.Labels,
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: v.Options,
    Scope: v.Scope,
    ...(v.Status ? { Status: v.Status } : {}),
    ...(v.UsageData ? { UsageData: v.UsageData } : {}),
  };
}

const rm: Command = {
  name: 'rm',
  aliases: ['remove'],
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  short: 'Remove one or more volumes',
  args: { min: 1 },
  flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of one or more volumes' }],
  async run(ctx) {
    const api = await volumesApi(ctx);
    const errors: string[] = [];
    for (const name of ctx.args) {
      try {
        await api.remove(name, ctx.flags.bool('force'));
        ctx.io.stdout.write(`${name}\n`);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        errors.push(`Error response from daemon: ${e.message}`);
      }
    }
    if (errors.length > 0) {
      ctx.io.stderr.write(errors.join('\n') + '\n');
      return 1;
    }
  },
};

const prune: Command = {
  name: 'prune',
  usage: '[OPTIONS]',
  short: 'Remove unused local volumes',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused volumes, not just anonymous ones' },
    { ...FILTER_FLAG, description: "Provide filter values (e.g. 'label=<label>')" },
    FORCE_FLAG,
  ],
  async run(ctx) {
    const client = await ctx.client();
    const modern = versionAtLeast(client.apiVersion, '1.42');
    const filters = filtersToMap(ctx.flags.strings('filter'));
    const all = ctx.flags.bool('all');
    if (all) {
      if (!modern) {
        throw new CliError(
          `"--all" requires API version 1.42, but the Docker daemon API version is ${client.apiVersion}`,
          1,
        );
      }
      if (filters.has('all')) throw new CliError('conflicting options: cannot specify both --all and --filter all=1', 1);
      filters.set('all', ['true']);
    }
    const warning =
      modern && !all
        ? 'WARNING! This will remove anonymous local volumes not used by at least one container.'
        : 'WARNING! This will remove all local volumes not used by at least one container.';
    if (!ctx.flags.bool('force') && !(await confirm(ctx.io, warning))) return 0;
    const r = await new VolumesApi(client).prune(filters);
    const deleted = r.VolumesDeleted ?? [];
    let out = '';
    if (deleted.length > 0) out += `Deleted Volumes:\n${deleted.join('\n')}\n\n`;
    out += `Total reclaimed space: ${humanSize(r.SpaceReclaimed)}\n`;
    ctx.io.stdout.write(out);
  },
};

function versionAtLeast(v: string, min: string): boolean {
  const n = (s: string) => {
    const [a, b] = s.split('.').map(Number);
    return (a ?? 0) * 1000 + (b ?? 0);
  };
  return n(v) >= n(min);
}

export const volumeCommand: Command = {
  name: 'volume',
  usage: 'COMMAND',
  short: 'Manage volumes',
  subcommands: [create, inspect, ls, prune, rm, ...volumeBackupCommands],
};
