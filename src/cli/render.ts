/**
 * Output rendering for list and inspect commands: the bridge between command
 * data and the Go-template engine in ./format (which throws FormatError with
 * docker's messages and exit codes; cli.ts reports it).
 */
import { renderInspect as formatInspect, renderList as formatList, Template, type FormatContext, type InspectOptions } from './format/index.js';

export { VOLUME_INSPECT, FormatError, type InspectOptions } from './format/index.js';

export interface FormatRow {
  /** Go type name used in template errors, e.g. "*formatter.volumeContext". */
  typeName: string;
  headers: Record<string, string>;
  fields: Record<string, unknown>;
  methods?: Record<string, (...args: string[]) => unknown>;
}

export interface ListOptions {
  format: string | undefined;
  rows: FormatRow[];
  quiet?: boolean;
  defaultTable?: string;
  quietTemplate?: string;
  /** Headers to use when there are no rows (a table prints its header anyway). */
  headersOnly?: Record<string, string>;
}

function toContext(row: FormatRow): FormatContext {
  const fields: Record<string, () => unknown> = {};
  for (const [k, v] of Object.entries(row.fields)) fields[k] = () => v;
  return { typeName: row.typeName, fields, headers: row.headers, ...(row.methods ? { methods: row.methods } : {}) };
}

export function renderList(opts: ListOptions): string {
  const headers = opts.headersOnly ?? opts.rows[0]?.headers;
  return formatList(opts.format, opts.defaultTable ?? opts.format ?? 'table', opts.rows.map(toContext), {
    ...(opts.quiet ? { quiet: true } : {}),
    ...(opts.quietTemplate ? { quietFormat: opts.quietTemplate } : {}),
    ...(headers ? { headers } : {}),
  });
}

export function renderInspect(format: string | undefined, objects: unknown[], opts?: InspectOptions): string {
  return formatInspect(format, objects, opts);
}

/** One template applied to one value (version, info). */
export function renderTemplate(format: string, data: unknown): string {
  return Template.parse(format.replace(/\\t/g, '\t').replace(/\\n/g, '\n')).execute(data);
}
