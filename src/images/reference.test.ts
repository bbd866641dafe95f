import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { familiarMatch, familiarString, fullString, parseAnyReference, parseNormalizedNamed, withDefaultTag } from './reference.js';

describe('image references', () => {
  const cases: Array<[string, string, string]> = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['docker.io/library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x', 'busybox:x'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['me/app:v1', 'docker.io/me/app:v1', 'me/app:v1'],
    ['localhost:5000/app', 'localhost:5000/app:latest', 'localhost:5000/app:latest'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['Registry.Example.com/a/b:c', 'Registry.Example.com/a/b:c', 'Registry.Example.com/a/b:c'],
    ['me/a__b-c.d_e---f:T_9.x', 'docker.io/me/a__b-c.d_e---f:T_9.x', 'me/a__b-c.d_e---f:T_9.x'],
    ['a.b/c', 'a.b/c:latest', 'a.b/c:latest'],
  ];
  for (const [input, full, familiar] of cases) {
    it(`normalises ${input}`, () => {
      const r = withDefaultTag(parseNormalizedNamed(input));
      assert.equal(fullString(r), full);
      assert.equal(familiarString(r), familiar);
    });
  }

  const errors: Array<[string, string]> = [
    ['Busybox', 'invalid reference format: repository name must be lowercase'],
    ['busy box', 'invalid reference format'],
    ['busybox:bad:tag', 'invalid reference format'],
    ['', 'invalid reference format'],
    ['a'.repeat(64).replace(/a/g, 'f'), `invalid repository name (${'f'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
    [`${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
    ['x:' + 't'.repeat(129), 'invalid reference format'],
  ];
  for (const [input, message] of errors) {
    it(`rejects ${JSON.stringify(input.slice(0, 20))}`, () => {
      assert.throws(() => parseNormalizedNamed(input), { message });
    });
  }

  it('recognises ids', () => {
    const hex = 'ab'.repeat(32);
    assert.deepEqual(parseAnyReference(hex), { kind: 'id', id: `sha256:${hex}` });
    assert.deepEqual(parseAnyReference(`sha256:${hex}`), { kind: 'id', id: `sha256:${hex}` });
    // A short "sha256:abc" is a name "sha256" with tag "abc", as in Docker.
    const r = parseAnyReference('sha256:abcdef12');
    assert.equal(r.kind, 'named');
  });

  it('matches reference filters like docker images', () => {
    const r = withDefaultTag(parseNormalizedNamed('me/app:v1'));
    assert.ok(familiarMatch('me/app', r));
    assert.ok(familiarMatch('me/*', r));
    assert.ok(familiarMatch('me/app:v*', r));
    assert.ok(!familiarMatch('app', r));
    assert.ok(!familiarMatch('*', r)); // * does not cross "/"
    assert.ok(familiarMatch('busy*', withDefaultTag(parseNormalizedNamed('busybox'))));
  });
});
