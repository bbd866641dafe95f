/** `history`: the image's layers, newest first, in docker's historyContext table. */
import { CliError, type Command } from '../command.js';
import { renderList, type FormatRow } from '../render.js';
import type { HistoryItem } from '../../client/images.js';
import { humanSizeWithPrecision } from '../../domain/units.js';
import { errorText, imagesApi } from './container-common.js';
import { ellipsis, humanSince, truncateId } from './format-helpers.js';

const HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
};

function rfc3339Local(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const off = -d.getTimezoneOffset();
  const pad = (n: number) => String(n).padStart(2, '0');
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${zone}`;
}

function historyRow(h: HistoryItem, trunc: boolean, human: boolean, now: number): FormatRow {
  const createdBy = h.CreatedBy.replaceAll('\t', ' ');
  return {
    typeName: '*formatter.historyContext',
    headers: HEADERS,
    fields: {
      ID: trunc && h.Id !== '<missing>' ? truncateId(h.Id) : h.Id,
      CreatedSince: humanSince(h.Created, now),
      CreatedAt: rfc3339Local(h.Created),
      CreatedBy: trunc ? ellipsis(createdBy, 45) : createdBy,
      Size: human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size),
      Comment: h.Comment,
    },
  };
}

export const historyCommand: Command = {
  name: 'history',
  usage: '[OPTIONS] IMAGE',
  short: 'Show the history of an image',
  args: { exact: 1 },
  flags: [
    {
      name: 'format',
      kind: 'string',
      description:
        "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.",
    },
    { name: 'human', short: 'H', kind: 'bool', description: 'Print sizes and dates in human readable format', defaultText: 'true' },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
  ],
  async run(ctx) {
    const api = await imagesApi(ctx);
    let items;
    try {
      items = await api.history(ctx.args[0] as string);
    } catch (e) {
      throw new CliError(errorText(e), 1);
    }
    const human = !ctx.flags.has('human') || ctx.flags.bool('human');
    const format = ctx.flags.string('format') ?? '';
    const now = Date.now();
    const table = human
      ? 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}'
      : 'table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    ctx.io.stdout.write(
      renderList({
        format: format === '' || format === 'table' ? undefined : format,
        quiet: ctx.flags.bool('quiet') && (format === '' || format === 'table'),
        quietTemplate: '{{.ID}}',
        defaultTable: table,
        rows: (items ?? []).map((h) => historyRow(h, !ctx.flags.bool('no-trunc'), human, now)),
        headersOnly: HEADERS,
      }),
    );
  },
};
