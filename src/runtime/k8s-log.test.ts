import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatRfc3339Nano, parseLogLine, parseRfc3339Nano, readLog, type LogRecord } from './k8s-log.js';
import { tempDir } from './testkit.js';

describe('k8s-file timestamps', () => {
  const cases: [string, string][] = [
    ['2026-11-27T23:55:09.556530549+00:00', '2026-11-27T23:55:09.556530549Z'],
    ['2026-11-27T23:55:09.556530549+02:00', '2026-11-27T21:55:09.556530549Z'],
    ['2026-11-27T23:55:09.5-01:30', '2026-11-28T01:25:09.5Z'],
    ['2026-11-27T23:55:09Z', '2026-11-27T23:55:09Z'],
    ['1970-01-01T00:00:00.000000001Z', '1970-01-01T00:00:00.000000001Z'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => {
      const ns = parseRfc3339Nano(input);
      assert.ok(ns !== null);
      assert.equal(formatRfc3339Nano(ns), want);
    });
  }
  it('rejects malformed times', () => {
    assert.equal(parseRfc3339Nano('yesterday'), null);
    assert.equal(parseRfc3339Nano('2026-11-27 23:55:09Z'), null);
  });
});

describe('parseLogLine', () => {
  const rec = (s: string): LogRecord | null => parseLogLine(Buffer.from(s));
  it('full and partial lines', () => {
    const f = rec('2026-11-27T23:55:09.556530549+00:00 stdout F hello world');
    assert.equal(f?.stream, 'stdout');
    assert.equal(f?.partial, false);
    assert.equal(f?.data.toString(), 'hello world\n');
    const p = rec('2026-11-27T23:55:09.556530549+00:00 stderr P part');
    assert.equal(p?.stream, 'stderr');
    assert.equal(p?.partial, true);
    assert.equal(p?.data.toString(), 'part');
  });
  it('an empty line', () => {
    assert.equal(rec('2026-11-27T23:55:09Z stdout F')?.data.toString(), '\n');
    assert.equal(rec('2026-11-27T23:55:09Z stdout F ')?.data.toString(), '\n');
  });
  it('keeps binary content and inner spaces', () => {
    const line = Buffer.concat([Buffer.from('2026-11-27T23:55:09Z stdout F '), Buffer.from([0xff, 0x20, 0x00, 0x41])]);
    assert.deepEqual(parseLogLine(line)?.data, Buffer.from([0xff, 0x20, 0x00, 0x41, 0x0a]));
  });
  it('rejects malformed lines', () => {
    for (const bad of ['', 'x stdout F a', '2026-11-27T23:55:09Z stdin F a', '2026-11-27T23:55:09Z stdout X a']) {
      assert.equal(rec(bad), null, bad);
    }
  });
});

describe('readLog', () => {
  const dir = tempDir('ballast-k8slog-');
  after(() => rmSync(dir, { recursive: true, force: true }));
  const line = (stream: string, tag: string, text: string): string => `2026-11-27T23:55:09.000000001+00:00 ${stream} ${tag} ${text}\n`;

  it('reads an existing file; a missing file is empty', async () => {
    const p = join(dir, 'a.log');
    writeFileSync(p, line('stdout', 'F', 'one') + line('stderr', 'P', 'two') + 'garbage\n');
    const got: string[] = [];
    for await (const r of readLog(p)) got.push(`${r.stream}:${r.data.toString()}`);
    assert.deepEqual(got, ['stdout:one\n', 'stderr:two']);
    const none: LogRecord[] = [];
    for await (const r of readLog(join(dir, 'missing.log'))) none.push(r);
    assert.equal(none.length, 0);
  });

  it('follows appends, a rotation, and ends when `until` settles', async () => {
    const p = join(dir, 'b.log');
    let finish: () => void = () => {};
    const until = new Promise<void>((r) => (finish = r));
    const got: string[] = [];
    const reader = (async () => {
      for await (const r of readLog(p, { follow: true, until, pollMs: 20 })) got.push(r.data.toString());
    })();
    await new Promise((r) => setTimeout(r, 50)); // file does not exist yet
    writeFileSync(p, line('stdout', 'F', 'a'));
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(p, line('stdout', 'F', 'b').slice(0, 20)); // half a line
    await new Promise((r) => setTimeout(r, 60));
    appendFileSync(p, line('stdout', 'F', 'b').slice(20));
    await new Promise((r) => setTimeout(r, 60));
    // Rotation: a new file renamed over the old one.
    writeFileSync(`${p}.tmp`, line('stdout', 'F', 'c'));
    renameSync(`${p}.tmp`, p);
    await new Promise((r) => setTimeout(r, 80));
    appendFileSync(p, line('stdout', 'F', 'd'));
    finish();
    await reader;
    assert.deepEqual(got, ['a\n', 'b\n', 'c\n', 'd\n']);
  });

  it('stops on abort', async () => {
    const p = join(dir, 'c.log');
    writeFileSync(p, line('stdout', 'F', 'x'));
    const ac = new AbortController();
    const got: string[] = [];
    const reader = (async () => {
      for await (const r of readLog(p, { follow: true, signal: ac.signal, pollMs: 20 })) got.push(r.data.toString());
    })();
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await reader;
    assert.deepEqual(got, ['x\n']);
  });
});
