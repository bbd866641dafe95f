/** Table-driven checks of the container/image CLI helpers against docker's behaviour. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameParser } from '../../client/stdcopy.js';
import { splitCpArg, splitPathDirEntry } from './container-cp.js';
import { displayablePorts, parsePorts, parsePortSpec } from './container-ports.js';
import { runExitCode } from './container-run.js';
import { detachKeyBytes } from './container-stream.js';
import { ellipsis, goQuote, humanDuration, truncateId } from './format-helpers.js';
import { familiarString, parseAnyReference, parseNormalizedNamed, tagNameOnly } from './image-reference.js';
import { goJsonCompact, goJsonIndent } from './inspect-output.js';

describe('format helpers', () => {
  it('humanDuration (go-units)', () => {
    const cases: Array<[number, string]> = [
      [0, 'Less than a second'],
      [999, 'Less than a second'],
      [1000, '1 second'],
      [59_999, '59 seconds'],
      [60_000, 'About a minute'],
      [119_999, 'About a minute'],
      [120_000, '2 minutes'],
      [3_599_999, '59 minutes'],
      [3_600_000, 'About an hour'],
      [5_399_999, 'About an hour'],
      [5_400_000, '2 hours'],
      [47 * 3_600_000, '47 hours'],
      [48 * 3_600_000, '2 days'],
      [14 * 24 * 3_600_000, '2 weeks'],
      [60 * 24 * 3_600_000, '2 months'],
      [2 * 365 * 24 * 3_600_000, '2 years'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  });

  it('ellipsis, quote, truncateId', () => {
    assert.equal(ellipsis("sh -c 'echo a long command'", 20), "sh -c 'echo a long …");
    assert.equal(ellipsis('short', 20), 'short');
    assert.equal(ellipsis('你好你好你好你好你好你好', 5), '你好…');
    assert.equal(goQuote('say "hi"\n'), '"say \\"hi\\"\\n"');
    assert.equal(truncateId('sha256:bf40a92895f5f8385c69c361c7e9e487746411a4f148a769eca9d330437fdeec'), 'bf40a92895f5');
  });
});

describe('ports', () => {
  it('parses -p like nat.ParsePortSpec', () => {
    assert.deepEqual(parsePortSpec('8080:80'), [{ port: '80/tcp', binding: { HostIp: '', HostPort: '8080' } }]);
    assert.deepEqual(parsePortSpec('127.0.0.1::53/udp'), [{ port: '53/udp', binding: { HostIp: '127.0.0.1', HostPort: '' } }]);
    assert.deepEqual(parsePortSpec('5000-5010:80'), [{ port: '80/tcp', binding: { HostIp: '', HostPort: '5000-5010' } }]);
    assert.equal(parsePortSpec('7000-7001:8000-8001').length, 2);
    for (const [spec, msg] of [
      ['bad', 'invalid containerPort: bad'],
      ['99999:80', 'invalid hostPort: 99999'],
      ['80/icmp', 'invalid proto: icmp'],
      ['1.2.3.999:80:80', 'invalid IP address: 1.2.3.999'],
      ['1-2:3-5', 'invalid ranges specified for container and host Ports: 3-5 and 1-2'],
    ]) {
      assert.throws(() => parsePortSpec(spec as string), { message: msg as string }, spec as string);
    }
  });

  it('builds ExposedPorts/PortBindings and the PORTS column', () => {
    const { exposed, bindings } = parsePorts(['80'], ['90-91/udp']);
    assert.deepEqual(Object.keys(exposed), ['80/tcp', '90/udp', '91/udp']);
    assert.deepEqual(bindings, { '80/tcp': [{ HostIp: '', HostPort: '' }] });
    assert.equal(
      displayablePorts([
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 9000, Type: 'udp' },
        { PrivatePort: 9001, Type: 'udp' },
        { IP: '0.0.0.0', PrivatePort: 443, PublicPort: 443, Type: 'tcp' },
      ]),
      '0.0.0.0:443->443/tcp, 9000-9001/udp, 0.0.0.0:8080->80/tcp',
    );
  });
});

describe('image references', () => {
  it('normalises and prints familiar names', () => {
    assert.equal(familiarString(tagNameOnly(parseNormalizedNamed('busybox'))), 'busybox:latest');
    assert.equal(familiarString(tagNameOnly(parseNormalizedNamed('docker.io/library/busybox:1'))), 'busybox:1');
    assert.equal(familiarString(parseNormalizedNamed('quay.io/x/y@sha256:' + 'a'.repeat(64))), `quay.io/x/y@sha256:${'a'.repeat(64)}`);
    assert.equal(parseAnyReference('a'.repeat(64)).kind, 'digest');
    assert.equal(parseAnyReference('sha256:1234').kind, 'named');
    assert.throws(() => parseNormalizedNamed('UPPER'), { message: 'invalid reference format: repository name (library/UPPER) must be lowercase' });
    assert.throws(() => parseNormalizedNamed('bad:UPPER:x'), { message: 'invalid reference format' });
  });
});

describe('streams', () => {
  it('demultiplexes frames split across chunks', () => {
    const got: Array<[number, string]> = [];
    const p = new FrameParser((s, b) => got.push([s, b.toString()]));
    const frame = (s: number, t: string) => Buffer.concat([Buffer.from([s, 0, 0, 0, 0, 0, 0, t.length]), Buffer.from(t)]);
    const all = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'x')]);
    for (let i = 0; i < all.length; i += 3) p.push(all.subarray(i, i + 3));
    assert.deepEqual(got, [[1, 'out\n'], [2, 'err\n'], [1, 'x']]);
    assert.throws(() => p.push(frame(3, 'boom')), { message: 'error from daemon in stream: boom' });
  });

  it('detach keys', () => {
    assert.deepEqual(detachKeyBytes('ctrl-p,ctrl-q'), [16, 17]);
    assert.deepEqual(detachKeyBytes('ctrl-@,a'), [0, 97]);
    assert.throws(() => detachKeyBytes('ctrl-'));
  });

  it('run exit codes from the daemon text', () => {
    assert.equal(runExitCode('exec: "/x": stat /x: no such file or directory: unknown'), 127);
    assert.equal(runExitCode('exec: "/etc": permission denied: unknown'), 126);
    assert.equal(runExitCode('No command specified'), 125);
  });
});

describe('inspect JSON and cp paths', () => {
  it('indents like Go json.Indent, keeping escapes', () => {
    assert.equal(goJsonIndent('[{"a":[],"b":{},"c":"x\\u003cy","d":[1,2]}]'), '[\n    {\n        "a": [],\n        "b": {},\n        "c": "x\\u003cy",\n        "d": [\n            1,\n            2\n        ]\n    }\n]');
    assert.equal(goJsonCompact('{ "a" : [ 1, 2 ],\n "b": "s p" }\n'), '{"a":[1,2],"b":"s p"}');
  });

  it('splits cp arguments and paths', () => {
    assert.deepEqual(splitCpArg('ctr:/data'), { container: 'ctr', path: '/data' });
    assert.deepEqual(splitCpArg('./a:b'), { container: '', path: './a:b' });
    assert.deepEqual(splitCpArg('/abs:x'), { container: '', path: '/abs:x' });
    assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
    assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
    assert.deepEqual(splitPathDirEntry('/a'), ['/', 'a']);
  });
});
