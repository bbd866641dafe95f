// tmpfs (§4). Rows are checked up to the option list handed to the runtime;
// what the kernel prints (relatime, size=65536k, mode quirks of T-25), ENOSPC
// (T-21, T-29), `df` sizes (T-24) and the /dev breakage (T-22) need a running
// container and are integration tests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  mergeTmpfsOptionList,
  mergeTmpfsOptions,
  parseTmpfsFlagClient,
  parseTmpfsFlagsClient,
  parseTmpfsMap,
  tmpfsOptionsFromApi,
  validateTmpfsDestination,
} from './tmpfs.js';

describe('parseTmpfsFlagClient', () => {
  const cases: Array<[string, [string, string]]> = [
    ['/t', ['/t', '']],
    ['/t:size=64m,mode=1770', ['/t', 'size=64m,mode=1770']],
    ['/t:a:b', ['/t', 'a:b']], // first ':' only
    ['', ['', '']],
  ];
  for (const [v, want] of cases) it(JSON.stringify(v), () => assert.deepEqual(parseTmpfsFlagClient(v), want));

  it('T-30: the last value per destination wins', () => {
    assert.deepEqual(parseTmpfsFlagsClient(['/x', '/x:size=1m']), { '/x': 'size=1m' });
  });
});

describe('mergeTmpfsOptions: options at start (defaults noexec,nosuid,nodev,rprivate)', () => {
  const cases: Array<[id: string, options: string, want: string[]]> = [
    ['T-01', '', ['noexec', 'nosuid', 'nodev', 'rprivate']],
    ['T-02', 'rw', ['noexec', 'nosuid', 'nodev', 'rprivate', 'rw']],
    ['T-03', 'ro', ['noexec', 'nosuid', 'nodev', 'rprivate', 'ro']],
    ['T-04', 'size=64m', ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=64m']],
    ['T-05', 'size=64m,mode=1770', ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=64m', 'mode=1770']],
    ['T-06', 'exec', ['nosuid', 'nodev', 'rprivate', 'exec']],
    ['T-07', 'exec,suid,dev', ['rprivate', 'exec', 'suid', 'dev']],
    ['T-08', 'uid=1000,gid=1000', ['noexec', 'nosuid', 'nodev', 'rprivate', 'uid=1000', 'gid=1000']],
    ['T-09', 'nr_inodes=100', ['noexec', 'nosuid', 'nodev', 'rprivate', 'nr_inodes=100']],
    ['T-10', 'size=1m,size=2m', ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=2m']],
    ['T-11', 'noatime', ['noexec', 'nosuid', 'nodev', 'rprivate', 'noatime']],
    ['T-12', 'mpol=default', ['noexec', 'nosuid', 'nodev', 'rprivate', 'mpol=default']],
    ['T-12', 'rprivate', ['noexec', 'nosuid', 'nodev', 'rprivate']],
    ['T-12', 'shared', ['noexec', 'nosuid', 'nodev', 'shared']],
    ['T-12', 'defaults', ['noexec', 'nosuid', 'nodev', 'rprivate']],
    ['T-13', 'mode=0700', ['noexec', 'nosuid', 'nodev', 'rprivate', 'mode=0700']],
    ['T-14', 'size=0', ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=0']],
    ['T-17', 'size=abc', ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=abc']], // the kernel refuses it, not Docker
    ['T-23', 'size=1m', ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1m']],
    ['T-28', 'ro,mode=1770', ['noexec', 'nosuid', 'nodev', 'rprivate', 'ro', 'mode=1770']],
    ['merge', 'ro,rw,exec,noexec', ['nosuid', 'nodev', 'rprivate', 'rw', 'noexec']],
    ['merge', 'bind,rslave', ['noexec', 'nosuid', 'nodev', 'rslave']],
    ['merge', 'relatime,norelatime,strictatime', ['noexec', 'nosuid', 'nodev', 'rprivate', 'norelatime', 'strictatime']],
    ['merge', '=x', ['noexec', 'nosuid', 'nodev', 'rprivate', '=x']], // "" is a valid data key in moby/sys
  ];
  for (const [id, options, want] of cases) {
    it(`${id} ${JSON.stringify(options)}`, () => assert.deepEqual(mergeTmpfsOptions(options), want));
  }

  const bad: Array<[id: string, options: string, message: string]> = [
    ['T-15', 'foo=bar', 'invalid tmpfs option ["foo" "bar"]'],
    ['T-16', 'size', 'invalid tmpfs option ["size"]'],
    ['T-16', 'foo', 'invalid tmpfs option ["foo"]'],
    ['T-18', 'foo=bar', 'invalid tmpfs option ["foo" "bar"]'],
    ['split', 'a=b=c', 'invalid tmpfs option ["a" "b=c"]'],
    ['empty', 'size=1m,', 'invalid tmpfs option [""]'],
    ['case', 'RO', 'invalid tmpfs option ["RO"]'],
    ['quote', 'x"y', 'invalid tmpfs option ["x\\"y"]'],
  ];
  for (const [id, options, message] of bad) {
    it(`${id} ${JSON.stringify(options)} fails at start`, () =>
      assert.throws(() => mergeTmpfsOptions(options), { kind: 'internal', message }));
  }

  it('mergeTmpfsOptionList is MergeTmpfsOptions without defaults', () => {
    assert.deepEqual(mergeTmpfsOptionList(['size=1m', 'ro', 'size=2m', 'rw']), ['size=2m', 'rw']);
    assert.deepEqual(mergeTmpfsOptionList([]), []);
  });
});

describe('tmpfs destinations (checked at create, 400)', () => {
  it('T-18: bad options pass create; they fail only at start', () => {
    const [spec] = parseTmpfsMap({ '/t': 'foo=bar' });
    assert.deepEqual(spec, { kind: 'tmpfs', target: '/t', options: 'foo=bar', readOnly: false, origin: 'tmpfs-flag' });
  });

  const bad: Array<[id: string, dest: string, message: string]> = [
    ['T-19', '/', "invalid specification: destination can't be '/'"],
    ['T-19', '/t/..', "invalid specification: destination can't be '/'"],
    ['T-20', 'ab', "invalid mount path: 'ab' mount path must be absolute"],
    ['T-20', 'rel', "invalid mount path: 'rel' mount path must be absolute"],
    ['empty', '', "invalid mount path: '' mount path must be absolute"],
  ];
  for (const [id, dest, message] of bad) {
    it(`${id} ${JSON.stringify(dest)}`, () => {
      assert.throws(() => validateTmpfsDestination(dest), { kind: 'invalidArgument', message });
      assert.throws(() => parseTmpfsMap({ [dest]: '' }), { kind: 'invalidArgument', message });
    });
  }

  it('T-03/T-23: read-only is read from the options; keys are kept verbatim', () => {
    assert.deepEqual(parseTmpfsMap({ '/t': 'ro', '/dev/shm': 'size=1m', '/x/': 'ro,rw' }).map((s) => [s.target, s.readOnly]), [
      ['/t', true],
      ['/dev/shm', false],
      ['/x/', false],
    ]);
  });
});

describe('tmpfsOptionsFromApi (ConvertTmpfsOptions)', () => {
  const cases: Array<[id: string, size: number | undefined, mode: number | undefined, ro: boolean, want: string]> = [
    ['none', undefined, undefined, false, ''],
    ['T-26', 1536000, undefined, false, 'size=1500k'],
    ['T-26', 1000, undefined, false, 'size=1000'],
    ['T-26', 1073741824, undefined, false, 'size=1g'],
    ['T-26', 1572864, undefined, false, 'size=1536k'],
    ['T-27', undefined, 0o700, false, 'mode=700'],
    ['T-28', undefined, 0o1770, true, 'ro,mode=1770'],
    ['M-27', 67108864, 1016, false, 'mode=1770,size=64m'],
    ['2g', 2 * 2 ** 30, undefined, false, 'size=2g'],
    ['3m', 3 * 2 ** 20 + 2 ** 10, undefined, false, 'size=3073k'],
  ];
  for (const [id, size, mode, ro, want] of cases) {
    it(`${id} → ${JSON.stringify(want)}`, () => {
      assert.equal(tmpfsOptionsFromApi({ ...(size !== undefined ? { SizeBytes: size } : {}), ...(mode !== undefined ? { Mode: mode } : {}) }, ro), want);
    });
  }
  it('accepts absent options', () => {
    assert.equal(tmpfsOptionsFromApi(undefined, true), 'ro');
    assert.equal(tmpfsOptionsFromApi(null, false), '');
  });
});
