import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesSize, formatGoG, fromHumanSize, humanSize, humanSizeWithPrecision, ramInBytes } from './units.js';

describe('ramInBytes (go-units RAMInBytes)', () => {
  const ok: Array<[string, number]> = [
    ['0', 0],
    ['1000', 1000],
    ['1b', 1],
    ['1B', 1],
    ['1k', 1024],
    ['1K', 1024],
    ['1kb', 1024],
    ['1KiB', 1024],
    ['1kib', 1024],
    ['64m', 67108864],
    ['64M', 67108864],
    ['1g', 1073741824],
    ['1t', 1024 ** 4],
    ['1p', 1024 ** 5],
    ['1.5m', 1572864], // T-26
    ['1500k', 1536000], // T-26
    ['1.5', 1], // truncated after scaling
    ['0.3MB', 314572],
    ['2 KiB', 2048], // one space between number and unit
    ['5 ', 5],
    ['1e3k', 1024000],
    ['1.', 1],
    ['.5k', 512],
    ['+5m', 5 * 1024 * 1024],
    ['0x10p0', 16],
  ];
  for (const [input, want] of ok) {
    it(`${JSON.stringify(input)} → ${want}`, () => assert.equal(ramInBytes(input), want));
  }

  const bad: Array<[string, string]> = [
    ['abc', "invalid size: 'abc'"],
    ['', "invalid size: ''"],
    ['k', "invalid size: 'k'"],
    ['-1', "invalid size: '-1'"],
    ['-1k', "invalid size: '-1k'"],
    ['1kk', "invalid suffix: 'kk'"],
    ['1x', "invalid suffix: 'x'"],
    ['1bb', "invalid suffix: 'bb'"],
    ['1KIBX', "invalid suffix: 'KIBX'"], // too long: reported before lower-casing
    ['1KIX', "invalid suffix: 'kix'"],
    ['1mx', "invalid suffix: 'mx'"],
    ['1kab', "invalid suffix: 'kab'"],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    [' 5', 'strconv.ParseFloat: parsing " 5": invalid syntax'],
    ['5  m', 'strconv.ParseFloat: parsing "5 ": invalid syntax'],
    ['1e400', 'strconv.ParseFloat: parsing "1e400": value out of range'],
  ];
  for (const [input, message] of bad) {
    it(`${JSON.stringify(input)} fails: ${message}`, () =>
      assert.throws(() => ramInBytes(input), { kind: 'invalidArgument', message }));
  }
});

describe('fromHumanSize (decimal)', () => {
  it('uses powers of 1000', () => {
    assert.equal(fromHumanSize('1k'), 1000);
    assert.equal(fromHumanSize('1.5MB'), 1500000);
    assert.equal(fromHumanSize('2g'), 2e9);
  });
});

describe('humanSize (go-units HumanSize, %.4g, decimal)', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [27, '27B'], // L-39
    [999, '999B'],
    [1000, '1kB'],
    [1024, '1.024kB'],
    [102400, '102.4kB'], // L-32
    [1500000, '1.5MB'], // L-39
    [1536000, '1.536MB'], // L-40
    [999999, '1000kB'], // %.4g rounds up without changing the unit
    [1062500, '1.062MB'], // exact tie: Go rounds half to even
    [1063500, '1.063MB'], // 1.0635 is just below the tie as a double
    [1e9, '1GB'],
    [123456789012, '123.5GB'],
    [1e30, '1e+06YB'],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(humanSize(n), want));

  it('honours the precision', () => {
    assert.equal(humanSizeWithPrecision(1536000, 2), '1.5MB');
    assert.equal(humanSizeWithPrecision(1234, 1), '1kB');
  });
});

describe('bytesSize (binary)', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [1023, '1023B'],
    [1024, '1KiB'],
    [1536, '1.5KiB'],
    [1048576, '1MiB'],
    [1572864, '1.5MiB'],
    [1073741824, '1GiB'],
  ];
  for (const [n, want] of cases) it(`${n} → ${want}`, () => assert.equal(bytesSize(n), want));
});

describe('formatGoG', () => {
  const cases: Array<[number, number, string]> = [
    [0, 4, '0'],
    [1.5, 4, '1.5'],
    [102.4, 4, '102.4'],
    [1000, 4, '1000'],
    [12345, 4, '1.234e+04'],
    [12355, 4, '1.236e+04'],
    [0.0001234, 4, '0.0001234'],
    [0.00001234, 4, '1.234e-05'],
    [100, 1, '1e+02'],
  ];
  for (const [x, p, want] of cases) it(`%.${p}g of ${x} → ${want}`, () => assert.equal(formatGoG(x, p), want));
});
