// Daemon validation of HostConfig.Mounts (§3b), driven from the CLI syntax the
// rows use. Volume creation (M-17/M-18 names, M-38 driver lookup, M-39/M-40
// options) needs the volume service and is the engine's; only the mount spec
// handed to it is checked here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiMount } from './api-types.js';
import { normalizeApiMount } from './api-types.js';
import { parseMountFlagClient } from './mount-flag.js';
import { renderedMode, renderedPropagation, type MountSpec } from './spec.js';
import { bindSourceMissingError, validateApiMount } from './validate.js';

const H = '/srv/host';
const W = '/tmp/W';
const fromCli = (v: string): ApiMount => parseMountFlagClient(v, W).mount;

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

describe('validateApiMount: refused (400, kind invalidArgument)', () => {
  const cases: Array<[id: string, mount: ApiMount, message: string]> = [
    ['M-10', fromCli('type=foo,dst=/data'), 'invalid mount config for type "foo": mount type unknown'],
    ['M-11', fromCli('type=image,src=spec-full,dst=/data'), 'invalid mount config for type "image": mount type unknown'],
    ['M-11', fromCli('type=npipe,src=/x,dst=/data'), 'invalid mount config for type "npipe": mount type unknown'],
    ['M-12', fromCli('type=bind,dst=/data'), 'invalid mount config for type "bind": field Source must not be empty'],
    ['M-13', fromCli('type=tmpfs,src=foo,dst=/data'), 'invalid mount config for type "tmpfs": field Source must not be specified'],
    ['M-14', fromCli('type=volume,dst=/data,readonly'), 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
    ['M-15', fromCli('type=bind,src=rel,dst=/data'), "invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute"],
    ['M-19', fromCli('type=volume,src=spec-mv,dst=/'), "invalid mount config for type \"volume\": invalid specification: destination can't be '/'"],
    ['M-19', fromCli('type=volume,src=spec-mv,dst=data'), "invalid mount config for type \"volume\": invalid mount path: 'data' mount path must be absolute"],
    ['M-19', fromCli('type=volume,src=spec-mv,dst=/data/..'), "invalid mount config for type \"volume\": invalid specification: destination can't be '/'"],
    ['M-23', fromCli(`type=bind,src=${H},dst=/data,bind-propagation=foo`), 'invalid mount config for type "bind": invalid propagation mode: foo'],
    ['api', { Type: 'volume', Source: 'v' }, 'invalid mount config for type "volume": field Target must not be empty'],
    ['api', { Type: 'foo' }, 'invalid mount config for type "foo": field Target must not be empty'],
    ['api', { Target: '/x' }, 'invalid mount config for type "": mount type unknown'],
    ['api', { Type: 'bind', Source: H, Target: '/x', VolumeOptions: {} }, 'invalid mount config for type "bind": field VolumeOptions must not be specified'],
    ['api', { Type: 'volume', Source: 'v', Target: '/x', BindOptions: {} }, 'invalid mount config for type "volume": field BindOptions must not be specified'],
    ['api', { Type: 'tmpfs', Target: '/x', BindOptions: { Propagation: 'shared' } }, 'invalid mount config for type "tmpfs": field BindOptions must not be specified'],
    ['api', { Type: 'cluster', Source: 'c', Target: '/x' }, 'invalid mount config for type "cluster": mount type unknown'],
    ['api', { Type: 'a"b', Target: '/x' }, 'invalid mount config for type "a\\"b": mount type unknown'],
  ];
  for (const [id, mount, message] of cases) {
    it(`${id} ${JSON.stringify(mount)}`, () => assert.throws(() => validateApiMount(mount), { kind: 'invalidArgument', message }));
  }
});

describe('validateApiMount: accepted', () => {
  const cases: Array<[id: string, mount: ApiMount, want: Record<string, unknown>, needsExistingSource: boolean]> = [
    ['M-01', fromCli(`type=bind,src=${W}/nonexistent,dst=/data`), { kind: 'bind', source: `${W}/nonexistent`, target: '/data', mode: '', rw: true, propagation: 'rprivate' }, true],
    ['M-02', fromCli('src=spec-mv,dst=/data'), { kind: 'volume', name: 'spec-mv', target: '/data', mode: 'z', rw: true, propagation: '' }, false],
    ['M-03', fromCli('type=volume,source=spec-mv,target=/data,readonly'), { kind: 'volume', name: 'spec-mv', target: '/data', mode: 'z', rw: false, propagation: '' }, false],
    ['M-17', fromCli('type=volume,src=/abs,dst=/data'), { kind: 'volume', name: '/abs', target: '/data', mode: 'z', rw: true, propagation: '' }, false],
    ['M-24', fromCli(`type=bind,src=${H},dst=/data,bind-propagation=RSHARED`), { kind: 'bind', source: H, target: '/data', mode: '', rw: true, propagation: 'rshared' }, true],
    ['M-25', fromCli(`type=bind,src=${H},dst=/data,consistency=foo`), { kind: 'bind', source: H, target: '/data', mode: '', rw: true, propagation: 'rprivate' }, true],
    ['M-29', fromCli('type=volume,src=spec-mv,dst=/data,volume-subpath=sub'), { kind: 'volume', name: 'spec-mv', target: '/data', mode: 'z', rw: true, propagation: '' }, false],
    ['clean', { Type: 'bind', Source: `${H}/x/`, Target: '/data/./y/' }, { kind: 'bind', source: `${H}/x`, target: '/data/y', mode: '', rw: true, propagation: 'rprivate' }, true],
    ['A-04', fromCli('type=volume,dst=/anon2'), { kind: 'volume', name: undefined, target: '/anon2', mode: 'z', rw: true, propagation: '' }, false],
    ['T-32', fromCli('type=tmpfs,dst=/g,tmpfs-size=1m'), { kind: 'tmpfs', target: '/g', mode: '', rw: true, propagation: '' }, false],
    ['compose', { Target: '/scratch', Source: null, Type: 'tmpfs', ReadOnly: null, TmpfsOptions: { SizeBytes: 1048576 } }, { kind: 'tmpfs', target: '/scratch', mode: '', rw: true, propagation: '' }, false],
    ['anon-ro-tmpfs', fromCli('type=tmpfs,dst=/t,readonly'), { kind: 'tmpfs', target: '/t', mode: '', rw: false, propagation: '' }, false],
  ];
  for (const [id, mount, want, needs] of cases) {
    it(`${id} ${JSON.stringify(mount)}`, () => {
      const r = validateApiMount(mount);
      assert.deepEqual(view(r.spec), want);
      assert.equal(r.needsExistingSource, needs);
    });
  }

  it('M-30: bind-recursive=disabled gives a non-recursive bind that must exist', () => {
    const r = validateApiMount(fromCli(`type=bind,src=${H},dst=/data,bind-recursive=disabled`));
    assert.deepEqual(r.spec, {
      kind: 'bind', source: H, target: '/data', readOnly: false, propagation: 'rprivate',
      nonRecursive: true, createSource: false, mode: '', origin: 'mounts',
    });
  });

  it('M-41: labels and driver options are carried for volume creation', () => {
    const r = validateApiMount(fromCli(
      'type=volume,src=spec-mvt,dst=/data,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m,volume-label=a=b,volume-label=c',
    ));
    assert.deepEqual(r.spec, {
      kind: 'volume', name: 'spec-mvt', anonymous: false, target: '/data', readOnly: false, noCopy: false,
      driverOptions: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }, labels: { a: 'b', c: '' },
      mode: '', origin: 'mounts',
    });
  });

  it('M-38: volume-driver is carried', () => {
    const r = validateApiMount(fromCli('type=volume,src=spec-mvd,dst=/data,volume-driver=nosuchdrv'));
    assert.equal(r.spec.kind === 'volume' && r.spec.driver, 'nosuchdrv');
  });

  it('M-27/T-26/T-28: tmpfs options are rendered the way dockerd passes them on', () => {
    const cases: Array<[string, string, number | undefined, number | undefined]> = [
      ['type=tmpfs,dst=/data,tmpfs-mode=1770,tmpfs-size=64m', 'mode=1770,size=64m', 67108864, 0o1770],
      ['type=tmpfs,dst=/t,tmpfs-size=1500k', 'size=1500k', 1536000, undefined],
      ['type=tmpfs,dst=/t,tmpfs-size=1000', 'size=1000', 1000, undefined],
      ['type=tmpfs,dst=/t,tmpfs-size=1g', 'size=1g', 1073741824, undefined],
      ['type=tmpfs,dst=/t,tmpfs-size=1.5m', 'size=1536k', 1572864, undefined],
      ['type=tmpfs,dst=/t,tmpfs-mode=700', 'mode=700', undefined, 0o700],
      ['type=tmpfs,dst=/t,tmpfs-mode=1770,readonly', 'ro,mode=1770', undefined, 0o1770],
    ];
    for (const [value, options, size, mode] of cases) {
      const { spec } = validateApiMount(fromCli(value));
      assert.equal(spec.kind, 'tmpfs');
      if (spec.kind !== 'tmpfs') continue;
      assert.equal(spec.options, options, value);
      assert.equal(spec.sizeBytes, size, value);
      assert.equal(spec.mode, mode, value);
    }
  });

  it('M-52: a raw API Subpath is dropped, NoCopy kept', () => {
    const m: ApiMount = { Type: 'volume', Source: 'spec-h3', Target: '/x', VolumeOptions: { Subpath: 'sub', NoCopy: true } };
    const r = validateApiMount(m);
    assert.equal(r.spec.kind === 'volume' && r.spec.noCopy, true);
    assert.deepEqual(normalizeApiMount(m).VolumeOptions, { NoCopy: true });
  });
});

describe('bindSourceMissingError', () => {
  it('M-01/M-16/M-51: the message dockerd gives at create and at start', () => {
    assert.throws(
      () => {
        throw bindSourceMissingError(`${W}/rel`);
      },
      { kind: 'invalidArgument', message: `invalid mount config for type "bind": bind source path does not exist: ${W}/rel` },
    );
  });
});
