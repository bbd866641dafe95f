import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FormatError } from './format-error.js';
import { finalFormat, FormatContext, renderList } from './table.js';

const VOLUME_HEADERS = {
  ID: 'ID',
  Name: 'VOLUME NAME',
  Group: 'GROUP',
  Driver: 'DRIVER',
  Scope: 'SCOPE',
  Availability: 'AVAILABILITY',
  Mountpoint: 'MOUNTPOINT',
  Labels: 'LABELS',
  Links: 'LINKS',
  Size: 'SIZE',
  Status: 'STATUS',
};
const DEFAULT_TABLE = 'table {{.Driver}}\t{{.Name}}';

/** What a `volume ls` row looks like (docker's *formatter.volumeContext). */
function volume(name: string, labels: Record<string, string>): FormatContext {
  return {
    typeName: '*formatter.volumeContext',
    fields: {
      Name: () => name,
      Driver: () => 'local',
      Scope: () => 'local',
      Mountpoint: () => `/var/lib/docker/volumes/${name}/_data`,
      Labels: () =>
        Object.entries(labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      Links: () => 'N/A',
      Size: () => 'N/A',
      Group: () => 'N/A',
      Availability: () => 'N/A',
      Status: () => 'N/A',
    },
    methods: { Label: (k: string) => labels[k] ?? '' },
    headers: VOLUME_HEADERS,
  };
}

const rows = [volume('spec-l1', { env: 'prod', 'spec-run': '1' }), volume('a-much-longer-volume-name', {})];

describe('renderList: docker CLI 28.2.2 reference outputs', () => {
  it('default table', () => {
    assert.equal(renderList(undefined, DEFAULT_TABLE, rows), 'DRIVER    VOLUME NAME\nlocal     spec-l1\nlocal     a-much-longer-volume-name\n');
  });
  it('"table" alone is the default table', () => {
    assert.equal(renderList('table', DEFAULT_TABLE, rows), renderList(undefined, DEFAULT_TABLE, rows));
  });
  it('custom template with columns and .Label', () => {
    assert.equal(
      renderList('{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}} {{.Label "env"}} {{.Size}} {{.Links}}', DEFAULT_TABLE, rows.slice(0, 1)),
      'spec-l1 local local env=prod,spec-run=1 prod N/A N/A\n',
    );
  });
  it('json: every column, keys sorted, all strings', () => {
    assert.equal(
      renderList('json', DEFAULT_TABLE, rows.slice(0, 1)),
      '{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"env=prod,spec-run=1","Links":"N/A","Mountpoint":"/var/lib/docker/volumes/spec-l1/_data","Name":"spec-l1","Scope":"local","Size":"N/A","Status":"N/A"}\n',
    );
  });
  it('table with a literal \\t from the shell', () => {
    assert.equal(
      renderList('table {{.Name}}\\t{{.Mountpoint}}', DEFAULT_TABLE, rows.slice(0, 1)),
      'VOLUME NAME   MOUNTPOINT\nspec-l1       /var/lib/docker/volumes/spec-l1/_data\n',
    );
  });
  it('unknown field fails like docker', () => {
    assert.throws(
      () => renderList('{{.CreatedAt}}', DEFAULT_TABLE, rows),
      (e: unknown) =>
        e instanceof FormatError &&
        e.exitCode === 1 &&
        e.message === 'template parsing error: template: :1:2: executing "" at <.CreatedAt>: can\'t evaluate field CreatedAt in type *formatter.volumeContext',
    );
  });
});

describe('renderList: docker formatter behaviour', () => {
  it('-q prints the quiet format', () => {
    assert.equal(renderList(undefined, DEFAULT_TABLE, rows, { quiet: true, quietFormat: '{{.Name}}' }), 'spec-l1\na-much-longer-volume-name\n');
  });
  it('-q is ignored when a custom format is given', () => {
    assert.equal(renderList('{{.Driver}}', DEFAULT_TABLE, rows, { quiet: true, quietFormat: '{{.Name}}' }), 'local\nlocal\n');
  });
  it('an empty table still has its header', () => {
    assert.equal(renderList(undefined, DEFAULT_TABLE, [], { headers: VOLUME_HEADERS }), 'DRIVER    VOLUME NAME\n');
  });
  it('an empty non-table list prints nothing', () => {
    assert.equal(renderList('{{.Name}}', DEFAULT_TABLE, []), '');
    assert.equal(renderList('json', DEFAULT_TABLE, []), '');
  });
  it('header of a .Label column is the label name, last dotted part, - and _ as spaces', () => {
    assert.equal(
      renderList('table {{.Name}}\t{{.Label "com.docker.compose.project_name"}}', DEFAULT_TABLE, rows.slice(0, 1)),
      'VOLUME NAME   project name\nspec-l1       \n',
    );
  });
  it('header functions keep names intact, pad applies', () => {
    assert.equal(
      renderList('table {{upper .Name}}\t{{lower .Driver}}\t{{truncate .Mountpoint 3}}|{{pad .Scope 1 1}}|', DEFAULT_TABLE, rows.slice(0, 1)),
      'VOLUME NAME   DRIVER    MOUNTPOINT| SCOPE |\nSPEC-L1       local     /va| local |\n',
    );
  });
  it('text outside actions appears in the header too', () => {
    assert.equal(renderList('table name={{.Name}}', DEFAULT_TABLE, rows.slice(0, 1)), 'name=VOLUME NAME\nname=spec-l1\n');
  });
  it('a header that fails keeps what was written before the error', () => {
    // docker's header `json` takes a string; the header map itself is not one, so the header
    // template fails after "DRIVER\t" and docker prints what it has.
    assert.equal(renderList('table {{.Driver}}\t{{json .}}', DEFAULT_TABLE, [], { headers: VOLUME_HEADERS }), 'DRIVER    \n');
  });
  it('unknown columns show <no value> in the header', () => {
    assert.equal(renderList('table {{.Nope}}', DEFAULT_TABLE, [], { headers: VOLUME_HEADERS }), '<no value>\n');
  });
  it('\\n in a format becomes a newline', () => {
    assert.equal(renderList('{{.Name}}\\n{{.Driver}}', DEFAULT_TABLE, rows.slice(0, 1)), 'spec-l1\nlocal\n');
  });
  it('spaces around the format are trimmed after "table"', () => {
    assert.equal(renderList('table   {{.Name}}  ', DEFAULT_TABLE, rows.slice(0, 1)), 'VOLUME NAME\nspec-l1\n');
  });
  it('parse errors are template parsing errors', () => {
    assert.throws(
      () => renderList('{{.Name}', DEFAULT_TABLE, rows),
      (e: unknown) => e instanceof FormatError && e.exitCode === 1 && e.message === "template parsing error: template: :1: bad character U+007D '}'",
    );
    assert.throws(
      () => renderList('{{foo .Name}}', DEFAULT_TABLE, rows),
      (e: unknown) => e instanceof FormatError && e.message === 'template parsing error: template: :1: function "foo" not defined',
    );
  });
  it('json of a context escapes HTML like json.Marshal', () => {
    const row: FormatContext = { typeName: '*x', fields: { A: () => '<&>' }, headers: {} };
    assert.equal(renderList('json', DEFAULT_TABLE, [row]), '{"A":"\\u003c\\u0026\\u003e"}\n');
    assert.equal(renderList('{{json .A}}', DEFAULT_TABLE, [row]), '"<&>"\n');
  });
  it('finalFormat', () => {
    assert.deepEqual(finalFormat('table {{.A}}\\t{{.B}}'), { text: '{{.A}}\t{{.B}}', isTable: true });
    assert.deepEqual(finalFormat('json'), { text: '{{json .}}', isTable: false });
    assert.deepEqual(finalFormat(' {{.A}} '), { text: '{{.A}}', isTable: false });
  });
});
