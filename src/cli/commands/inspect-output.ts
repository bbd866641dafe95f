/**
 * Printing inspect results the way the docker CLI does (cli/command/inspect):
 * without --format the daemon's raw JSON is joined into an array and indented
 * with Go's json.Indent (so key order and escapes like \u003c survive);
 * `--format json` compacts it; any other format is a template per object.
 */
import { CliError, type CommandContext } from '../command.js';
import { renderTemplate } from '../render.js';

export interface Inspected {
  raw: Buffer;
  value: unknown;
}

const WS = new Set([' ', '\t', '\n', '\r']);

/** Go's json.Indent with prefix "" (empty objects/arrays stay "{}"/"[]"). */
export function goJsonIndent(src: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  let inString = false;
  let escaped = false;
  const newline = (d: number) => '\n' + indent.repeat(d);
  for (const c of src) {
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (WS.has(c)) continue;
    if (needIndent && c !== '}' && c !== ']') {
      needIndent = false;
      depth++;
      out += newline(depth);
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '{' || c === '[') {
      needIndent = true;
      out += c;
    } else if (c === ',') {
      out += c + newline(depth);
    } else if (c === ':') {
      out += ': ';
    } else if (c === '}' || c === ']') {
      if (needIndent) needIndent = false;
      else {
        depth--;
        out += newline(depth);
      }
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

/** Go's json.Compact. */
export function goJsonCompact(src: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const c of src) {
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!WS.has(c)) out += c;
  }
  return out;
}

/** The text inspect writes to stdout for the found objects. */
export function formatInspected(format: string | undefined, items: readonly Inspected[]): string {
  if (!format || format === 'json') {
    if (items.length === 0) return '[]\n';
    const joined = `[${items.map((i) => i.raw.toString('utf8')).join(',')}]`;
    return (format === 'json' ? goJsonCompact(joined) : goJsonIndent(joined)) + '\n';
  }
  // The template inspector prints a lone newline when nothing was found.
  if (items.length === 0) return '\n';
  return items.map((i) => renderTemplate(format, i.value) + '\n').join('');
}

/**
 * Inspects each reference with `get`, prints what was found, then the errors
 * (one per line, exit 1), as inspect.Inspect does.
 */
export async function inspectEach(
  ctx: CommandContext,
  refs: readonly string[],
  get: (ref: string) => Promise<Inspected>,
  describe: (ref: string, e: unknown) => string,
): Promise<number> {
  const found: Inspected[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await get(ref));
    } catch (e) {
      errors.push(describe(ref, e));
    }
  }
  ctx.io.stdout.write(formatInspected(ctx.flags.string('format'), found));
  if (errors.length > 0) throw new CliError(errors.join('\n'), 1);
  return 0;
}
