// Client stage of `-v` (§2a): what the docker CLI sends, or refuses with rc 125.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseVolumeFlagClient, parseVolumeFlagsClient, splitVolumeFlag } from './volume-flag.js';

const H = '/srv/host';
const W = '/tmp/W';

describe('parseVolumeFlagClient: routing', () => {
  const cases: Array<[id: string, spec: string, want: { bind: string } | { anonymousTarget: string }]> = [
    ['V-01', 'spec-v1:/data', { bind: 'spec-v1:/data' }],
    ['V-02', `${H}:/data`, { bind: `${H}:/data` }],
    ['V-03', '/data', { anonymousTarget: '/data' }],
    ['V-04', 'spec-v1:/data:ro', { bind: 'spec-v1:/data:ro' }],
    ['V-06', 'spec-v1:/data:ro,z,nocopy,cached', { bind: 'spec-v1:/data:ro,z,nocopy,cached' }],
    ['V-11', 'spec-v1:/data:foo', { bind: 'spec-v1:/data:foo' }], // unknown options: the daemon's job
    ['V-14', '/data:ro', { bind: '/data:ro' }], // the daemon refuses it
    ['V-19', 'a:b:c:d', { bind: 'a:b:c:d' }], // drive-letter rule: source "a:b"
    ['V-23', '~/spec:/data', { bind: '~/spec:/data' }], // ~ is not expanded
    ['V-24', 'rel/x:/data', { bind: 'rel/x:/data' }],
    ['V-25', 'spec v1:/data', { bind: 'spec v1:/data' }],
    ['V-26', 'x:/data', { anonymousTarget: 'x:/data' }], // one token because of the drive colon
    ['V-26', 'c:/data', { anonymousTarget: 'c:/data' }],
    ['V-28', 'ab', { anonymousTarget: 'ab' }],
    ['V-28', '/a', { anonymousTarget: '/a' }],
    ['V-28', 'a', { anonymousTarget: 'a' }],
    ['V-29', 'C:\\data', { anonymousTarget: 'C:\\data' }],
    ['V-30', `${W}/a:b:/data`, { bind: `${W}/a:b:/data` }],
    ['V-31', `${H}/:/data/`, { bind: `${H}/:/data/` }], // Binds keeps the raw string
    ['V-33', 'spec-v1:/da ta', { bind: 'spec-v1:/da ta' }],
    ['V-34', './rel:/data', { bind: `${W}/rel:/data` }],
    ['V-34', '../W/rel:/data', { bind: `${W}/rel:/data` }],
    ['V-34', '.:/data', { bind: `${W}:/data` }],
    ['V-34', './rel:/data:ro', { bind: `${W}/rel:/data:ro` }],
    ['V-34', '.hidden:/data', { bind: `${W}/.hidden:/data` }],
  ];
  for (const [id, spec, want] of cases) {
    it(`${id} ${spec}`, () => assert.deepEqual(parseVolumeFlagClient(spec, W), want));
  }
});

describe('parseVolumeFlagClient: CLI errors (rc 125, "docker: <msg>")', () => {
  const cases: Array<[id: string, spec: string, message: string]> = [
    ['V-20', 'spec-v1:/data:ro:z', 'invalid spec: spec-v1:/data:ro:z: too many colons'],
    ['V-20', 'spec-v1:/data:ro:', 'invalid spec: spec-v1:/data:ro:: too many colons'],
    ['V-21', '::/data', 'invalid spec: ::/data: empty section between colons'],
    ['V-21', ':/data', 'invalid spec: :/data: empty section between colons'],
    ['V-21', 'spec-v1:/data:', 'invalid spec: spec-v1:/data:: empty section between colons'],
    ['V-21', 'spec-v1::/data', 'invalid spec: spec-v1::/data: empty section between colons'],
    ['V-22', '', 'invalid empty volume spec'],
  ];
  for (const [id, spec, message] of cases) {
    it(`${id} ${JSON.stringify(spec)}`, () =>
      assert.throws(() => parseVolumeFlagClient(spec, W), { kind: 'invalidArgument', message }));
  }
});

describe('splitVolumeFlag', () => {
  it('splits source, target and options', () => {
    // The drive-letter rule applies to every section: "c:" is kept together too.
    assert.deepEqual(splitVolumeFlag('a:b:c:d'), { source: 'a:b', target: 'c:d', options: '' });
    assert.deepEqual(splitVolumeFlag('ab:cd:e:g'), { source: 'ab', target: 'cd', options: 'e:g' });
    assert.deepEqual(splitVolumeFlag('vol:/x:ro,z'), { source: 'vol', target: '/x', options: 'ro,z' });
    assert.deepEqual(splitVolumeFlag(':a'), { source: '', target: ':a', options: '' }); // 2 bytes: taken whole
  });
});

describe('parseVolumeFlagsClient', () => {
  it('V-44: identical specs count once; V-03: anonymous ones go to Config.Volumes', () => {
    assert.deepEqual(parseVolumeFlagsClient(['spec-d1:/x', 'spec-d1:/x', '/anon', './r:/r'], W), {
      binds: ['spec-d1:/x', `${W}/r:/r`],
      volumes: { '/anon': {} },
    });
  });
});
