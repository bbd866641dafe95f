import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goFilepathAbs, goParseBool, goParseOctalUint32, goPathClean, goQuote, goQuoteList, goSplitN } from './go.js';

describe('goPathClean (path.Clean)', () => {
  const cases: Array<[string, string]> = [
    ['', '.'],
    ['/', '/'],
    ['/data/', '/data'],
    ['/data/..', '/'],
    ['/data/../x', '/x'],
    ['//a//b/./c/', '/a/b/c'],
    ['/../a', '/a'],
    ['a/../..', '..'],
    ['../../a/b/..', '../../a'],
    ['x:/data', 'x:/data'],
    ['ab', 'ab'],
    ['./x', 'x'],
    ['.', '.'],
    ['/da ta', '/da ta'],
  ];
  for (const [p, want] of cases) it(`${JSON.stringify(p)} → ${want}`, () => assert.equal(goPathClean(p), want));
});

describe('goFilepathAbs', () => {
  it('joins relative paths to cwd and cleans', () => {
    assert.equal(goFilepathAbs('./rel', '/w'), '/w/rel');
    assert.equal(goFilepathAbs('.', '/w'), '/w');
    assert.equal(goFilepathAbs('../W/rel', '/tmp/W'), '/tmp/W/rel');
    assert.equal(goFilepathAbs('/a/./b', '/w'), '/a/b');
  });
});

describe('goParseBool', () => {
  for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) it(`${s} → true`, () => assert.equal(goParseBool(s), true));
  for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) it(`${s} → false`, () => assert.equal(goParseBool(s), false));
  for (const s of ['yes', 'maybe', '', 'tRUE', 'on']) it(`${s} → undefined`, () => assert.equal(goParseBool(s), undefined));
});

describe('goParseOctalUint32', () => {
  it('parses octal', () => {
    assert.equal(goParseOctalUint32('1770'), 0o1770);
    assert.equal(goParseOctalUint32('0700'), 0o700);
    assert.equal(goParseOctalUint32('37777777777'), 0xffffffff);
  });
  for (const s of ['999', '', '8', '-1', '+7', '0o7', '40000000000', '7_7']) {
    it(`${JSON.stringify(s)} is refused`, () => assert.equal(goParseOctalUint32(s), undefined));
  }
});

describe('goQuote (strconv.Quote)', () => {
  const cases: Array<[string, string]> = [
    ['foo', '"foo"'],
    ['', '""'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['tab\there', '"tab\\there"'],
    ['\u0001', '"\\x01"'],
    ['\u007f', '"\\x7f"'],
    ['é ü', '"é ü"'],
    ['\u200b', '"\\u200b"'],
  ];
  for (const [s, want] of cases) it(`${JSON.stringify(s)} → ${want}`, () => assert.equal(goQuote(s), want));
  it('quotes lists like %q of []string', () => {
    assert.equal(goQuoteList(['foo', 'bar']), '["foo" "bar"]');
    assert.equal(goQuoteList(['foo']), '["foo"]');
    assert.equal(goQuoteList(['']), '[""]');
  });
});

describe('goSplitN', () => {
  it('splits at most n-1 times', () => {
    assert.deepEqual(goSplitN('a:b:c:d', ':', 3), ['a', 'b', 'c:d']);
    assert.deepEqual(goSplitN('a', ':', 3), ['a']);
    assert.deepEqual(goSplitN('', ':', 3), ['']);
    assert.deepEqual(goSplitN('k=v=w', '=', 2), ['k', 'v=w']);
  });
});
