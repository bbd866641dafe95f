import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readCsvRecord } from './csv.js';

describe('readCsvRecord (Go encoding/csv, one record)', () => {
  const ok: Array<[string, string[]]> = [
    ['a,b,c', ['a', 'b', 'c']],
    ['a', ['a']],
    ['a,', ['a', '']],
    [',', ['', '']],
    ['a, b', ['a', ' b']], // whitespace is kept
    ['"a,b",c', ['a,b', 'c']],
    ['type=bind,"src=/w/a,b",dst=/data', ['type=bind', 'src=/w/a,b', 'dst=/data']], // M-42
    ['"a""b",c', ['a"b', 'c']],
    ['""', ['']],
    ['"a\nb",c', ['a\nb', 'c']], // quoted newline
    ['a,b\nc,d', ['a', 'b']], // only the first record
    ['\n\na,b', ['a', 'b']], // leading blank lines are skipped
    ['a,b\r\n', ['a', 'b']],
    ['a,b\r', ['a', 'b']],
    ['é,"ü"', ['é', 'ü']],
  ];
  for (const [input, want] of ok) {
    it(`${JSON.stringify(input)}`, () => assert.deepEqual(readCsvRecord(input), want));
  }

  const bad: Array<[string, string]> = [
    // M-44: the quote opens at column 11 and never closes: the error is at the end (len+1).
    ['type=bind,"src=/srv/x,dst=/data', 'parse error on line 1, column 32: extraneous or missing " in quoted-field'],
    ['"a"b', 'parse error on line 1, column 3: extraneous or missing " in quoted-field'],
    ['a"b', 'parse error on line 1, column 2: bare " in non-quoted-field'],
    ['x,a"b', 'parse error on line 1, column 4: bare " in non-quoted-field'],
    ['"abc', 'parse error on line 1, column 5: extraneous or missing " in quoted-field'],
    ['"a\nb', 'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field'],
    ['é"', 'parse error on line 1, column 3: bare " in non-quoted-field'], // byte columns
    ['', 'EOF'],
    ['\n', 'EOF'],
  ];
  for (const [input, message] of bad) {
    it(`${JSON.stringify(input)} fails: ${message}`, () => assert.throws(() => readCsvRecord(input), { message }));
  }
});
