import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFloat, formatValue, goJSON, goQuote, jsonString, runeU, sprint, sprintf, sprintln } from './gofmt.js';
import { GoContext, GoFloat, GoMap, GoNilPtr, GoSlice, GoStruct, Iface } from './values.js';

describe('fmt %v of values (what a template action prints)', () => {
  const cases: [string, unknown, string][] = [
    ['string', 'abc', 'abc'],
    ['int', 42, '42'],
    ['negative int', -7, '-7'],
    ['float', 1.5, '1.5'],
    ['integral float', new GoFloat(3), '3'],
    ['big float uses exponent from 1e+06 on', new GoFloat(1e6), '1e+06'],
    ['float below 1e-4 uses exponent', 0.00001, '1e-05'],
    ['float 123456', new GoFloat(123456), '123456'],
    ['bool', false, 'false'],
    ['nil', undefined, '<nil>'],
    ['slice', ['a', 'b'], '[a b]'],
    ['empty slice', [], '[]'],
    ['nested slice', [[1, 2], []], '[[1 2] []]'],
    ['slice with null', ['a', null], '[a <nil>]'],
    ['map sorted by key', { b: 1, a: 'x', C: true }, 'map[C:true a:x b:1]'],
    ['map keys sort by code point', { é: 1, z: 2, Z: 3 }, 'map[Z:3 z:2 é:1]'],
    ['empty map', {}, 'map[]'],
    ['nil typed map', new GoMap(null, 'map[string]string', true), 'map[]'],
    ['nil typed slice', new GoSlice(null, '[]string'), '[]'],
    ['nil pointer', new GoNilPtr('*volume.UsageData'), '<nil>'],
    ['struct', new GoStruct({ A: 1, B: 'x', C: null }, 'T'), '{1 x <nil>}'],
    ['pointer to struct', new GoStruct({ A: 1 }, '*T'), '&{1}'],
    ['interface nil', new Iface(null), '<nil>'],
    ['context', new GoContext('*c', { A: () => 'a', B: () => 2 }, {}), '&{a 2}'],
  ];
  for (const [name, v, want] of cases) it(name, () => assert.equal(formatValue(v), want));
});

describe('fmt.Sprintf', () => {
  const F = (v: number): GoFloat => new GoFloat(v);
  const cases: [string, unknown[], string][] = [
    ['%s', ['hello'], 'hello'],
    ['%5s|%-5s|', ['ab', 'ab'], '   ab|ab   |'],
    ['%05s', ['ab'], '000ab'],
    ['%.2s|%6.2s|', ['abcdef', 'abcdef'], 'ab|    ab|'],
    ['%-10s|', ['héllo'], 'héllo     |'],
    ['%q', ['a"b\n'], '"a\\"b\\n"'],
    ['%#q', ['a"b'], '`a"b`'],
    ['%+q', ['héllo'], '"h\\u00e9llo"'],
    ['%x %X', ['hi', 'hi'], '6869 6869'],
    ['%d', [42], '42'],
    ['%5d|%-5d|%05d', [42, 42, -42], '   42|42   |-0042'],
    ['%+d % d', [5, 5], '+5  5'],
    ['%x %X %#x %o %#o %b %O', [255, 255, 255, 8, 8, 5, 8], 'ff FF 0xff 10 010 101 0o10'],
    ['%.3d', [7], '007'],
    ['%c %q %U %#U', [65, 120, 0x1f600, 120], "A 'x' U+1F600 U+0078 'x'"],
    ['%t %v', [true, false], 'true false'],
    ['%f', [3.14159], '3.141590'],
    ['%.2f %8.3f %-8.2f|', [3.14159, 3.14159, 3.14159], '3.14    3.142 3.14    |'],
    ['%.0f %.0f %.0f %.1f', [2.5, 3.5, F(0.5), 0.25], '2 4 0 0.2'],
    ['%.2f', [1.005], '1.00'],
    ['%e %E %.2e', [1234.5678, 1234.5678, 1234.5678], '1.234568e+03 1.234568E+03 1.23e+03'],
    ['%g %g %g %g', [3.5, F(100000), F(1e6), F(1e21)], '3.5 100000 1e+06 1e+21'],
    ['%.3g %.3g %.10g', [1234.5, 0.0001234, 1.5], '1.23e+03 0.000123 1.5'],
    ['%08.3f|%+.1f|% .1f', [-3.14159, 2.25, 2.25], '-003.142|+2.2| 2.2'],
    ['%v %v', [[1, 'a'], { k: 'v' }], '[1 a] map[k:v]'],
    ['%d', [[1, 2]], '[1 2]'],
    ['%q', [['a', 'b']], '["a" "b"]'],
    ['%s', [{ k: 'v' }], 'map[k:v]'],
    ['%+v', [new GoStruct({ A: 1, B: 'b' }, 'T')], '{A:1 B:b}'],
    ['%#v %#v', ['s', { k: 1 }], '"s" map[string]interface {}{"k":1}'],
    ['%v %s %d', [undefined, undefined, undefined], '<nil> %!s(<nil>) %!d(<nil>)'],
    ['%T %T %T %T', ['s', 1, F(1), true], 'string int float64 bool'],
    ['%d', ['str'], '%!d(string=str)'],
    ['%s', [5], '%!s(int=5)'],
    ['%z', [5], '%!z(int=5)'],
    ['%d', [], '%!d(MISSING)'],
    ['%d', [1, 'x', 2], '1%!(EXTRA string=x, int=2)'],
    ['%d %%', [1], '1 %'],
    ['100%', [], '100%!(NOVERB)'],
    ['%*d|%-*d|', [5, 42, 5, 42], '   42|42   |'],
    ['%d', [[1, 'a']], '[1 %!d(string=a)]'],
  ];
  for (const [format, args, want] of cases) it(`${format} ${JSON.stringify(args)}`, () => assert.equal(sprintf(format, args), want));
});

describe('fmt.Sprint / Sprintln', () => {
  it('adds spaces only between non-string operands', () => assert.equal(sprint(['a', 'b', 1, 2, 'c', 3]), 'ab1 2c3'));
  it('Sprintln always separates and ends with a newline', () => assert.equal(sprintln(['a', 'b', 1]), 'a b 1\n'));
  it('nil operands', () => assert.equal(sprint([undefined]), '<nil>'));
});

describe('strconv', () => {
  const quotes: [string, string][] = [
    ['abc', '"abc"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['tab\tnl\n\x07\x00\x7f', '"tab\\tnl\\n\\a\\x00\\x7f"'],
    ['héllo 日本', '"héllo 日本"'],
    ['\u00a0\u200b', '"\\u00a0\\u200b"'],
    ['\u{1F600}', '"😀"'],
  ];
  for (const [s, want] of quotes) it(`Quote ${JSON.stringify(s)}`, () => assert.equal(goQuote(s), want));
  it('%#U of runes', () => {
    assert.equal(runeU(0x7d), "U+007D '}'");
    assert.equal(runeU(0x0a), 'U+000A');
  });
  const floats: [number, string, number, string][] = [
    [0, 'g', -1, '0'],
    [100, 'g', -1, '100'],
    [1e6, 'g', -1, '1e+06'],
    [1.5e-5, 'g', -1, '1.5e-05'],
    [0.1, 'e', -1, '1e-01'],
    [123.456, 'f', -1, '123.456'],
    [123.456, 'f', 1, '123.5'],
    [-0, 'g', -1, '-0'],
    [Number.NaN, 'g', -1, 'NaN'],
    [Number.POSITIVE_INFINITY, 'g', -1, '+Inf'],
    [9.995, 'f', 2, '9.99'],
    [99.5, 'e', 1, '1.0e+02'], // exact tie: half to even rounds 99 up
  ];
  for (const [x, f, p, want] of floats) it(`FormatFloat(${x}, ${f}, ${p})`, () => assert.equal(formatFloat(x, f, p), want));
});

describe('encoding/json', () => {
  it('escapes like Go, HTML optional', () => {
    assert.equal(jsonString('a<b>&"\\\n\t\x01\u2028é', true), '"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\u0001\\u2028é"');
    assert.equal(jsonString('a<b>&', false), '"a<b>&"');
  });
  it('numbers', () => {
    assert.equal(goJSON([1, 1.5, new GoFloat(1e21), 1e-7, 123456789], { escapeHTML: false }), '[1,1.5,1e+21,1e-7,123456789]');
  });
  it('typed maps sort, objects keep their order, nils are null', () => {
    const v = new GoStruct(
      { Z: new GoMap({ b: '1', a: '2' }, 'map[string]string', true), A: { y: 1, x: 2 }, N: new GoMap(null, 'map[string]string', true), S: new GoSlice(null, '[]string'), P: new GoNilPtr('*T') },
      'T',
    );
    assert.equal(goJSON(v, { escapeHTML: false }), '{"Z":{"a":"2","b":"1"},"A":{"y":1,"x":2},"N":null,"S":null,"P":null}');
  });
  it('omitted struct fields are left out', () => {
    assert.equal(goJSON(new GoStruct({ A: 1, B: '' }, 'T', new Set(['B'])), { escapeHTML: false }), '{"A":1}');
  });
  it('MarshalIndent with 4 spaces, empty containers stay compact', () => {
    assert.equal(goJSON([{ a: 1, b: [], c: {}, d: [1, { e: null }] }], { escapeHTML: false, indent: '    ' }), '[\n    {\n        "a": 1,\n        "b": [],\n        "c": {},\n        "d": [\n            1,\n            {\n                "e": null\n            }\n        ]\n    }\n]');
  });
  it('NaN is unsupported', () => assert.throws(() => goJSON(Number.NaN, { escapeHTML: false }), /json: unsupported value: NaN/));
});
