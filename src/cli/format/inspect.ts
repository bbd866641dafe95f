/**
 * `docker <thing> inspect` output (docker/cli cli/command/inspect):
 *  - no format: the objects as a JSON array, indented with 4 spaces ("[]" when empty);
 *  - `json`: the same, compact;
 *  - a template: executed once per object, each result followed by "\n"
 *    (a lone "\n" when nothing succeeded); failures are reported per object.
 *
 * The docker CLI either decodes an object into a typed Go struct (volume, network, ...:
 * give `typeName`) or, for `docker inspect`/containers, falls back to the raw JSON map
 * (omit `typeName`): that changes error texts (`can't evaluate field X in type
 * volume.Volume` vs `map has no entry for key "X"`) and whether JSON output escapes
 * < > & (json.MarshalIndent of a struct does; re-indenting the daemon's JSON does not).
 *
 * `shape` gives Go types to fields, keyed by dotted path (`Labels`, `Config.Labels`,
 * `Networks.*` for every map value, `Mounts[]` for every element), so that JSON nulls
 * behave like Go's typed values: a nil `map[string]string` prints `map[]` and indexes to "",
 * a nil slice prints `[]`, a nil `*T` prints `<nil>`; a `map[...]` marshals with sorted keys.
 * Shape fields missing from a typed object are added with their zero value (and left out
 * of `{{json .}}`, like omitempty).
 */
import { FormatError } from './format-error.js';
import { goJSON } from './gofmt.js';
import { Template, TemplateExecError, TemplateParseError } from './template.js';
import { GoMap, GoNilPtr, GoSlice, GoStruct, isPlainObject } from './values.js';

export interface InspectOptions {
  /** Go type of the typed element (e.g. `volume.Volume`); omit for raw-JSON inspection */
  typeName?: string;
  /** Go types by dotted field path, e.g. `{ Labels: 'map[string]string' }` */
  shape?: Readonly<Record<string, string>>;
}

/** What `docker volume inspect` decodes into (api/types/volume.Volume). */
export const VOLUME_INSPECT: InspectOptions = {
  typeName: 'volume.Volume',
  shape: {
    ClusterVolume: '*volume.ClusterVolume',
    CreatedAt: 'string',
    Labels: 'map[string]string',
    Options: 'map[string]string',
    Status: 'map[string]interface {}',
    UsageData: '*volume.UsageData',
  },
};

/**
 * Renders inspect output. Returns stdout text. Throws FormatError: exit code 64 for a
 * template that does not parse; exit code 1 when executing failed for some object, with
 * the successful objects' output in `output` (docker prints it before the errors).
 */
export function renderInspect(format: string | undefined, objects: readonly unknown[], opts: InspectOptions = {}): string {
  const shape = opts.shape ?? {};
  const typed = opts.typeName !== undefined;
  if (format === undefined || format === '' || format === 'json') {
    if (objects.length === 0) return '[]\n';
    const view = objects.map((o) => toGo(o, opts.typeName, shape, false));
    const indent = format === 'json' ? {} : { indent: '    ' };
    return `${goJSON(view, { escapeHTML: typed, ...indent })}\n`;
  }
  let tmpl: Template;
  try {
    tmpl = Template.parse(format);
  } catch (e) {
    if (e instanceof TemplateParseError) throw new FormatError(`template parsing error: ${e.message}`, 64);
    throw e;
  }
  let out = '';
  const errors: string[] = [];
  for (const o of objects) {
    try {
      out += `${tmpl.execute(toGo(o, opts.typeName, shape, true), { missingKey: typed ? 'default' : 'error' })}\n`;
    } catch (e) {
      if (!(e instanceof TemplateExecError)) throw e;
      errors.push(`template parsing error: ${e.message}`);
    }
  }
  if (out === '') out = '\n';
  if (errors.length > 0) throw new FormatError(errors.join('\n'), 1, out);
  return out;
}

/** Applies `shape` (and the top-level struct type) to a JSON value. */
export function toGo(v: unknown, typeName: string | undefined, shape: Readonly<Record<string, string>>, addMissing: boolean): unknown {
  if (typeName !== undefined) return convert(v, typeName, '', shape, addMissing);
  return walk(v, '', shape, addMissing);
}

const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/** The shape entry for a field: its exact path, else its parent's `.*` wildcard (whose path then names it). */
function lookup(shape: Readonly<Record<string, string>>, path: string, parent: string): { t: string | undefined; path: string } {
  const exact = shape[path];
  if (exact !== undefined) return { t: exact, path };
  const wild = parent === '' ? undefined : shape[`${parent}.*`];
  return wild !== undefined ? { t: wild, path: `${parent}.*` } : { t: undefined, path };
}

function walk(v: unknown, path: string, shape: Readonly<Record<string, string>>, addMissing: boolean): unknown {
  if (Array.isArray(v)) {
    const t = shape[`${path}[]`];
    return v.map((e) => (t === undefined ? walk(e, `${path}[]`, shape, addMissing) : convert(e, t, `${path}[]`, shape, addMissing)));
  }
  if (isPlainObject(v)) return fields(v, path, shape, addMissing).values;
  return v;
}

function fields(o: Record<string, unknown>, path: string, shape: Readonly<Record<string, string>>, addMissing: boolean): { values: Record<string, unknown>; added: Set<string> } {
  const values: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(o)) {
    const { t, path: p } = lookup(shape, child(path, k), path);
    values[k] = t === undefined ? walk(e, p, shape, addMissing) : convert(e, t, p, shape, addMissing);
  }
  const added = new Set<string>();
  if (addMissing) {
    const prefix = path === '' ? '' : `${path}.`;
    for (const [p, t] of Object.entries(shape)) {
      if (!p.startsWith(prefix)) continue;
      const name = p.slice(prefix.length);
      if (name === '' || /[.*[\]]/.test(name) || Object.hasOwn(values, name)) continue;
      values[name] = convert(undefined, t, p, shape, addMissing);
      added.add(name);
    }
  }
  return { values, added };
}

function convert(v: unknown, t: string, path: string, shape: Readonly<Record<string, string>>, addMissing: boolean): unknown {
  if (t.startsWith('map[')) {
    if (!isPlainObject(v)) return new GoMap(null, t, t === 'map[string]string');
    // Map keys are data, not field names: values are shaped by the `.*` wildcard.
    const entries: Record<string, unknown> = {};
    const ep = `${path}.*`;
    const et = shape[ep];
    for (const [k, e] of Object.entries(v)) entries[k] = et === undefined ? walk(e, ep, shape, addMissing) : convert(e, et, ep, shape, addMissing);
    return new GoMap(entries, t, t === 'map[string]string');
  }
  if (t.startsWith('[]')) {
    if (!Array.isArray(v)) return new GoSlice(null, t);
    const et = shape[`${path}[]`];
    return new GoSlice(
      v.map((e) => (et === undefined ? walk(e, `${path}[]`, shape, addMissing) : convert(e, et, `${path}[]`, shape, addMissing))),
      t,
    );
  }
  if (v === undefined || v === null) {
    if (t.startsWith('*')) return new GoNilPtr(t);
    if (t === 'string') return '';
    if (t === 'bool') return false;
    if (/^u?int(8|16|32|64)?$/.test(t)) return 0;
    return v;
  }
  if (isPlainObject(v)) {
    const { values, added } = fields(v, path, shape, addMissing);
    return new GoStruct(values, t, added);
  }
  return v;
}
