/**
 * Output rendering for list and inspect commands: the bridge between command
 * data and the Go-template engine in ./format.
 */
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

export function renderList(opts: ListOptions): string {
  const format = opts.quiet ? (opts.quietTemplate ?? '{{.ID}}') : (opts.format ?? opts.defaultTable ?? 'table');
  const tmpl = format === 'table' ? (opts.defaultTable ?? '') : format;
  const fields = [...tmpl.matchAll(/\{\{\.(\w+)\}\}/g)].map((m) => m[1] as string);
  const isTable = tmpl.startsWith('table ');
  const body = isTable ? tmpl.slice(6) : tmpl;
  const lines: string[][] = [];
  const sub = (row: Record<string, unknown>) =>
    body.replace(/\{\{\.(\w+)\}\}/g, (_m, f: string) => String(row[f] ?? '')).replace(/\\t/g, '\t').split('\t');
  if (isTable) {
    const h = opts.rows[0]?.headers ?? opts.headersOnly ?? {};
    lines.push(sub(Object.fromEntries(fields.map((f) => [f, h[f] ?? f.toUpperCase()]))));
  }
  for (const r of opts.rows) lines.push(sub(r.fields));
  if (!isTable) return lines.map((l) => l.join('\t') + '\n').join('');
  const widths: number[] = [];
  for (const l of lines) l.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length + 3, 10)));
  return lines.map((l) => l.map((c, i) => (i < l.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('') + '\n').join('');
}

export function renderInspect(format: string | undefined, objects: unknown[]): string {
  if (!format) return JSON.stringify(objects, null, 4) + '\n';
  return objects.map((o) => renderTemplate(format, o) + '\n').join('');
}

export function renderTemplate(format: string, data: unknown): string {
  return format.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_m, f: string) => String((data as Record<string, unknown>)[f] ?? ''));
}
