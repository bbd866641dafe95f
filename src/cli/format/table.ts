/**
 * The docker CLI's list formatter (cli/command/formatter.Context): `--format table ...`,
 * `--format json`, custom templates and `-q`, rendered exactly as docker does:
 *  - "table" alone means the command's default table ("" too, unless a custom format is given);
 *  - a "table" prefix is cut off, the rest trimmed of spaces, and literal `\t` / `\n`
 *    (as typed on a shell command line) become tab / newline;
 *  - "json" means `{{json .}}`: every column, keys sorted, values as the context returns them;
 *  - each row is the template's output plus "\n";
 *  - tables get a header row, made by executing the same template against the header map
 *    with docker's header functions (errors there are ignored, partial output kept), and
 *    everything goes through text/tabwriter(minwidth 10, tabwidth 1, padding 3, ' ').
 */
import { FormatError } from './format-error.js';
import { HEADER_FUNCS } from './funcs.js';
import { tabwrite } from './tabwriter.js';
import { Template, TemplateExecError, TemplateParseError } from './template.js';
import { GoContext, GoMap, MethodFn } from './values.js';

/** One row of a list: the columns a docker formatter context exposes. */
export interface FormatContext {
  /** Go type named in errors, e.g. `*formatter.volumeContext` */
  typeName: string;
  /** zero-argument columns, e.g. `Name: () => v.Name` (called lazily, only when used) */
  fields: Readonly<Record<string, () => unknown>>;
  /** methods taking string arguments, e.g. `Label: (k) => labels[k] ?? ''` */
  methods?: Readonly<Record<string, MethodFn>>;
  /** column → table header, e.g. `{ Name: 'VOLUME NAME', Driver: 'DRIVER' }` */
  headers: Readonly<Record<string, string>>;
}

export interface ListOptions {
  /** `-q`: when no custom format is given, print `quietFormat` instead of the table */
  quiet?: boolean;
  /** the command's quiet format, e.g. `{{.Name}}` for volumes (docker's default is `{{.ID}}`) */
  quietFormat?: string;
  /** header map; needed when `rows` may be empty (defaults to the first row's headers) */
  headers?: Readonly<Record<string, string>>;
}

const TABLE = 'table';

/** Go's strings.Trim(s, " ") */
const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, '');

/** docker's Format.IsTable / preFormat: the template text actually parsed. */
export function finalFormat(format: string): { text: string; isTable: boolean } {
  const isTable = format.startsWith(TABLE);
  let text = format;
  if (isTable) text = text.slice(TABLE.length);
  else if (format === 'json') text = '{{json .}}';
  text = trimSpaces(text).replace(/\\t|\\n/g, (m) => (m === '\\t' ? '\t' : '\n'));
  return { text, isTable };
}

/** formatter.SubHeaderContext: a map[string]string whose Label method names label columns. */
export function headerContext(headers: Readonly<Record<string, string>>): GoMap {
  return new GoMap({ ...headers }, 'formatter.SubHeaderContext', true, {
    Label: (name: string) => (name.split('.').pop() ?? '').replace(/[-_]/g, ' '),
  });
}

export const toGoContext = (row: FormatContext): GoContext => new GoContext(row.typeName, row.fields, row.methods ?? {});

/**
 * Renders a list the way `docker <thing> ls` does. Returns the text for stdout (ending in
 * "\n" unless there is nothing to print). Throws FormatError (exit code 1) with docker's
 * `template parsing error: ...` message on a bad template.
 */
export function renderList(format: string | undefined, defaultTable: string, rows: readonly FormatContext[], opts: ListOptions = {}): string {
  let source = format ?? '';
  if (source === '') source = TABLE;
  if (source === TABLE) source = opts.quiet === true ? (opts.quietFormat ?? '{{.ID}}') : defaultTable;

  const { text, isTable } = finalFormat(source);
  let tmpl: Template;
  try {
    tmpl = Template.parse(text);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new FormatError(`template parsing error: ${e.message}`, 1);
    throw e;
  }
  let body = '';
  for (const row of rows) {
    try {
      body += `${tmpl.execute(toGoContext(row))}\n`;
    } catch (e) {
      if (e instanceof TemplateExecError) throw new FormatError(`template parsing error: ${e.message}`, 1);
      throw e;
    }
  }
  if (!isTable) return body;
  const headers = opts.headers ?? rows[0]?.headers ?? {};
  const header = tmpl.executePartial(headerContext(headers), { funcs: HEADER_FUNCS }).out;
  return tabwrite(`${header}\n${body}`);
}
