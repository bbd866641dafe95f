/**
 * `logs`: inspect (for Config.Tty), then GET …/logs; multiplexed frames are
 * split to stdout/stderr, a TTY container's bytes go to stdout as they are.
 */
import { rawCopy, stdCopy } from '../../client/stdcopy.js';
import { CliError, type Command } from '../command.js';
import { containersApi, errorText } from './container-common.js';

const GO_DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

function goDurationNs(v: string): number {
  const sign = v.startsWith('-') ? -1 : 1;
  let ns = 0;
  for (const m of v.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ns += Number(m[1]) * (UNIT_NS[m[2] as string] ?? 0);
  }
  return sign * ns;
}

/**
 * timetypes.GetTimestamp: "10m" (a duration before now), an RFC 3339-ish date,
 * or a Unix timestamp (passed through) → the value for `since`/`until`.
 */
export function getTimestamp(value: string, now = Date.now()): string {
  if (value === '') return '';
  if (value !== '0' && GO_DURATION.test(value)) {
    return String(Math.trunc((now * 1e6 - goDurationNs(value)) / 1e9));
  }
  if (value.includes('-') || value.includes('T')) {
    let text = value;
    if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(text)) text += ':00';
    // A date without a zone is local time, as in Go's ParseInLocation.
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += 'T00:00:00';
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`parsing time "${value}": cannot parse`);
    const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
    const nanos = (frac + '000000000').slice(0, 9);
    return `${Math.floor(ms / 1000)}.${frac ? nanos : '000000000'}`;
  }
  if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`failed to parse value as time or duration: "${value}"`);
  return value;
}

export const logsCommand: Command = {
  name: 'logs',
  usage: '[OPTIONS] CONTAINER',
  short: 'Fetch the logs of a container',
  args: { exact: 1 },
  flags: [
    { name: 'details', kind: 'bool', description: 'Show extra details provided to logs' },
    { name: 'follow', short: 'f', kind: 'bool', description: 'Follow log output' },
    { name: 'since', kind: 'string', description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
    { name: 'tail', short: 'n', kind: 'string', description: 'Number of lines to show from the end of the logs', defaultText: '"all"' },
    { name: 'timestamps', short: 't', kind: 'bool', description: 'Show timestamps' },
    { name: 'until', kind: 'string', description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)' },
  ],
  async run(ctx) {
    const api = await containersApi(ctx);
    const f = ctx.flags;
    const c = await api.inspect(ctx.args[0] as string).catch((e: unknown) => {
      throw new CliError(errorText(e), 1);
    });
    const timestamp = (flag: 'since' | 'until'): string => {
      try {
        return getTimestamp(f.string(flag) ?? '');
      } catch (e) {
        throw new CliError(`invalid value for "${flag}": ${(e as Error).message}`, 1);
      }
    };
    const since = timestamp('since');
    const until = timestamp('until');
    const res = await api.logs(c.Id, {
      stdout: true,
      stderr: true,
      since,
      until,
      timestamps: f.bool('timestamps'),
      follow: f.bool('follow'),
      tail: f.string('tail') ?? 'all',
      details: f.bool('details'),
    });
    // Ctrl-C during --follow ends the CLI quietly, as docker does.
    const onInt = (): void => {
      res.destroy();
    };
    process.once('SIGINT', onInt);
    try {
      if (c.Config.Tty) await rawCopy(res, ctx.io.stdout);
      else await stdCopy(res, ctx.io.stdout, ctx.io.stderr);
    } catch (e) {
      if (!res.destroyed) throw e;
    } finally {
      process.off('SIGINT', onInt);
    }
  },
};
