/**
 * ballast's `--format` engine: Go text/template + docker's formatter, for every command.
 *
 * Lists (`volume ls`, `ps`, `images`, ...):
 *
 *   renderList(format, defaultTable, rows, opts?) → stdout text
 *     format        the user's --format (undefined/'' → table; 'table'; 'table {{...}}';
 *                   'json'; any template). Literal `\t` / `\n` become tab / newline.
 *     defaultTable  the command's table, e.g. 'table {{.Driver}}\t{{.Name}}'
 *     rows          FormatContext per row: { typeName: '*formatter.volumeContext',
 *                   fields: { Name: () => v.Name, ... }, methods: { Label: (k) => ... },
 *                   headers: { Name: 'VOLUME NAME', ... } }
 *     opts          { quiet, quietFormat: '{{.Name}}', headers (when rows may be empty) }
 *   Throws FormatError { message: 'template parsing error: ...', exitCode: 1 }.
 *
 * Inspect (`volume inspect`, `inspect`, ...):
 *
 *   renderInspect(format, objects, opts?) → stdout text
 *     format   -f value (undefined → 4-space indented JSON array; 'json' → compact)
 *     objects  the API's JSON objects
 *     opts     { typeName, shape }: VOLUME_INSPECT for volumes; omit typeName for raw
 *              inspection (missing keys then fail with `map has no entry for key "X"`)
 *   Throws FormatError: exitCode 64 for a template that does not parse; exitCode 1 when
 *   some objects failed, with the others' output in `error.output` (print it first).
 *
 * Lower level: Template.parse(text).execute(data) runs any Go template with docker's
 * functions against JSON-like data; tabwrite(text) is Go's text/tabwriter as docker
 * configures it.
 */
export { FormatError } from './format-error.js';
export { renderInspect, VOLUME_INSPECT, type InspectOptions } from './inspect.js';
export { renderList, type FormatContext, type ListOptions } from './table.js';
export { DOCKER_TABWRITER, tabwrite, type TabwriterOptions } from './tabwriter.js';
export { Template, TemplateExecError, TemplateParseError } from './template.js';
