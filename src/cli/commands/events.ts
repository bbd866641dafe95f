/** `events [--since] [--until] [--filter] [--format]`: the daemon's event stream, as docker prints it. */
import type { Command } from '../command.js';
import { FILTER_FLAG, filtersToMap, formatFlag } from '../opts.js';
import { encodeFilters } from '../../client/volumes.js';
import { renderTemplate } from '../render.js';

interface EventJson {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> | null };
  time: number;
  timeNano: number | string;
  [key: string]: unknown;
}

const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** docker/cli GetTimestamp: Unix seconds as is, a Go duration before now, or an RFC 3339 date. */
export function timestampArg(value: string, nowMs = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  if (DURATION.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    return ((nowMs - ms) / 1000).toFixed(9);
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`invalid value for timestamp: ${value}`);
  return (t / 1000).toFixed(9);
}

/** RFC 3339 with nanoseconds from the wire's int64 (kept as text to keep every digit). */
function eventTime(nano: string): string {
  const secs = Number(nano.slice(0, -9));
  const frac = nano.slice(-9);
  return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}

export const eventsCommand: Command = {
  name: 'events',
  usage: '[OPTIONS]',
  short: 'Get real time events from the server',
  args: { max: 0 },
  flags: [
    { ...FILTER_FLAG, description: 'Filter output based on conditions provided' },
    formatFlag('Format output using a custom template'),
    { name: 'since', kind: 'string', description: 'Show all events created since timestamp' },
    { name: 'until', kind: 'string', description: 'Stream events until this timestamp' },
  ],
  async run(ctx) {
    const client = await ctx.client();
    const since = ctx.flags.string('since');
    const until = ctx.flags.string('until');
    const res = await client.open('GET', '/events', {
      query: {
        since: since === undefined ? undefined : timestampArg(since),
        until: until === undefined ? undefined : timestampArg(until),
        filters: encodeFilters(filtersToMap(ctx.flags.strings('filter'))),
      },
    });
    const format = ctx.flags.string('format');
    let buf = '';
    for await (const chunk of res) {
      buf += (chunk as Buffer).toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        // Keep timeNano's digits: JSON.parse would round the int64.
        const nano = /"timeNano":(\d+)/.exec(line)?.[1] ?? '0';
        const e = JSON.parse(line) as EventJson;
        if (format) {
          ctx.io.stdout.write((format === 'json' ? line : renderTemplate(format, e)) + '\n');
          continue;
        }
        const attrs = Object.entries(e.Actor.Attributes ?? {})
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => `${k}=${v}`)
          .join(', ');
        ctx.io.stdout.write(`${eventTime(nano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ''}\n`);
      }
    }
  },
};
