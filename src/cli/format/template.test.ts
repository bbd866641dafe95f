import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecOptions, Template, TemplateExecError, TemplateParseError } from './template.js';
import { GoContext, GoFloat, GoMap, GoNilPtr, GoSlice, GoStruct } from './values.js';

const run = (text: string, data: unknown, opts?: ExecOptions): string => Template.parse(text).execute(data, opts);

// Data shaped like Go's exec_test.go tVal, as JSON (maps are map[string]interface {}).
const tVal = {
  True: true,
  I: 17,
  X: 'x',
  U: { V: 'v' },
  SI: [3, 4, 5],
  SIEmpty: [],
  SB: [true, false],
  MSI: { one: 1, two: 2, three: 3 },
  MSIone: { one: 1 },
  MSIEmpty: {},
  SMSI: [
    { one: 1, two: 2 },
    { eleven: 11, twelve: 12 },
  ],
  PSI: [21, 22, 23],
  Empty0: null,
  Empty3: [7, 8],
  FloatZero: new GoFloat(0),
  Labels: { 'com.example': 'x', env: 'prod' },
};

describe('parse errors (Go parse_test.go errorTests)', () => {
  const cases: [name: string, input: string, message: string][] = [
    ['unclosed1', 'line1\n{{', 'template: unclosed1:2: unclosed action'],
    ['unclosed2', 'line1\n{{define `x`}}line2\n{{', 'template: unclosed2:3: unclosed action'],
    ['unclosed3', 'line1\n{{"x"\n"y"\n', 'template: unclosed3:4: unclosed action started at unclosed3:2'],
    ['unclosed4', '{{\n\n\n\n\n', 'template: unclosed4:6: unclosed action started at unclosed4:1'],
    ['var1', 'line1\n{{\nx\n}}', 'template: var1:3: function "x" not defined'],
    ['function', '{{foo}}', 'template: function:1: function "foo" not defined'],
    ['comment1', '{{/*}}', 'template: comment1:1: unclosed comment'],
    ['comment2', '{{/*\nhello\n}}', 'template: comment2:1: unclosed comment'],
    ['lparen', '{{.X (1 2 3}}', 'template: lparen:1: unclosed left paren'],
    ['rparen', '{{.X 1 2 3 ) }}', 'template: rparen:1: unexpected right paren'],
    ['rparen2', '{{(.X 1 2 3', 'template: rparen2:1: unclosed action'],
    ['space', '{{`x`3}}', 'template: space:1: unexpected "3" in operand'],
    ['idchar', '{{a#}}', "template: idchar:1: bad character U+0023 '#'"],
    ['charconst', "{{'a}}", 'template: charconst:1: unterminated character constant'],
    ['stringconst', '{{"a}}', 'template: stringconst:1: unterminated quoted string'],
    ['rawstringconst', '{{`a}}', 'template: rawstringconst:1: unterminated raw quoted string'],
    ['number', '{{0xi}}', 'template: number:1: illegal number syntax: "0xi"'],
    ['multidefine', '{{define `a`}}a{{end}}{{define `a`}}b{{end}}', 'template: multidefine:1: template: multiple definition of template "a"'],
    ['eof', '{{range .X}}', 'template: eof:1: unexpected EOF'],
    ['variable', '{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}', 'template: variable:1: unexpected ":=" in operand'],
    ['multidecl', '{{$a,$b,$c := 23}}', 'template: multidecl:1: too many declarations in command'],
    ['undefvar', '{{$a}}', 'template: undefvar:1: undefined variable "$a"'],
    ['wrongdot', '{{true.any}}', 'template: wrongdot:1: unexpected . after term "true"'],
    ['wrongpipeline', '{{12|false}}', 'template: wrongpipeline:1: non executable command in pipeline stage 2'],
    ['emptypipeline', '{{ ( ) }}', 'template: emptypipeline:1: missing value for parenthesized pipeline'],
    ['multilinerawstring', '{{ $v := `\n` }} {{', 'template: multilinerawstring:2: unclosed action'],
    ['rangeundefvar', '{{range $k}}{{end}}', 'template: rangeundefvar:1: undefined variable "$k"'],
    ['rangemissingvalue1', '{{range $k,}}{{end}}', 'template: rangemissingvalue1:1: missing value for range'],
    ['rangemissingvalue2', '{{range $k, $v := }}{{end}}', 'template: rangemissingvalue2:1: missing value for range'],
    ['rangenotvariable1', '{{range $k, .}}{{end}}', 'template: rangenotvariable1:1: range can only initialize variables'],
    ['rangenotvariable2', '{{range $k, 123 := .}}{{end}}', 'template: rangenotvariable2:1: range can only initialize variables'],
    // what docker users actually mistype (docker's template name is "")
    ['', '{{.Name }', 'template: :1: unexpected "}" in operand'],
    ['', '{{.Name}', "template: :1: bad character U+007D '}'"],
    ['', '{{.Name', 'template: :1: unclosed action'],
    ['', '{{json .Name}', "template: :1: bad character U+007D '}'"],
    ['', '{{foo .Name}}', 'template: :1: function "foo" not defined'],
    ['', '{{end}}', 'template: :1: unexpected {{end}}'],
    ['', '{{else}}', 'template: :1: unexpected {{else}}'],
    ['', '{{if .A}}x', 'template: :1: unexpected EOF'],
    ['', '{{if}}{{end}}', 'template: :1: missing value for if'],
    ['', '{{range .A}}{{else}}{{else}}{{end}}', 'template: :1: expected end; found {{else}}'],
    ['', '{{break}}', 'template: :1: {{break}} outside {{range}}'],
    ['', '{{.A | "x"}}', 'template: :1: non executable command in pipeline stage 2'],
    ['', '{{.Names "abcdefghijkl" x}}', 'template: :1: function "x" not defined'],
    ['', '{{"abcdefghijklmnop" "x}}', 'template: :1: unterminated quoted string'],
    ['', '{{index .A `k` }x}}', 'template: :1: unexpected "}" in operand'],
    ['', '{{.A}}{{ $x := }}', 'template: :1: missing value for command'],
    ['', '{{/* c */ .A}}', 'template: :1: comment ends before closing delimiter'],
  ];
  for (const [name, input, message] of cases) {
    it(`${name || '(docker)'}: ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => Template.parse(input, { name }),
        (e: unknown) => e instanceof TemplateParseError && e.message === message,
        message,
      );
    });
  }
});

describe('execution (Go exec_test.go cases, JSON data)', () => {
  const cases: [name: string, input: string, output: string][] = [
    // fields
    ['dot string', '{{.X}}', 'x'],
    ['nested', '{{.U.V}}', 'v'],
    ['$ root', '{{$.I}}', '17'],
    ['map key with dot syntax', '{{.MSI.one}}', '1'],
    ['missing key prints <no value>', '{{.MSI.nope}}', '<no value>'],
    ['missing top-level key', '{{.Nope}}', '<no value>'],
    ['nested missing', '{{.Nope.Deeper}}', '<no value>'],
    ['null field', '{{.Empty0}}', '<no value>'],
    // printing of Go values
    ['slice', '{{.SI}}', '[3 4 5]'],
    ['map sorted', '{{.MSI}}', 'map[one:1 three:3 two:2]'],
    ['map with dotted keys', '{{.Labels}}', 'map[com.example:x env:prod]'],
    ['empty map', '{{.MSIEmpty}}', 'map[]'],
    ['bool', '{{.True}}', 'true'],
    ['null inside containers', '{{.N}}', '[1 <nil>]'],
    ['nested containers', '{{.SMSI}}', '[map[one:1 two:2] map[eleven:11 twelve:12]]'],
    ['float', '{{1.5}} {{1.0}} {{1e6}} {{123456.0}} {{1234567.0}} {{0.0001}} {{0.00001}}', '1.5 1 1e+06 123456 1.234567e+06 0.0001 1e-05'],
    ['ints', '{{0x1F}} {{-7}} {{1_000}} {{0o17}} {{0b101}} {{017}}', '31 -7 1000 15 5 15'],
    ['char constant', "{{'a'}} {{printf \"%c\" 'a'}}", '97 a'],
    ['string literals', '{{"a\\tb"}}|{{`raw\\t`}}', 'a\tb|raw\\t'],
    // if / else if / with
    ['if true', '{{if true}}TRUE{{end}}', 'TRUE'],
    ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
    ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
    ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
    ['if 1.5', '{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
    ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
    ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
    ['if string', '{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
    ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
    ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
    ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
    ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
    ['if map unset', '{{if .MSI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
    ['if map not unset', '{{if not .MSI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO'],
    ['if $x with $y int', '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17'],
    ['if $x with $x int', '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true'],
    ['if else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE'],
    ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3'],
    ['if null', '{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil'],
    ['with true', '{{with true}}{{.}}{{end}}', 'true'],
    ['with false', '{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE'],
    ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5'],
    ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]'],
    ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]'],
    ['with $x struct.U.V', '{{with $x := $}}{{$x.U.V}}{{end}}', 'v'],
    ['with variable and action', '{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v'],
    ['else with', '{{with .Empty0}}a{{else with .X}}{{.}}{{end}}', 'x'],
    // range
    ['range []int', '{{range .SI}}-{{.}}-{{end}}', '-3--4--5-'],
    ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', ''],
    ['range []int else', '{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-'],
    ['range empty else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
    ['range []bool', '{{range .SB}}-{{.}}-{{end}}', '-true--false-'],
    ['range map', '{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-'],
    ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
    ['range nil', '{{range .Empty0}}-{{.}}-{{end}}', ''],
    ['range $x SI', '{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>'],
    ['range $x $y SI', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>'],
    ['range $x MSIone', '{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>'],
    ['range $x $y MSIone', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>'],
    ['range $k $v labels', '{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', 'com.example=x;env=prod;'],
    ['declare in range', '{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', '<21><22><23>'],
    ['range int', '{{range 3}}{{.}}{{end}}', '012'],
    ['range break', '{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', '3'],
    ['range continue', '{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}', '35'],
    ['$ inside range', '{{range .SI}}{{$.X}}{{end}}', 'xxx'],
    ['assignment', '{{$x := 1}}{{range .SI}}{{$x = .}}{{end}}{{$x}}', '5'],
    // pipelines & parens
    ['pipeline', '{{.X | upper}}', 'X'],
    ['pipeline into printf', '{{.I | printf "%03d"}}', '017'],
    ['parens', '{{printf `%d %d` (1) (len .SI)}}', '1 3'],
    ['chain on parens', '{{(index .SMSI 1).eleven}}', '11'],
    ['paren $', '{{($).X}}', 'x'],
    // print family
    ['print', '{{print "hello, print"}}', 'hello, print'],
    ['print 123', '{{print 1 2 3}}', '1 2 3'],
    ['print strings', '{{print "a" "b" 1 2 "c"}}', 'ab1 2c'],
    ['print nil', '{{print nil}}', '<nil>'],
    ['println', '{{println 1 2 3}}', '1 2 3\n'],
    ['printf int', '{{printf "%04x" 127}}', '007f'],
    ['printf float', '{{printf "%g" 3.5}}', '3.5'],
    ['printf string', '{{printf "%s" "hello"}}', 'hello'],
    ['printf %T', '{{printf "%T" 0xef}} {{printf "%T" 1.5}} {{printf "%T" .SI}} {{printf "%T" .MSI}}', 'int float64 []interface {} map[string]interface {}'],
    ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', '17'],
    ['printf lots', '{{printf "%d %s %q %v" 127 "hello" "q" .SI}}', '127 hello "q" [3 4 5]'],
    ['printf pipeline string', '{{"aaa"|printf }}', 'aaa'],
    // escapers
    ['html', '{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;'],
    ['js', "{{js \"It'd be nice.\"}}", "It\\'d be nice."],
    ['urlquery', '{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F'],
    // booleans
    ['not', '{{not true}} {{not false}}', 'false true'],
    ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1'],
    ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1'],
    ['and short-circuits', '{{and false (index .SI 99)}}', 'false'],
    ['or as default', '{{or .Nope "default"}}', 'default'],
    ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE'],
    ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
    // comparisons
    ['eq', '{{eq 1 1}} {{eq "a" "b"}} {{eq .X "y" "x"}} {{ne 1 2}}', 'true false true true'],
    ['lt le gt ge', '{{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1.5 2.5}}', 'true true true false'],
    ['eq with missing value', '{{eq .Nope "x"}}', 'false'],
    // index, len, slice
    ['slice[0]', '{{index .SI 0}}', '3'],
    ['slice[1]', '{{index .SI 1}}', '4'],
    ['map[one]', '{{index .MSI `one`}}', '1'],
    ['map[NO] (interface{} elements)', '{{index .MSI `XXX`}}', '<no value>'],
    ['double index', '{{index .SMSI 1 `eleven`}}', '11'],
    ['index labels with dots', '{{index .Labels "com.example"}}', 'x'],
    ['len', '{{len .SI}} {{len .MSI}} {{len "héllo"}}', '3 3 6'],
    ['slice func', '{{slice .SI 1}} {{slice "abcdef" 1 3}}', '[4 5] bc'],
    // docker functions
    ['json string', '{{json .X}}', '"x"'],
    ['json keeps JSON key order (the API already emits Go order)', '{{json .MSI}}', '{"one":1,"two":2,"three":3}'],
    ['json does not escape HTML (docker disables it)', '{{json "0.0.0.0:2->8/udp <&>"}}', '"0.0.0.0:2->8/udp <&>"'],
    ['json null', '{{json .Empty0}}', 'null'],
    ['json of whole', '{{json .U}}', '{"V":"v"}'],
    ['join', '{{join .Names ","}}', 'a,b,c'],
    ['split', '{{split "a:b:c" ":"}}', '[a b c]'],
    ['join split', '{{join (split "text:with:colon" ":") "/"}}', 'text/with/colon'],
    ['lower upper title', '{{lower "ABC"}} {{upper "abc"}} {{title "hello wide-world"}}', 'abc ABC Hello Wide-World'],
    ['truncate', '{{truncate "tupx5xzf6hvsrhnruz5cr8gwp" 5}}|{{truncate "abc" 30}}', 'tupx5|abc'],
    ['pad', '{{pad "abc" 2 1}}|{{pad "" 2 1}}|', '  abc ||'],
    // whitespace trimming & comments
    ['trim markers', '{{- 3 }} \n {{- 4 -}} \n\t {{5}}', '345'],
    ['trim around text', 'a  {{- "b" -}}  c', 'abc'],
    ['minus number is not a trim marker', '{{-3}}', '-3'],
    ['comment', 'a{{/* comment */}}b', 'ab'],
    ['trimmed comment', 'a {{- /* comment */ -}} b', 'ab'],
    ['newlines inside actions', '{{\n.X\n}}', 'x'],
    // define / template / block
    ['template', '{{define "T"}}<{{.}}>{{end}}{{template "T" .X}}', '<x>'],
    ['block', 'a{{block "B" .I}}[{{.}}]{{end}}b', 'a[17]b'],
  ];
  const data = { ...tVal, N: [1, null], Names: ['a', 'b', 'c'] };
  for (const [name, input, output] of cases) {
    it(name, () => assert.equal(run(input, data), output));
  }
});

describe('execution errors carry Go’s text', () => {
  const volumeContext = new GoContext(
    '*formatter.volumeContext',
    { Name: () => 'v1', Driver: () => 'local', Size: () => 'N/A' },
    { Label: (k: string) => (k === 'env' ? 'prod' : '') },
  );
  const cases: [name: string, input: string, data: unknown, message: string, opts?: ExecOptions][] = [
    [
      'unknown field of a docker context',
      '{{.CreatedAt}}',
      volumeContext,
      'template: :1:2: executing "" at <.CreatedAt>: can\'t evaluate field CreatedAt in type *formatter.volumeContext',
    ],
    ['position counts bytes', '{{.Name}} é {{.Nope}}', volumeContext, 'template: :1:15: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.volumeContext'],
    ['position on later lines', 'a\n  {{.Nope}}', volumeContext, 'template: :2:4: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.volumeContext'],
    ['arguments to a column', '{{.Name "x"}}', volumeContext, 'template: :1:2: executing "" at <.Name>: wrong number of args for Name: want 0 got 1'],
    ['method without its argument', '{{.Label}}', volumeContext, 'template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0'],
    ['method with a non-string literal', '{{.Label 3}}', volumeContext, 'template: :1:9: executing "" at <3>: expected string; found 3'],
    ['field of a string', '{{.Name.Foo}}', volumeContext, "template: :1:7: executing \"\" at <.Name.Foo>: can't evaluate field Foo in type string"],
    ['missingkey=error', '{{.Foo}}', { Name: 'x' }, 'template: :1:2: executing "" at <.Foo>: map has no entry for key "Foo"', { missingKey: 'error' }],
    ['field of interface{} string', '{{.Name.Foo}}', { Name: 'x' }, "template: :1:7: executing \"\" at <.Name.Foo>: can't evaluate field Foo in type interface {}"],
    ['field of null', '{{.State.Running}}', { State: null }, 'template: :1:8: executing "" at <.State.Running>: nil pointer evaluating interface {}.Running'],
    ['map key with arguments', '{{.Name "x"}}', { Name: 'x' }, 'template: :1:2: executing "" at <.Name>: Name is not a method but has arguments'],
    ['index map with int', '{{index .L 1}}', { L: { a: 'b' } }, 'template: :1:2: executing "" at <index .L 1>: error calling index: value has type int; should be string'],
    ['index out of range', '{{index .L 5}}', { L: ['a'] }, 'template: :1:2: executing "" at <index .L 5>: error calling index: index out of range: 5'],
    ['index of nil', '{{index .Nope 1}}', {}, 'template: :1:2: executing "" at <index .Nope 1>: error calling index: index of untyped nil'],
    ['join of a string', '{{join .Name ","}}', volumeContext, 'template: :1:7: executing "" at <.Name>: wrong type for value; expected []string; got string'],
    ['upper of a number', '{{upper 1}}', {}, 'template: :1:8: executing "" at <1>: expected string; found 1'],
    ['upper of a missing value', '{{upper .Nope}}', {}, 'template: :1:8: executing "" at <.Nope>: invalid value; expected string'],
    ['len of int', '{{len 3}}', {}, 'template: :1:2: executing "" at <len 3>: error calling len: len of type int'],
    ['arguments to a non-function', '{{3 2}}', {}, 'template: :1:2: executing "" at <3>: can\'t give argument to non-function 3'],
    ['variable given arguments', '{{$x := 1}}{{$x 2}}', {}, 'template: :1:13: executing "" at <$x>: can\'t give argument to non-function $x'],
    ['eq incompatible', '{{eq .I "x"}}', { I: 1 }, 'template: :1:2: executing "" at <eq .I "x">: error calling eq: incompatible types for comparison'],
    ['lt on bools', '{{lt true false}}', {}, 'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison'],
    ['range over a string', '{{range .Name}}{{end}}', volumeContext, "template: :1:8: executing \"\" at <.Name>: range can't iterate over v1"],
    ['wrong arg count for a function', '{{join .Names}}', { Names: ['a'] }, 'template: :1:2: executing "" at <join>: wrong number of args for join: want 2 got 1'],
    ['nil command', '{{nil}}', {}, 'template: :1:2: executing "" at <nil>: nil is not a command'],
    ['pipeline type check', '{{3|upper}}', {}, 'template: :1:4: executing "" at <upper>: wrong type for value; expected string; got int'],
    ['undefined template', '{{template "nope"}}', {}, 'template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined'],
  ];
  for (const [name, input, data, message, opts] of cases) {
    it(name, () => {
      assert.throws(
        () => run(input, data, opts),
        (e: unknown) => e instanceof TemplateExecError && e.message === message,
        message,
      );
    });
  }
});

describe('docker contexts and typed values', () => {
  const ctx = new GoContext(
    '*formatter.volumeContext',
    { Name: () => 'spec-l1', Driver: () => 'local', Labels: () => 'env=prod,spec-run=1', Current: () => true },
    { Label: (k: string) => ({ env: 'prod' })[k] ?? '' },
  );
  it('columns and methods', () => {
    assert.equal(run('{{.Name}} {{.Driver}} {{.Labels}} {{.Label "env"}} {{.Label "nope"}}|', ctx), 'spec-l1 local env=prod,spec-run=1 prod |');
  });
  it('piped argument to a method', () => assert.equal(run('{{"env" | .Label}}', ctx), 'prod'));
  it('json of a context marshals every column, sorted, HTML-escaped', () => {
    const c = new GoContext('*x', { B: () => 'a<b', A: () => 1, C: () => false }, {});
    assert.equal(run('{{json .}}', c), '{"A":1,"B":"a\\u003cb","C":false}');
  });
  it('columns are only computed when used', () => {
    let calls = 0;
    const c = new GoContext('*x', { A: () => 'a', Slow: () => ++calls }, {});
    assert.equal(run('{{.A}}', c), 'a');
    assert.equal(calls, 0);
  });
  it('nil typed map prints map[] and indexes to ""', () => {
    const d = new GoStruct({ Labels: new GoMap(null, 'map[string]string', true) }, 'volume.Volume');
    assert.equal(run('{{.Labels}}|{{index .Labels "x"}}|{{.Labels.x}}|{{json .Labels}}|{{len .Labels}}', d), 'map[]||<no value>|null|0');
  });
  it('typed map prints sorted', () => {
    const d = new GoStruct({ Labels: new GoMap({ b: '2', a: '1' }, 'map[string]string', true) }, 'volume.Volume');
    assert.equal(run('{{.Labels}} {{json .Labels}} {{range $k, $v := .Labels}}{{$k}}{{$v}}{{end}}', d), 'map[a:1 b:2] {"a":"1","b":"2"} a1b2');
  });
  it('nil slice and nil pointer', () => {
    const d = new GoStruct({ Mounts: new GoSlice(null, '[]string'), UsageData: new GoNilPtr('*volume.UsageData') }, 'volume.Volume');
    assert.equal(run('{{.Mounts}} {{json .Mounts}} {{.UsageData}} {{json .UsageData}}', d), '[] null <nil> null');
    assert.throws(() => run('{{.UsageData.Size}}', d), /nil pointer evaluating \*volume\.UsageData\.Size$/);
    assert.throws(() => run('{{.Foo}}', d), /can't evaluate field Foo in type volume\.Volume$/);
  });
  it('struct printing', () => {
    const d = new GoStruct({ Running: true, Pid: 42, Status: 'running' }, '*container.State');
    assert.equal(run('{{.}}', d), '{true 42 running}');
    assert.equal(run('{{printf "%+v" .}}', d), '&{Running:true Pid:42 Status:running}');
  });
  it('header functions leave names intact', async () => {
    const { HEADER_FUNCS } = await import('./funcs.js');
    const header = new GoMap({ Name: 'VOLUME NAME' }, 'formatter.SubHeaderContext', true);
    const t = Template.parse('{{upper .Name}}|{{json .Name}}|{{truncate .Name 3}}|{{pad .Name 1 1}}|{{lower .Name}}');
    assert.equal(t.execute(header, { funcs: HEADER_FUNCS }), 'VOLUME NAME|VOLUME NAME|VOLUME NAME| VOLUME NAME |VOLUME NAME');
  });
  it('executePartial keeps output written before an error', () => {
    const r = Template.parse('a{{.X}}b{{.Y "z"}}c').executePartial({ X: 1, Y: 'y' });
    assert.equal(r.out, 'a1b');
    assert.match(r.error?.message ?? '', /Y is not a method but has arguments$/);
  });
});
