import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './dockerfile-changes.js';
import { emptyContainerConfig, normalizeContainerConfig, type DockerContainerConfig } from './image-config.js';

const apply = (...changes: string[]): DockerContainerConfig => applyChanges(emptyContainerConfig(), changes);

// Expected values observed with dockerd 20.10.24 (`docker import -c … && docker image inspect`).
describe('--change instructions', () => {
  const table: Array<[string[], Partial<DockerContainerConfig>]> = [
    [['CMD ["sh"]'], { Cmd: ['sh'] }],
    [['cmd echo $HOME'], { Cmd: ['/bin/sh', '-c', 'echo $HOME'] }],
    [['CMD ["a", "b"'], { Cmd: ['/bin/sh', '-c', '["a", "b"'] }],
    [['ENTRYPOINT echo hi'], { Entrypoint: ['/bin/sh', '-c', 'echo hi'] }],
    [['ENTRYPOINT ["echo"]'], { Entrypoint: ['echo'] }],
    [['ENV A=1 B="x y"'], { Env: ['A=1', 'B=x y'] }],
    [['ENV A 1 2'], { Env: ['A=1 2'] }],
    [['ENV A=1 B=$A C=${A}x'], { Env: ['A=1', 'B=', 'C=x'] }],
    [['ENV A=1', 'ENV B=$A C=${A:-z} D=${NOPE:-z} E=${A:+set}'], { Env: ['A=1', 'B=1', 'C=1', 'D=z', 'E=set'] }],
    [['ENV A=1', 'ENV A=2'], { Env: ['A=2'] }],
    [["ENV Q='$A' R=\\$A"], { Env: ['Q=$A', 'R=$A'] }],
    [['EXPOSE 80 443/udp'], { ExposedPorts: { '80/tcp': {}, '443/udp': {} } }],
    [['EXPOSE 80-82/udp 9'], { ExposedPorts: { '80/udp': {}, '81/udp': {}, '82/udp': {}, '9/tcp': {} } }],
    [['LABEL "x y"="z w" q=1'], { Labels: { 'x y': 'z w', q: '1' } }],
    [['LABEL a b c'], { Labels: { a: 'b c' } }],
    [['VOLUME ["/a","/b"]'], { Volumes: { '/a': {}, '/b': {} } }],
    [['VOLUME /c /d'], { Volumes: { '/c': {}, '/d': {} } }],
    [['WORKDIR rel'], { WorkingDir: '/rel' }],
    [['WORKDIR /x', 'WORKDIR y/../z'], { WorkingDir: '/x/z' }],
    [['USER 1:2'], { User: '1:2' }],
    [['USER nobody'], { User: 'nobody' }],
    [['ONBUILD RUN x'], { OnBuild: ['RUN x'] }],
    [['HEALTHCHECK CMD true'], { Healthcheck: { Test: ['CMD-SHELL', 'true'] } }],
    [['HEALTHCHECK --interval=5s CMD ["true"]'], { Healthcheck: { Test: ['CMD', 'true'], Interval: 5_000_000_000 } }],
    [['HEALTHCHECK NONE'], { Healthcheck: { Test: ['NONE'] } }],
    [[''], {}],
  ];
  for (const [changes, want] of table) {
    it(changes.join(' | ') || '(empty)', () => {
      const got = apply(...changes);
      assert.deepEqual(got, { ...emptyContainerConfig(), ...want });
    });
  }

  const errors: Array<[string, string]> = [
    ['RUN x', 'run is not a valid change command'],
    ['STOPSIGNAL 9', 'stopsignal is not a valid change command'],
    ['FROM x', 'from is not a valid change command'],
    ['ENV A', 'ENV must have two arguments'],
    ['LABEL a', 'LABEL must have two arguments'],
    ['EXPOSE abc', 'Invalid containerPort: abc'],
    ['EXPOSE 80/xyz', 'Invalid proto: xyz'],
    ['ONBUILD ONBUILD RUN x', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed'],
  ];
  for (const [change, message] of errors) {
    it(`rejects ${change}`, () => {
      assert.throws(() => apply(change), (e: unknown) => {
        assert.equal((e as Error).message, message);
        assert.equal((e as { kind?: string }).kind, 'invalidArgument');
        return true;
      });
    });
  }

  it('keeps Go field order in the config', () => {
    const c = normalizeContainerConfig(apply('EXPOSE 80', 'HEALTHCHECK CMD true', 'CMD ["sh"]'));
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(c)) as object), [
      'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty', 'OpenStdin',
      'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels',
    ]);
  });
});
