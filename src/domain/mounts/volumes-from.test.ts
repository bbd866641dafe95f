// --volumes-from (§6). A-13 (`No such container`) is a container lookup in the
// engine; the rest of the rows that need running containers (A-10, A-11 file
// writes, A-18..A-20 removal) are integration tests: here the inherited specs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBind } from './bind.js';
import type { MountSpec } from './spec.js';
import { validateApiMount } from './validate.js';
import { inheritMounts, parseVolumesFrom } from './volumes-from.js';

const H = '/srv/host';

describe('parseVolumesFrom', () => {
  const ok: Array<[string, { container: string; mode: string }]> = [
    ['src', { container: 'src', mode: 'rw' }],
    ['src:ro', { container: 'src', mode: 'ro' }],
    ['src:rw', { container: 'src', mode: 'rw' }],
    ['src:z', { container: 'src', mode: 'z' }],
    ['src:Z', { container: 'src', mode: 'Z' }],
    ['src:ro,Z,cached', { container: 'src', mode: 'ro,Z,cached' }],
    ['src:', { container: 'src', mode: '' }],
  ];
  for (const [spec, want] of ok) it(spec, () => assert.deepEqual(parseVolumesFrom(spec), want));

  const bad: Array<[id: string, spec: string, message: string]> = [
    ['A-12', 'src:nocopy', 'invalid mode: nocopy'],
    ['A-12', 'src:shared', 'invalid mode: shared'],
    ['A-12', 'src:rw,ro', 'invalid mode: rw,ro'],
    ['A-12', 'src:foo', 'invalid mode: foo'],
    ['A-12', 'src:ro,rslave', 'invalid mode: ro,rslave'],
    ['A-12', 'src:ro:x', 'invalid mode: ro:x'],
    ['A-14', '', 'volumes-from specification cannot be an empty string'],
  ];
  for (const [id, spec, message] of bad) {
    it(`${id} ${JSON.stringify(spec)}`, () => assert.throws(() => parseVolumesFrom(spec), { kind: 'internal', message }));
  }
});

describe('inheritMounts', () => {
  // Source container of: -v spec-vfa:/a -v $H:/b:ro
  const source: MountSpec[] = [parseBind('spec-vfa:/a'), parseBind(`${H}:/b:ro`)];
  const rw = (specs: MountSpec[]): Array<[string, boolean]> => specs.map((s) => [s.target, !s.readOnly]);

  it('A-10: :ro makes everything read-only', () => {
    assert.deepEqual(rw(inheritMounts(source, parseVolumesFrom('src:ro').mode)), [['/a', false], ['/b', false]]);
  });
  it('A-11: :rw, :z, :Z and no mode cannot make a read-only source writable', () => {
    for (const spec of ['src:rw', 'src:z', 'src:Z', 'src']) {
      assert.deepEqual(rw(inheritMounts(source, parseVolumesFrom(spec).mode)), [['/a', true], ['/b', false]], spec);
    }
  });
  it('A-16/A-17: Mode is not copied, propagation is, no copy-up, origin volumes-from', () => {
    const src: MountSpec[] = [parseBind('spec-mm:/a:ro'), { kind: 'volume', name: 'f'.repeat(64), anonymous: true, target: '/anonm', readOnly: false, noCopy: false, mode: '', origin: 'config-volumes' }, parseBind(`${H}:/bind:ro,rslave`)];
    assert.deepEqual(inheritMounts(src, 'rw'), [
      { kind: 'volume', name: 'spec-mm', anonymous: false, target: '/a', readOnly: true, noCopy: true, mode: '', origin: 'volumes-from' },
      { kind: 'volume', name: 'f'.repeat(64), anonymous: true, target: '/anonm', readOnly: false, noCopy: true, mode: '', origin: 'volumes-from' },
      { kind: 'bind', source: H, target: '/bind', readOnly: true, propagation: 'rslave', nonRecursive: false, createSource: true, mode: '', origin: 'volumes-from' },
    ]);
  });
  it('A-09: a --mount tmpfs in the source fails like dockerd (404 get: no such volume)', () => {
    const src = [validateApiMount({ Type: 'tmpfs', Target: '/tmpm' }).spec];
    assert.throws(() => inheritMounts(src, 'rw'), { kind: 'notFound', message: 'get: no such volume' });
  });
});
