import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FormatError } from './format-error.js';
import { renderInspect, VOLUME_INSPECT } from './inspect.js';

const vol = {
  CreatedAt: '2025-06-01T10:00:00Z',
  Driver: 'local',
  Labels: null,
  Mountpoint: '/var/lib/docker/volumes/v/_data',
  Name: 'v',
  Options: null,
  Scope: 'local',
};
const labelled = { ...vol, Name: 'w', Labels: { z: '1', env: 'a<b' }, Options: { type: 'tmpfs' } };

const fails = (fn: () => unknown, exitCode: number, message: string, output = ''): void => {
  assert.throws(fn, (e: unknown) => e instanceof FormatError && e.exitCode === exitCode && e.message === message && e.output === output, message);
};

describe('renderInspect: typed volumes (volume.Volume)', () => {
  it('null maps print map[] (docker CLI 28.2.2)', () => {
    assert.equal(renderInspect('{{.Labels}} {{.Options}} {{.Status}}', [vol], VOLUME_INSPECT), 'map[] map[] map[]\n');
  });
  it('maps print sorted, json of maps', () => {
    assert.equal(renderInspect('{{.Labels}} {{json .Options}} {{json .Labels}}', [labelled], VOLUME_INSPECT), 'map[env:a<b z:1] {"type":"tmpfs"} {"env":"a<b","z":"1"}\n');
    assert.equal(renderInspect('{{json .Options}}', [vol], VOLUME_INSPECT), 'null\n');
  });
  it('index of a missing label is empty, field syntax gives <no value>', () => {
    assert.equal(renderInspect('[{{index .Labels "nope"}}] {{.Labels.nope}}', [labelled], VOLUME_INSPECT), '[] <no value>\n');
  });
  it('one line per object', () => {
    assert.equal(renderInspect('{{.Name}}', [vol, labelled], VOLUME_INSPECT), 'v\nw\n');
  });
  it('absent omitempty fields exist with zero values but stay out of json', () => {
    assert.equal(renderInspect('{{.UsageData}}|{{.Status}}|{{.CreatedAt}}', [{ Name: 'x', Labels: null }], VOLUME_INSPECT), '<nil>|map[]|\n');
    assert.equal(renderInspect('{{json .}}', [vol], VOLUME_INSPECT), `${JSON.stringify(vol)}\n`);
  });
  it('unknown field names the Go type', () => {
    fails(() => renderInspect('{{.Foo}}', [vol], VOLUME_INSPECT), 1, 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type volume.Volume', '\n');
  });
  it('failures are per object; the others still print', () => {
    fails(
      () => renderInspect('{{.Labels.env}}{{if .Labels.z}}{{.Nope}}{{end}}', [vol, labelled], VOLUME_INSPECT),
      1,
      'template parsing error: template: :1:33: executing "" at <.Nope>: can\'t evaluate field Nope in type volume.Volume',
      '<no value>\n',
    );
  });
  it('a template that does not parse exits 64', () => {
    fails(() => renderInspect('{{.Name', [vol], VOLUME_INSPECT), 64, 'template parsing error: template: :1: unclosed action');
  });
  it('default output: MarshalIndent with 4 spaces, HTML escaped, maps sorted', () => {
    assert.equal(
      renderInspect(undefined, [labelled], VOLUME_INSPECT),
      [
        '[',
        '    {',
        '        "CreatedAt": "2025-06-01T10:00:00Z",',
        '        "Driver": "local",',
        '        "Labels": {',
        '            "env": "a\\u003cb",',
        '            "z": "1"',
        '        },',
        '        "Mountpoint": "/var/lib/docker/volumes/v/_data",',
        '        "Name": "w",',
        '        "Options": {',
        '            "type": "tmpfs"',
        '        },',
        '        "Scope": "local"',
        '    }',
        ']',
        '',
      ].join('\n'),
    );
  });
  it('no objects: [] or an empty line', () => {
    assert.equal(renderInspect(undefined, [], VOLUME_INSPECT), '[]\n');
    assert.equal(renderInspect('{{.Name}}', [], VOLUME_INSPECT), '\n');
  });
  it('json: compact array', () => {
    assert.equal(renderInspect('json', [vol], VOLUME_INSPECT), `[${JSON.stringify(vol)}]\n`);
  });
  it('no \\t translation for inspect templates', () => {
    assert.equal(renderInspect('{{.Name}}\\t{{.Driver}}', [vol], VOLUME_INSPECT), 'v\\tlocal\n');
  });
});

describe('renderInspect: raw JSON (docker inspect)', () => {
  const container = {
    Id: 'abc',
    Name: '/web',
    State: { Status: 'running', Running: true, Pid: 42 },
    Config: { Labels: { 'com.docker.compose.project': 'demo' }, Env: ['A=1', 'B=2'], Cmd: null },
    Mounts: [],
    Size: 53317,
  };
  it('nested fields, maps, slices', () => {
    assert.equal(
      renderInspect('{{.Name}} {{.State.Running}} {{.State.Pid}} {{index .Config.Labels "com.docker.compose.project"}} {{join .Config.Env ","}} {{.Mounts}} {{.Size}}', [container]),
      '/web true 42 demo A=1,B=2 [] 53317\n',
    );
  });
  it('null prints <no value>, json null', () => {
    assert.equal(renderInspect('{{.Config.Cmd}} {{json .Config.Cmd}}', [container]), '<no value> null\n');
  });
  it('range over a map and a slice', () => {
    assert.equal(renderInspect('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}};{{range .Config.Env}}[{{.}}]{{end}}', [container]), 'com.docker.compose.project=demo;[A=1][B=2]\n');
  });
  it('missing keys fail: map has no entry for key', () => {
    fails(() => renderInspect('{{.Foo}}', [container]), 1, 'template parsing error: template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"', '\n');
    fails(
      () => renderInspect('{{.State.Nope}}', [container]),
      1,
      'template parsing error: template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"',
      '\n',
    );
  });
  it('a shape makes declared maps forgiving, like the typed struct docker tries first', () => {
    const opts = { shape: { 'Config.Labels': 'map[string]string' } };
    assert.equal(renderInspect('[{{.Config.Labels.nope}}][{{index .Config.Labels "nope"}}]', [container], opts), '[<no value>][]\n');
  });
  it('shape wildcards for map values and slice elements', () => {
    const c = { NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2', Aliases: null } } }, Mounts: [{ Type: 'volume', Name: 'v' }] };
    const opts = { shape: { 'NetworkSettings.Networks': 'map[string]*network.EndpointSettings', 'NetworkSettings.Networks.*': '*network.EndpointSettings', 'NetworkSettings.Networks.*.Aliases': '[]string', 'Mounts[]': 'container.MountPoint' } };
    assert.equal(
      renderInspect('{{range $n, $e := .NetworkSettings.Networks}}{{$n}} {{$e.IPAddress}} {{$e.Aliases}}{{end}} {{range .Mounts}}{{.Type}}:{{.Name}}{{end}}', [c], opts),
      'bridge 172.17.0.2 [] volume:v\n',
    );
  });
  it('default output is not HTML-escaped (daemon JSON re-indented)', () => {
    assert.equal(renderInspect(undefined, [{ A: '<&>' }]), '[\n    {\n        "A": "<&>"\n    }\n]\n');
    assert.equal(renderInspect('json', [{ A: '<&>' }, { B: 1 }]), '[{"A":"<&>"},{"B":1}]\n');
  });
  it('{{json .}} keeps the API key order', () => {
    assert.equal(renderInspect('{{json .State}}', [container]), '{"Status":"running","Running":true,"Pid":42}\n');
  });
});
