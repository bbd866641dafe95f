// Daemon stage of `-v` (§2b, ParseMountRaw): HostConfig.Binds entries.
// Rows that need a running container (V-35 start, V-36..V-41, V-47..V-50) are
// runtime/engine behaviour; only their parse-time part is checked here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind } from './bind.js';
import { renderedMode, renderedPropagation, type MountSpec } from './spec.js';

const H = '/srv/host';
const W = '/tmp/W';

/** What `docker inspect .Mounts` shows for the parsed bind (local driver for volumes). */
function view(spec: MountSpec): Record<string, unknown> {
  return {
    kind: spec.kind,
    ...(spec.kind === 'volume' ? { name: spec.name } : {}),
    ...(spec.kind === 'bind' ? { source: spec.source } : {}),
    target: spec.target,
    mode: renderedMode(spec, 'local'),
    rw: !spec.readOnly,
    propagation: renderedPropagation(spec),
  };
}

describe('parseBind: accepted', () => {
  const cases: Array<[id: string, raw: string, want: Record<string, unknown>]> = [
    ['V-01', 'spec-v1:/data', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'z', rw: true, propagation: '' }],
    ['V-02', `${H}:/data`, { kind: 'bind', source: H, target: '/data', mode: '', rw: true, propagation: 'rprivate' }],
    ['V-04', 'spec-v1:/data:ro', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'ro', rw: false, propagation: '' }],
    ['V-04', 'spec-v1:/data:rw', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'rw', rw: true, propagation: '' }],
    ['V-04', 'spec-v1:/data:z', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'z', rw: true, propagation: '' }],
    ['V-04', 'spec-v1:/data:Z', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'Z', rw: true, propagation: '' }],
    ['V-04', 'spec-v1:/data:nocopy', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'nocopy', rw: true, propagation: '' }],
    ['V-04', 'spec-v1:/data:consistent', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'consistent', rw: true, propagation: '' }],
    ['V-04', 'spec-v1:/data:cached', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'cached', rw: true, propagation: '' }],
    ['V-04', 'spec-v1:/data:delegated', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'delegated', rw: true, propagation: '' }],
    ['V-05', `${H}:/data:shared`, { kind: 'bind', source: H, target: '/data', mode: 'shared', rw: true, propagation: 'shared' }],
    ['V-05', `${H}:/data:rslave`, { kind: 'bind', source: H, target: '/data', mode: 'rslave', rw: true, propagation: 'rslave' }],
    ['V-05', `${H}:/data:private`, { kind: 'bind', source: H, target: '/data', mode: 'private', rw: true, propagation: 'private' }],
    ['V-05', `${H}:/data:slave`, { kind: 'bind', source: H, target: '/data', mode: 'slave', rw: true, propagation: 'slave' }],
    ['V-05', `${H}:/data:rshared`, { kind: 'bind', source: H, target: '/data', mode: 'rshared', rw: true, propagation: 'rshared' }],
    ['V-05', `${H}:/data:rprivate`, { kind: 'bind', source: H, target: '/data', mode: 'rprivate', rw: true, propagation: 'rprivate' }],
    ['V-06', 'spec-v1:/data:ro,z,nocopy,cached', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'ro,z,nocopy,cached', rw: false, propagation: '' }],
    ['V-07', `${H}:/data:ro,Z,rshared,delegated`, { kind: 'bind', source: H, target: '/data', mode: 'ro,Z,rshared,delegated', rw: false, propagation: 'rshared' }],
    ['V-08', 'spec-v1:/data:z,ro', { kind: 'volume', name: 'spec-v1', target: '/data', mode: 'z,ro', rw: false, propagation: '' }],
    // V-23..V-25: sent as volume names; the name check (`create <n>: ... invalid characters ...`) is the engine's.
    ['V-23', '~/spec:/data', { kind: 'volume', name: '~/spec', target: '/data', mode: 'z', rw: true, propagation: '' }],
    ['V-24', 'rel/x:/data', { kind: 'volume', name: 'rel/x', target: '/data', mode: 'z', rw: true, propagation: '' }],
    ['V-25', 'spec v1:/data', { kind: 'volume', name: 'spec v1', target: '/data', mode: 'z', rw: true, propagation: '' }],
    // V-27: raw API Binds ["x:/data"] is a volume named "x"; its name error comes from volume creation.
    ['V-27', 'x:/data', { kind: 'volume', name: 'x', target: '/data', mode: 'z', rw: true, propagation: '' }],
    ['V-31', `${H}/:/data/`, { kind: 'bind', source: H, target: '/data', mode: '', rw: true, propagation: 'rprivate' }],
    ['V-32', 'spec-v1:/data/../x', { kind: 'volume', name: 'spec-v1', target: '/x', mode: 'z', rw: true, propagation: '' }],
    ['V-33', 'spec-v1:/da ta', { kind: 'volume', name: 'spec-v1', target: '/da ta', mode: 'z', rw: true, propagation: '' }],
    ['V-34', `${W}/rel:/data`, { kind: 'bind', source: `${W}/rel`, target: '/data', mode: '', rw: true, propagation: 'rprivate' }],
    ['raw', '/data', { kind: 'volume', name: undefined, target: '/data', mode: 'z', rw: true, propagation: '' }],
  ];
  for (const [id, raw, want] of cases) {
    it(`${id} ${raw}`, () => assert.deepEqual(view(parseBind(raw)), want));
  }

  it('V-06/C-06: nocopy disables copy-up', () => {
    const s = parseBind('spec-v1:/data:ro,z,nocopy,cached');
    assert.equal(s.kind === 'volume' && s.noCopy, true);
    assert.equal(s.origin, 'binds');
  });

  it('V-35: a -v bind source is created at start, never checked at create', () => {
    const s = parseBind(`${W}/newdir/a/b:/data`);
    assert.deepEqual(s, {
      kind: 'bind', source: `${W}/newdir/a/b`, target: '/data', readOnly: false, propagation: 'rprivate',
      nonRecursive: false, createSource: true, mode: '', origin: 'binds',
    });
  });

  it('V-47/V-48: --volume-driver applies to volumes, not to binds', () => {
    const v = parseBind('spec-vd:/data', 'nosuchdrv');
    assert.equal(v.kind === 'volume' && v.driver, 'nosuchdrv');
    const b = parseBind(`${H}:/data`, 'nosuchdrv');
    assert.equal(b.kind, 'bind');
    assert.equal('driver' in b, false);
  });

  it('an anonymous Binds entry is anonymous', () => {
    const s = parseBind('/data');
    assert.equal(s.kind === 'volume' && s.anonymous, true);
  });
});

describe('parseBind: refused (HTTP 500, kind internal)', () => {
  const cases: Array<[id: string, raw: string, message: string]> = [
    ['V-09', 'spec-v1:/data:ro,rw', 'invalid mode: ro,rw'],
    ['V-10', 'spec-v1:/data:z,Z', 'invalid mode: z,Z'],
    ['V-10', 'spec-v1:/data:ro,ro', 'invalid mode: ro,ro'],
    ['V-10', `${H}:/data:shared,rslave`, 'invalid mode: shared,rslave'],
    ['V-10', 'spec-v1:/data:nocopy,nocopy', 'invalid mode: nocopy,nocopy'],
    ['V-10', 'spec-v1:/data:cached,delegated', 'invalid mode: cached,delegated'],
    ['V-11', 'spec-v1:/data:foo', 'invalid mode: foo'],
    ['V-11', 'spec-v1:/data:RO', 'invalid mode: RO'],
    ['V-11', 'spec-v1:/data:ro,', 'invalid mode: ro,'],
    ['V-11', 'spec-v1:/data:,ro', 'invalid mode: ,ro'],
    ['V-12', 'spec-v1:/data:shared', `invalid volume specification: 'spec-v1:/data:shared': invalid mount config for type "volume": field BindOptions must not be specified`],
    ['V-13', `${H}:/data:nocopy`, `invalid volume specification: '${H}:/data:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    ['V-14', '/data:ro', "invalid volume specification: '/data:ro'"],
    ['V-14', '/data:nocopy', "invalid volume specification: '/data:nocopy'"],
    ['V-14', '/data:', "invalid volume specification: '/data:'"],
    ['V-15', 'spec-v1:data', `invalid volume specification: 'spec-v1:data': invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute`],
    ['V-16', `${H}:data`, `invalid volume specification: '${H}:data': invalid mount config for type "bind": invalid mount path: 'data' mount path must be absolute`],
    ['V-17', 'spec-v1:/', `invalid volume specification: 'spec-v1:/': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['V-17', 'spec-v1:/data/..', `invalid volume specification: 'spec-v1:/data/..': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['V-18', `${H}:/`, `invalid volume specification: '${H}:/': invalid mount config for type "bind": invalid specification: destination can't be '/'`],
    ['V-19', 'a:b:c:d', "invalid volume specification: 'a:b:c:d'"],
    ['V-30', `${W}/a:b:/data`, 'invalid mode: /data'],
    ['raw', ':/data', "invalid volume specification: ':/data'"],
    ['raw', '', "invalid volume specification: ''"],
    ['raw', 'data', `invalid volume specification: 'data': invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute`],
    ['raw', 'vol::ro', `invalid volume specification: 'vol::ro': invalid mount config for type "volume": field Target must not be empty`],
  ];
  for (const [id, raw, message] of cases) {
    it(`${id} ${JSON.stringify(raw)}`, () => assert.throws(() => parseBind(raw), { kind: 'internal', message }));
  }
});
