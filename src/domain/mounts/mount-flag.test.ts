// Client stage of `--mount` (§3a): the API object the CLI sends, or the bare
// message of `invalid argument "<v>" for "--mount" flag: <msg>` (rc 125).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiMount } from './api-types.js';
import { normalizeApiMount } from './api-types.js';
import { BIND_NONRECURSIVE_WARNING, mountApiVersionError, parseMountFlagClient } from './mount-flag.js';

const H = '/srv/host';
const W = '/tmp/W';
const parse = (v: string): ApiMount => parseMountFlagClient(v, W).mount;

describe('parseMountFlagClient: accepted', () => {
  const cases: Array<[id: string, value: string, want: ApiMount]> = [
    ['M-01', `type=bind,src=${W}/nonexistent,dst=/data`, { Type: 'bind', Source: `${W}/nonexistent`, Target: '/data' }],
    ['M-02', 'src=spec-mv,dst=/data', { Type: 'volume', Source: 'spec-mv', Target: '/data' }],
    ['M-03', 'type=volume,source=spec-mv,target=/data,readonly', { Type: 'volume', Source: 'spec-mv', Target: '/data', ReadOnly: true }],
    ['M-03', 'type=volume,source=spec-mv,destination=/data,ro=true', { Type: 'volume', Source: 'spec-mv', Target: '/data', ReadOnly: true }],
    ['M-03', 'type=volume,src=spec-mv,dst=/data,readonly=1', { Type: 'volume', Source: 'spec-mv', Target: '/data', ReadOnly: true }],
    ['M-03', 'type=volume,src=spec-mv,dst=/data,ro', { Type: 'volume', Source: 'spec-mv', Target: '/data', ReadOnly: true }],
    ['M-04', 'type=volume,src=spec-mv,dst=/data,ro=false', { Type: 'volume', Source: 'spec-mv', Target: '/data' }],
    ['M-10', 'type=foo,dst=/data', { Type: 'foo', Target: '/data' }],
    ['M-11', 'type=image,src=spec-full,dst=/data', { Type: 'image', Source: 'spec-full', Target: '/data' }],
    ['M-11', 'type=npipe,src=/x,dst=/data', { Type: 'npipe', Source: '/x', Target: '/data' }],
    ['M-12', 'type=bind,dst=/data', { Type: 'bind', Target: '/data' }],
    ['M-13', 'type=tmpfs,src=foo,dst=/data', { Type: 'tmpfs', Source: 'foo', Target: '/data' }],
    ['M-14', 'type=volume,dst=/data,readonly', { Type: 'volume', Target: '/data', ReadOnly: true }],
    ['M-15', 'type=bind,src=rel,dst=/data', { Type: 'bind', Source: 'rel', Target: '/data' }],
    ['M-16', 'type=bind,src=./rel,dst=/data', { Type: 'bind', Source: `${W}/rel`, Target: '/data' }],
    ['M-16', 'type=bind,src=.,dst=/data', { Type: 'bind', Source: W, Target: '/data' }],
    ['M-16', 'type=bind,src=../x,dst=/data', { Type: 'bind', Source: '/tmp/x', Target: '/data' }],
    ['M-17', 'type=volume,src=/abs,dst=/data', { Type: 'volume', Source: '/abs', Target: '/data' }],
    ['M-19', 'type=volume,src=spec-mv,dst=/', { Type: 'volume', Source: 'spec-mv', Target: '/' }],
    ['M-23', `type=bind,src=${H},dst=/data,bind-propagation=foo`, { Type: 'bind', Source: H, Target: '/data', BindOptions: { Propagation: 'foo' } }],
    ['M-24', `type=bind,src=${H},dst=/data,bind-propagation=RSHARED`, { Type: 'bind', Source: H, Target: '/data', BindOptions: { Propagation: 'rshared' } }],
    ['M-25', `type=bind,src=${H},dst=/data,consistency=foo`, { Type: 'bind', Source: H, Target: '/data', Consistency: 'foo' }],
    ['M-25', `type=bind,src=${H},dst=/data,consistency=CACHED`, { Type: 'bind', Source: H, Target: '/data', Consistency: 'cached' }],
    ['M-27', 'type=tmpfs,dst=/data,tmpfs-mode=1770,tmpfs-size=64m', { Type: 'tmpfs', Target: '/data', TmpfsOptions: { SizeBytes: 67108864, Mode: 1016 } }],
    ['M-28', 'TYPE=VOLUME,SRC=spec-mv,DST=/data', { Type: 'volume', Source: 'spec-mv', Target: '/data' }],
    ['M-29', 'type=volume,src=spec-mv,dst=/data,volume-subpath=sub', { Type: 'volume', Source: 'spec-mv', Target: '/data', VolumeOptions: { Subpath: 'sub', DriverConfig: {} } }],
    ['M-30', `type=bind,src=${H},dst=/data,bind-recursive=disabled`, { Type: 'bind', Source: H, Target: '/data', BindOptions: { NonRecursive: true } }],
    ['M-30', `type=bind,src=${H},dst=/data,bind-nonrecursive`, { Type: 'bind', Source: H, Target: '/data', BindOptions: { NonRecursive: true } }],
    ['M-30', `type=bind,src=${H},dst=/data,bind-recursive=enabled`, { Type: 'bind', Source: H, Target: '/data' }],
    ['M-33', `type=bind,src=${H},dst=/data,bind-recursive=readonly,readonly,bind-propagation=rprivate`, { Type: 'bind', Source: H, Target: '/data', ReadOnly: true, BindOptions: { Propagation: 'rprivate', ReadOnlyForceRecursive: true } }],
    ['M-35', `type=bind,src=${H},dst=/data,bind-recursive=writable,readonly`, { Type: 'bind', Source: H, Target: '/data', ReadOnly: true, BindOptions: { ReadOnlyNonRecursive: true } }],
    ['M-37', 'type=volume,src=spec-mv,dst=/data,volume-nocopy=false', { Type: 'volume', Source: 'spec-mv', Target: '/data', VolumeOptions: { DriverConfig: {} } }],
    ['C-07', 'type=volume,src=spec-nc2,dst=/data,volume-nocopy', { Type: 'volume', Source: 'spec-nc2', Target: '/data', VolumeOptions: { NoCopy: true, DriverConfig: {} } }],
    ['M-38', 'type=volume,src=spec-mvd,dst=/data,volume-driver=nosuchdrv', { Type: 'volume', Source: 'spec-mvd', Target: '/data', VolumeOptions: { DriverConfig: { Name: 'nosuchdrv' } } }],
    ['M-39', 'type=volume,src=spec-mvo,dst=/data,volume-opt=foo', { Type: 'volume', Source: 'spec-mvo', Target: '/data', VolumeOptions: { DriverConfig: { Options: { foo: '' } } } }],
    [
      'M-41',
      'type=volume,src=spec-mvt,dst=/data,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=1m,volume-label=a=b,volume-label=c',
      { Type: 'volume', Source: 'spec-mvt', Target: '/data', VolumeOptions: { Labels: { a: 'b', c: '' }, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } } } },
    ],
    ['M-42', `type=bind,"src=${W}/a,b",dst=/data`, { Type: 'bind', Source: `${W}/a,b`, Target: '/data' }],
    [
      'M-45',
      'type=volume,src=spec-csv,dst=/data,"volume-opt=o=size=1m,uid=1000",volume-opt=type=tmpfs,volume-opt=device=tmpfs',
      { Type: 'volume', Source: 'spec-csv', Target: '/data', VolumeOptions: { DriverConfig: { Options: { o: 'size=1m,uid=1000', type: 'tmpfs', device: 'tmpfs' } } } },
    ],
    ['D-21', 'type=volume,dst=/data,volume-driver=local,volume-opt=type=tmpfs,volume-opt=device=tmpfs', { Type: 'volume', Target: '/data', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs' } } } }],
    ['T-26', 'type=tmpfs,dst=/t,tmpfs-size=1.5m', { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1572864 } }],
    ['T-28', 'type=tmpfs,dst=/t,tmpfs-mode=1770,readonly', { Type: 'tmpfs', Target: '/t', ReadOnly: true, TmpfsOptions: { Mode: 0o1770 } }],
    ['keys', 'type=volume,dst=/d,volume-label==x', { Type: 'volume', Target: '/d', VolumeOptions: { DriverConfig: {} } }], // empty key ignored
    ['keys', 'type=image,src=img,dst=/d,image-subpath=etc', { Type: 'image', Source: 'img', Target: '/d', ImageOptions: { Subpath: 'etc' } }],
  ];
  for (const [id, value, want] of cases) {
    it(`${id} ${value}`, () => assert.deepEqual(parse(value), want));
  }

  it('M-31: bind-nonrecursive=<bool> works and warns', () => {
    const r = parseMountFlagClient(`type=bind,src=${H},dst=/data,bind-nonrecursive=true`, W);
    assert.deepEqual(r.mount.BindOptions, { NonRecursive: true });
    assert.deepEqual(r.warnings, [BIND_NONRECURSIVE_WARNING]);
    assert.equal(BIND_NONRECURSIVE_WARNING, 'bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
    assert.deepEqual(parseMountFlagClient(`type=bind,src=${H},dst=/data,bind-nonrecursive`, W).warnings, []);
  });

  it('M-33: bind-recursive=readonly is refused against API 1.41 (rc 1)', () => {
    const m = parse(`type=bind,src=${H},dst=/data,bind-recursive=readonly,readonly,bind-propagation=rprivate`);
    assert.equal(mountApiVersionError(m, '1.41'), 'bind-recursive=readonly requires API v1.44 or later');
    assert.equal(mountApiVersionError(m, '1.44'), undefined);
    assert.equal(mountApiVersionError(parse(`type=bind,src=${H},dst=/data`), '1.41'), undefined);
  });

  it('M-29/M-35/M-37: dockerd 20.10 stores the API-1.41 shape', () => {
    assert.deepEqual(normalizeApiMount(parse('type=volume,src=spec-mv,dst=/data,volume-subpath=sub')).VolumeOptions, { DriverConfig: {} });
    assert.deepEqual(normalizeApiMount(parse(`type=bind,src=${H},dst=/data,bind-recursive=writable,readonly`)).BindOptions, {});
    assert.deepEqual(normalizeApiMount(parse('type=volume,src=spec-mv,dst=/data,volume-nocopy=false')), {
      Type: 'volume', Source: 'spec-mv', Target: '/data', VolumeOptions: { DriverConfig: {} },
    });
  });

  it('M-27: JSON on the wire matches the docker CLI', () => {
    assert.equal(
      JSON.stringify(parse('type=tmpfs,dst=/data,tmpfs-mode=1770,tmpfs-size=64m')),
      '{"Type":"tmpfs","Target":"/data","TmpfsOptions":{"SizeBytes":67108864,"Mode":1016}}',
    );
  });
});

describe('parseMountFlagClient: refused by the CLI', () => {
  const cases: Array<[id: string, value: string, message: string]> = [
    ['M-05', 'type=volume,src=spec-mv,dst=/data,readonly=yes', 'invalid value for readonly: yes'],
    ['M-05', 'type=volume,src=spec-mv,dst=/data,RO=yes', 'invalid value for ro: yes'],
    ['M-06', 'type=volume,src=spec-mv,dst=/data,foo=bar', "unexpected key 'foo' in 'foo=bar'"],
    ['M-07', 'type=volume,src=spec-mv,dst=/data,foo', "invalid field 'foo' must be a key=value pair"],
    ['M-08', 'type=volume,src=spec-mv', 'target is required'],
    ['M-09', 'type=,dst=/data', 'type is required'],
    ['M-09', 'type=', 'type is required'],
    ['M-20', `type=bind,src=${H},dst=/data,volume-nocopy`, "cannot mix 'volume-*' options with mount type 'bind'"],
    ['M-21', 'type=volume,src=spec-mv,dst=/data,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['M-21', 'type=tmpfs,dst=/data,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'tmpfs'"],
    ['M-22', 'type=volume,src=spec-mv,dst=/data,tmpfs-size=1m', "cannot mix 'tmpfs-*' options with mount type 'volume'"],
    ['M-22', 'type=bind,src=/x,dst=/data,image-subpath=a', "cannot mix 'image-*' options with mount type 'bind'"],
    ['M-26', 'type=tmpfs,dst=/data,tmpfs-size=abc', 'invalid value for tmpfs-size: abc'],
    ['M-26', 'type=tmpfs,dst=/data,tmpfs-mode=999', 'invalid value for tmpfs-mode: 999'],
    ['M-32', `type=bind,src=${H},dst=/data,bind-recursive=readonly,readonly`, "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"],
    ['M-32', `type=bind,src=${H},dst=/data,bind-recursive=readonly`, "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction"],
    ['M-34', `type=bind,src=${H},dst=/data,bind-recursive=writable`, "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['M-36', `type=bind,src=${H},dst=/data,bind-recursive=foo`, 'invalid value for bind-recursive: foo (must be "enabled", "disabled", "writable", or "readonly")'],
    ['M-36', `type=bind,src=${H},dst=/data,bind-recursive=Disabled`, 'invalid value for bind-recursive: Disabled (must be "enabled", "disabled", "writable", or "readonly")'],
    ['M-37', 'type=volume,src=spec-mv,dst=/data,volume-nocopy=maybe', 'invalid value for volume-nocopy: maybe'],
    ['M-31', `type=bind,src=${H},dst=/data,bind-nonrecursive=maybe`, 'invalid value for bind-nonrecursive: maybe'],
    ['M-43', `type=bind,src=${W}/a,b,dst=/data`, "invalid field 'b' must be a key=value pair"],
    ['M-44', 'type=bind,"src=/srv/x,dst=/data', 'parse error on line 1, column 32: extraneous or missing " in quoted-field'],
    ['M-44', 'type=bind,src="/srv/x",dst=/data', 'parse error on line 1, column 15: bare " in non-quoted-field'],
    ['M-46', 'type=volume, src=x,dst=/data', "unexpected key ' src' in ' src=x'"],
    ['M-47', 'type=volume,src=x,dst=/data,', "invalid field '' must be a key=value pair"],
    ['empty', '', 'EOF'],
  ];
  for (const [id, value, message] of cases) {
    it(`${id} ${JSON.stringify(value)}`, () =>
      assert.throws(() => parseMountFlagClient(value, W), { kind: 'invalidArgument', message }));
  }
});
