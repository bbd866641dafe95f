/** `ps` / `container ls`: docker's flags, the default table and the ContainerContext fields for --format. */
import type { ContainerSummary } from '../../client/containers.js';
import { humanSizeWithPrecision } from '../../domain/units.js';
import type { Command } from '../command.js';
import { FILTER_FLAG, filtersToMap } from '../opts.js';
import { CliError } from '../command.js';
import { Template, TemplateParseError } from '../format/index.js';
import { GoNilPtr } from '../format/values.js';
import { FormatError, renderList, type FormatRow } from '../render.js';
import { containersApi } from './container-common.js';
import { displayablePorts } from './container-ports.js';
import { ellipsis, goQuote, goTimeString, humanSince, joinLabels, truncateId } from './format-helpers.js';
import { familiarString, parseNormalizedNamed } from './image-reference.js';

export const DEFAULT_CONTAINER_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export const CONTAINER_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Names: 'NAMES',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Labels: 'LABELS',
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
};

function names(c: ContainerSummary, trunc: boolean): string {
  const list = (c.Names ?? []).map((n) => n.replace(/^\//, ''));
  // Truncated output shows one name: the first that is not a legacy link ("/other/alias").
  if (trunc) return list.find((n) => !n.includes('/')) ?? '';
  return list.join(',');
}

function image(c: ContainerSummary, trunc: boolean): string {
  if (!c.Image) return '<no image>';
  if (!trunc) return c.Image;
  const short = truncateId(c.ImageID ?? '');
  if (short === truncateId(c.Image)) return short;
  try {
    const ref = parseNormalizedNamed(c.Image);
    // Drop a digest but keep the tag.
    return familiarString(ref.digest !== undefined ? { kind: 'named', domain: ref.domain, path: ref.path, ...(ref.tag ? { tag: ref.tag } : {}) } : ref);
  } catch {
    return c.Image;
  }
}

export function containerRow(c: ContainerSummary, trunc: boolean, now = Date.now()): FormatRow {
  const size = (): string => {
    const rw = humanSizeWithPrecision(c.SizeRw ?? 0, 3);
    return (c.SizeRootFs ?? 0) > 0 ? `${rw} (virtual ${humanSizeWithPrecision(c.SizeRootFs ?? 0, 3)})` : rw;
  };
  const mounts = (c.Mounts ?? []).map((m) => {
    const n = m.Name ? m.Name : (m.Source ?? '');
    return trunc ? ellipsis(n, 15) : n;
  });
  return {
    typeName: '*formatter.ContainerContext',
    headers: CONTAINER_HEADERS,
    fields: {
      ID: trunc ? truncateId(c.Id) : c.Id,
      Names: names(c, trunc),
      Image: image(c, trunc),
      Command: goQuote(trunc ? ellipsis(c.Command ?? '', 20) : (c.Command ?? '')),
      CreatedAt: goTimeString(c.Created),
      RunningFor: humanSince(c.Created, now),
      Ports: displayablePorts(c.Ports),
      State: c.State,
      Status: c.Status,
      Size: size(),
      Labels: joinLabels(c.Labels),
      Mounts: mounts.join(','),
      LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
      Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort().join(','),
      // The image platform (API ≥ 1.46); a nil *Platform below that.
      Platform: new GoNilPtr('*formatter.Platform'),
    },
    methods: {
      Label: (name: string) => c.Labels?.[name] ?? '',
    },
  };
}

/** docker validates a --format before listing ("failed to parse/execute template: …", exit 1). */
function validatePsFormat(format: string): void {
  if (format === 'table' || format === 'json' || format === 'raw') return;
  const text = format.startsWith('table ') ? format.slice(6) : format;
  try {
    Template.parse(text.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
  } catch (e) {
    if (e instanceof TemplateParseError) throw new CliError(`failed to parse template: ${e.message}`, 1);
    throw e;
  }
  const empty: ContainerSummary = { Id: '', Names: [], Image: '', Command: '', Created: 0, Ports: [], Labels: {}, State: '', Status: '' };
  try {
    renderList({ format, rows: [containerRow(empty, true)], defaultTable: DEFAULT_CONTAINER_TABLE });
  } catch (e) {
    if (e instanceof FormatError) throw new CliError(e.message.replace(/^template parsing error: /, 'failed to execute template: '), 1);
    throw e;
  }
}

export const psCommand: Command = {
  name: 'ps',
  usage: '[OPTIONS]',
  short: 'List containers',
  args: { max: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all containers (default shows just running)' },
    { ...FILTER_FLAG, description: 'Filter output based on conditions provided' },
    {
      name: 'format',
      kind: 'string',
      description:
        "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
    { name: 'last', short: 'n', kind: 'int', description: 'Show n last created containers (includes all states)', defaultText: '-1' },
    { name: 'latest', short: 'l', kind: 'bool', description: 'Show the latest created container (includes all states)' },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only display container IDs' },
    { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const format = f.string('format') ?? '';
    const quiet = f.bool('quiet');
    if (format !== '' && quiet) ctx.io.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
    let size = f.bool('size');
    // A template using .Size asks for sizes, unless --size was given explicitly (even =false).
    if (format !== '' && !quiet && !size && !f.has('size') && /\.Size\b/.test(format)) size = true;
    let limit = f.has('last') ? (f.int('last') ?? -1) : -1;
    if (f.bool('latest') && limit === -1) limit = 1;
    if (format !== '') validatePsFormat(format);
    const api = await containersApi(ctx);
    const list = await api.list({ all: f.bool('all'), size, limit, filters: filtersToMap(f.strings('filter')) });
    const trunc = !f.bool('no-trunc');
    const now = Date.now();
    ctx.io.stdout.write(
      renderList({
        // -q wins over a custom format for containers (NewContainerFormat).
        format: quiet || format === '' || format === 'table' ? undefined : format,
        quiet,
        quietTemplate: '{{.ID}}',
        defaultTable: size ? `${DEFAULT_CONTAINER_TABLE}\t{{.Size}}` : DEFAULT_CONTAINER_TABLE,
        rows: list.map((c) => containerRow(c, trunc, now)),
        headersOnly: CONTAINER_HEADERS,
      }),
    );
  },
};
