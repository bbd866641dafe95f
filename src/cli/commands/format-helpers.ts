/**
 * Small ports of the docker CLI's display helpers (cli/command/formatter and
 * go-units) shared by the container and image listings: id truncation,
 * ellipsis, human durations, Go's time.Time.String() and strconv.Quote.
 */

/** stringid.TruncateID: drop an algorithm prefix, keep 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const bare = colon >= 0 ? id.slice(colon + 1) : id;
  return bare.length > 12 ? bare.slice(0, 12) : bare;
}

/** East Asian wide/fullwidth characters take two columns (golang.org/x/text/width, the common ranges). */
function charWidth(cp: number): number {
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** formatter.Ellipsis: fit `s` in `max` display columns, ending with "…" when cut. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const runes = [...s];
  if (max === 1) return runes[0] ?? '';
  const widths = runes.map((r) => charWidth(r.codePointAt(0) ?? 0));
  const total = widths.reduce((a, b) => a + b, 0);
  if (total <= max) return s;
  let acc = 0;
  for (let i = 0; i < runes.length; i++) {
    acc += widths[i] ?? 1;
    const next = acc + (widths[i + 1] ?? 0);
    if (acc <= max - 1 && next > max - 1) return runes.slice(0, i + 1).join('') + '…';
  }
  return s;
}

/** go-units HumanDuration (v0.5.0). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** "<duration> ago" for an epoch-seconds timestamp, computed on the client like docker does. */
export function humanSince(epochSeconds: number, now = Date.now()): string {
  return `${humanDuration(now - epochSeconds * 1000)} ago`;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Go's time.Unix(sec, 0).String() in the local zone: "2006-01-02 15:04:05 -0700 MST". */
export function goTimeString(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const offMin = -d.getTimezoneOffset();
  const sign = offMin >= 0 ? '+' : '-';
  const abs = Math.abs(offMin);
  const offset = `${sign}${pad(Math.trunc(abs / 60))}${pad(abs % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${offset} ${zoneName(d, offMin)}`
  );
}

function zoneName(d: Date, offMin: number): string {
  const tz = process.env['TZ'];
  if (offMin === 0 && (!tz || tz === 'UTC' || tz === 'Etc/UTC' || tz === ':UTC')) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  const name = part?.value ?? '';
  // Go prints the numeric offset when the zone has no abbreviation.
  return /^[A-Z]{2,5}$/.test(name) ? name : `${offMin >= 0 ? '+' : '-'}${pad(Math.trunc(Math.abs(offMin) / 60))}`;
}

/** strconv.Quote for the characters a command line can hold. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0b) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp === 0xfffd && ch !== '\ufffd') out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** Sorted "k=v" pairs joined by commas (the Labels column). */
export function joinLabels(labels: Record<string, string> | null | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}
