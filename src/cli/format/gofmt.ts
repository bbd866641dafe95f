/**
 * The parts of Go's fmt, strconv and encoding/json that template output depends on:
 * `%v` printing of values (maps as `map[k:v]` with sorted keys, slices as `[a b]`,
 * floats the way strconv 'g' does), Printf verbs with flags/width/precision and Go's
 * `%!verb(type=value)` error forms, strconv.Quote, and json.Marshal(Indent).
 */
import {
  floatValue,
  GoContext,
  GoFloat,
  goTypeName,
  GoMap,
  GoNilPtr,
  GoSlice,
  GoStruct,
  Iface,
  isGoFloat,
  isGoInt,
  isPlainObject,
  sortedKeys,
} from './values.js';

// ---------------------------------------------------------------- strconv

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
/** unicode.IsPrint / strconv.IsPrint */
export const isPrint = (r: number): boolean => r >= 0 && r <= 0x10ffff && !(r >= 0xd800 && r < 0xe000) && PRINTABLE.test(String.fromCodePoint(r));

const hex4 = (n: number, w: number): string => n.toString(16).padStart(w, '0');

function quoteWith(s: string, quote: string, asciiOnly: boolean): string {
  let out = quote;
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') {
      out += `\\${ch}`;
      continue;
    }
    if (asciiOnly ? r < 0x7f && isPrint(r) : isPrint(r)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (r < 0x20 || r === 0x7f) out += `\\x${hex4(r, 2)}`;
    else if (r >= 0xd800 && r < 0xe000) out += '\\ufffd';
    else if (r < 0x10000) out += `\\u${hex4(r, 4)}`;
    else out += `\\U${hex4(r, 8)}`;
  }
  return out + quote;
}

/** strconv.Quote */
export const goQuote = (s: string): string => quoteWith(s, '"', false);
/** fmt's %.Nq: quote the first n runes */
export const goQuoteTruncated = (s: string, n: number): string => goQuote([...s].slice(0, n).join(''));
/** strconv.QuoteRune */
export const goQuoteRune = (r: number): string => quoteWith(String.fromCodePoint(validRune(r)), "'", false);
/** fmt's %#U: `U+0021 '!'` */
export function runeU(r: number): string {
  const u = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
  return isPrint(r) ? `${u} '${String.fromCodePoint(r)}'` : u;
}
const validRune = (r: number): number => (r < 0 || r > 0x10ffff || (r >= 0xd800 && r < 0xe000) ? 0xfffd : r);

/** The exact decimal expansion of a finite x > 0: digits (no trailing zeros) and decimal point position. */
function exactDecimal(x: number): { d: string; dp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  let d: string;
  let dp: number;
  if (e >= 0) {
    d = (mant << BigInt(e)).toString();
    dp = d.length;
  } else {
    d = (mant * 5n ** BigInt(-e)).toString(); // mant / 2^-e == mant * 5^-e / 10^-e
    dp = d.length + e;
  }
  return { d: d.replace(/0+$/, ''), dp };
}

/** strconv's decimal.Round(nd): keep nd digits, rounding half to even on exact ties. */
function roundDecimal(d: string, dp: number, nd: number): { d: string; dp: number } {
  if (nd < 0 || nd >= d.length) return { d, dp };
  const next = d.charCodeAt(nd) - 48;
  const up = next === 5 && nd + 1 === d.length ? nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1 : next >= 5;
  if (!up) return { d: d.slice(0, nd).replace(/0+$/, ''), dp };
  let i = nd - 1;
  while (i >= 0 && d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: dp + 1 };
  return { d: d.slice(0, i) + String.fromCharCode(d.charCodeAt(i) + 1), dp };
}

/** Decimal digits of |x| (no trailing zeros; "" for zero) and the decimal point position. */
function decimal(x: number, mode: 'shortest' | 'sig' | 'fixed', prec: number): { d: string; dp: number } {
  const ax = Math.abs(x);
  if (ax === 0) return { d: '', dp: 0 };
  if (mode === 'shortest') {
    // JS and Go both produce the shortest digits that round-trip.
    const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(ax.toExponential()) as RegExpExecArray;
    return { d: ((m[1] as string) + (m[2] ?? '')).replace(/0+$/, ''), dp: Number(m[3]) + 1 };
  }
  const exact = exactDecimal(ax);
  return roundDecimal(exact.d, exact.dp, mode === 'sig' ? prec : exact.dp + prec);
}

function fmtE(neg: boolean, d: string, dp: number, prec: number, e: string): string {
  let s = neg ? '-' : '';
  s += d.length > 0 ? d[0] : '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += d[i] ?? '0';
  }
  let exp = d.length === 0 ? 0 : dp - 1;
  const sign = exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  return `${s}${e}${sign}${exp < 10 ? `0${exp}` : String(exp)}`;
}

function fmtF(neg: boolean, d: string, dp: number, prec: number): string {
  let s = neg ? '-' : '';
  if (dp > 0) {
    for (let i = 0; i < dp; i++) s += d[i] ?? '0';
  } else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dp + i - 1;
      s += j >= 0 && j < d.length ? d[j] : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f g G (prec -1 = shortest). */
export function formatFloat(x: number, fmt: string, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const shortest = prec < 0;
  switch (fmt) {
    case 'e':
    case 'E': {
      const { d, dp } = shortest ? decimal(x, 'shortest', 0) : decimal(x, 'sig', prec + 1);
      return fmtE(neg, d, dp, shortest ? Math.max(d.length - 1, 0) : prec, fmt);
    }
    case 'f':
    case 'F': {
      const { d, dp } = shortest ? decimal(x, 'shortest', 0) : decimal(x, 'fixed', prec);
      return fmtF(neg, d, dp, shortest ? Math.max(d.length - dp, 0) : prec);
    }
    default: {
      // g / G
      let p = prec === 0 ? 1 : prec;
      const { d, dp } = shortest ? decimal(x, 'shortest', 0) : decimal(x, 'sig', p);
      if (shortest) p = d.length;
      let eprec = p;
      if (eprec > d.length && d.length >= dp) eprec = d.length;
      if (shortest) eprec = 6;
      const exp = dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (p > d.length) p = d.length;
        return fmtE(neg, d, dp, p - 1, fmt === 'G' ? 'E' : 'e');
      }
      if (p > dp) p = d.length;
      return fmtF(neg, d, dp, Math.max(p - dp, 0));
    }
  }
}

// ---------------------------------------------------------------- fmt

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number | null;
  prec: number | null;
}
const noFlags = (): Flags => ({ plus: false, minus: false, sharp: false, space: false, zero: false, plusV: false, sharpV: false, wid: null, prec: null });

const runeCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

class Printer {
  buf = '';
  f: Flags = noFlags();

  private writePadding(n: number): void {
    if (n > 0) this.buf += (this.f.zero ? '0' : ' ').repeat(n);
  }

  /** fmt.pad: honours width and the minus flag. */
  pad(s: string): void {
    if (this.f.wid === null || this.f.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.f.wid - runeCount(s);
    if (!this.f.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  private truncate(s: string): string {
    if (this.f.prec !== null) return [...s].slice(0, this.f.prec).join('');
    return s;
  }

  private fmtInteger(v: number | bigint, base: number, verb: string, upper: boolean): void {
    const big = BigInt(v);
    const negative = big < 0n;
    let digits = (negative ? -big : big).toString(base);
    if (upper) digits = digits.toUpperCase();
    let prec = 0;
    if (this.f.prec !== null) {
      prec = this.f.prec;
      if (prec === 0 && big === 0n) {
        const z = this.f.zero;
        this.f.zero = false;
        this.writePadding(this.f.wid ?? 0);
        this.f.zero = z;
        return;
      }
    } else if (this.f.zero && !this.f.minus && this.f.wid !== null) {
      prec = this.f.wid;
      if (negative || this.f.plus || this.f.space) prec--;
    }
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.f.sharp) {
      if (base === 2) digits = `0b${digits}`;
      else if (base === 8 && digits[0] !== '0') digits = `0${digits}`;
      else if (base === 16) digits = `0${upper ? 'X' : 'x'}${digits}`;
    }
    if (verb === 'O') digits = `0o${digits}`;
    if (negative) digits = `-${digits}`;
    else if (this.f.plus) digits = `+${digits}`;
    else if (this.f.space) digits = ` ${digits}`;
    const z = this.f.zero;
    this.f.zero = false;
    this.pad(digits);
    this.f.zero = z;
  }

  private fmtFloatNum(v: number, verb: string, prec: number): void {
    const p = this.f.prec !== null ? this.f.prec : prec;
    let num = formatFloat(v, verb, p);
    if (num[0] !== '-' && num[0] !== '+') num = `+${num}`;
    if (this.f.space && num[0] === '+' && !this.f.plus) num = ` ${num.slice(1)}`;
    if (num[1] === 'I' || num[1] === 'N') {
      const z = this.f.zero;
      this.f.zero = false;
      if (num[1] === 'N' && !this.f.space && !this.f.plus) num = num.slice(1);
      this.pad(num);
      this.f.zero = z;
      return;
    }
    if (this.f.plus || num[0] !== '+') {
      if (this.f.zero && !this.f.minus && this.f.wid !== null && this.f.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.f.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  private badVerb(verb: string, arg: unknown): void {
    this.buf += `%!${verb}(`;
    if (arg === undefined || arg === null) this.buf += '<nil>';
    else {
      this.buf += `${goTypeName(arg)}=`;
      this.printArg(arg, 'v', 0);
    }
    this.buf += ')';
  }

  private fmtString(s: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.f.sharpV) this.pad(goQuote(s));
        else this.pad(this.truncate(s));
        return;
      case 's':
        this.pad(this.truncate(s));
        return;
      case 'q': {
        const t = this.truncate(s);
        if (this.f.sharp && !/[`\p{Cc}]/u.test(t.replace(/\t/g, ''))) this.pad(`\`${t}\``);
        else this.pad(quoteWith(t, '"', this.f.plus));
        return;
      }
      case 'x':
      case 'X': {
        let h = Buffer.from(this.truncate(s), 'utf8').toString('hex');
        if (verb === 'X') h = h.toUpperCase();
        if (this.f.sharp && h.length > 0) h = `0${verb}${h}`;
        this.pad(h);
        return;
      }
    }
    this.badVerb(verb, s);
  }

  /** printArg / printValue of Go's fmt (depth > 0 for container elements). */
  printArg(arg: unknown, verb: string, depth: number): void {
    if (arg instanceof Iface) {
      if (arg.v === null || arg.v === undefined) {
        if (depth > 0) {
          this.pad('<nil>');
          return;
        }
        arg = undefined;
      } else arg = arg.v;
    }
    if (arg === undefined || arg === null) {
      if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === 'T') {
      this.fmtString(goTypeName(arg), 's');
      return;
    }
    if (typeof arg === 'boolean') {
      if (verb === 't' || verb === 'v') this.pad(arg ? 'true' : 'false');
      else this.badVerb(verb, arg);
      return;
    }
    if (isGoInt(arg) || typeof arg === 'bigint') {
      switch (verb) {
        case 'v':
        case 'd':
          this.fmtInteger(arg, 10, verb, false);
          return;
        case 'b':
          this.fmtInteger(arg, 2, verb, false);
          return;
        case 'o':
        case 'O':
          this.fmtInteger(arg, 8, verb, false);
          return;
        case 'x':
          this.fmtInteger(arg, 16, verb, false);
          return;
        case 'X':
          this.fmtInteger(arg, 16, verb, true);
          return;
        case 'c':
          this.pad(String.fromCodePoint(validRune(Number(arg))));
          return;
        case 'q':
          this.pad(goQuoteRune(Number(arg)));
          return;
        case 'U': {
          const n = Number(arg);
          let u = `U+${n.toString(16).toUpperCase().padStart(this.f.prec ?? 4, '0')}`;
          if (this.f.sharp && isPrint(n)) u += ` '${String.fromCodePoint(n)}'`;
          const z = this.f.zero;
          this.f.zero = false;
          this.pad(u);
          this.f.zero = z;
          return;
        }
      }
      this.badVerb(verb, arg);
      return;
    }
    if (isGoFloat(arg)) {
      const v = floatValue(arg);
      switch (verb) {
        case 'v':
          this.fmtFloatNum(v, 'g', -1);
          return;
        case 'g':
        case 'G':
          this.fmtFloatNum(v, verb, -1);
          return;
        case 'f':
        case 'F':
        case 'e':
        case 'E':
          this.fmtFloatNum(v, verb, 6);
          return;
      }
      this.badVerb(verb, arg);
      return;
    }
    if (typeof arg === 'string') {
      this.fmtString(arg, verb);
      return;
    }
    this.printComposite(arg, verb, depth);
  }

  private printComposite(v: unknown, verb: string, depth: number): void {
    if (v instanceof GoNilPtr) {
      if (verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, v);
      return;
    }
    if (v instanceof GoMap || isPlainObject(v)) {
      const entries = v instanceof GoMap ? v.entries : v;
      if (this.f.sharpV) {
        this.buf += goTypeName(v);
        if (entries === null) {
          this.buf += '(nil)';
          return;
        }
        this.buf += '{';
      } else this.buf += 'map[';
      const keys = entries === null ? [] : sortedKeys(entries);
      keys.forEach((k, i) => {
        if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
        this.printArg(k, verb, depth + 1);
        this.buf += ':';
        this.printArg(wrapElem(v, (entries as Record<string, unknown>)[k]), verb, depth + 1);
      });
      this.buf += this.f.sharpV ? '}' : ']';
      return;
    }
    if (v instanceof GoSlice || Array.isArray(v)) {
      const items = v instanceof GoSlice ? v.items : (v as unknown[]);
      if (this.f.sharpV) {
        this.buf += goTypeName(v);
        if (items === null) {
          this.buf += '(nil)';
          return;
        }
        this.buf += '{';
        items.forEach((e, i) => {
          if (i > 0) this.buf += ', ';
          this.printArg(wrapElem(v, e), verb, depth + 1);
        });
        this.buf += '}';
        return;
      }
      this.buf += '[';
      (items ?? []).forEach((e, i) => {
        if (i > 0) this.buf += ' ';
        this.printArg(wrapElem(v, e), verb, depth + 1);
      });
      this.buf += ']';
      return;
    }
    if (v instanceof GoStruct || v instanceof GoContext) {
      const names = v instanceof GoStruct ? Object.keys(v.fields) : Object.keys(v.fields);
      if (depth === 0 && v.typeName.startsWith('*')) this.buf += '&';
      if (this.f.sharpV) this.buf += v.typeName.replace(/^\*/, '');
      this.buf += '{';
      names.forEach((name, i) => {
        if (i > 0) this.buf += this.f.sharpV ? ', ' : ' ';
        if (this.f.plusV || this.f.sharpV) this.buf += `${name}:`;
        const fv = v instanceof GoStruct ? v.fields[name] : (v.fields[name] as () => unknown)();
        this.printArg(fv === null ? new Iface(null) : fv, verb, depth + 1);
      });
      this.buf += '}';
      return;
    }
    if (v instanceof GoFloat) {
      this.printArg(v, verb, depth);
      return;
    }
    this.pad(String(v));
  }
}

/** Elements of untyped JSON containers are interface{} values (a JSON null prints `<nil>`). */
function wrapElem(container: unknown, e: unknown): unknown {
  if (container instanceof GoMap && container.elemIsString) return e;
  if (container instanceof GoSlice) return e === null ? new Iface(null) : e;
  return e === null || e === undefined ? new Iface(null) : e;
}

/** fmt.Sprint(v) of a single value (what a template action prints). */
export function formatValue(v: unknown): string {
  const p = new Printer();
  p.printArg(v, 'v', 0);
  return p.buf;
}

const isStringArg = (a: unknown): boolean => typeof a === 'string' || (a instanceof Iface && typeof a.v === 'string');

/** fmt.Sprint */
export function sprint(args: readonly unknown[]): string {
  const p = new Printer();
  let prevString = false;
  args.forEach((a, i) => {
    const isString = isStringArg(a);
    if (i > 0 && !isString && !prevString) p.buf += ' ';
    p.printArg(a, 'v', 0);
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln */
export function sprintln(args: readonly unknown[]): string {
  const p = new Printer();
  args.forEach((a, i) => {
    if (i > 0) p.buf += ' ';
    p.printArg(a, 'v', 0);
  });
  return `${p.buf}\n`;
}

/** fmt.Sprintf */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  let argNum = 0;
  let i = 0;
  const end = format.length;
  const intArg = (): number | null => {
    if (argNum >= args.length) return null;
    let a = args[argNum++];
    if (a instanceof Iface) a = a.v;
    return isGoInt(a) ? a : null;
  };
  while (i < end) {
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    p.f = noFlags();
    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          p.f.sharp = true;
          break;
        case '0':
          p.f.zero = !p.f.minus;
          break;
        case '+':
          p.f.plus = true;
          break;
        case '-':
          p.f.minus = true;
          p.f.zero = false;
          break;
        case ' ':
          p.f.space = true;
          break;
        default:
          break flags;
      }
    }
    // width
    if (format[i] === '*') {
      i++;
      const w = intArg();
      if (w === null) p.buf += '%!(BADWIDTH)';
      else {
        p.f.wid = Math.abs(w);
        if (w < 0) {
          p.f.minus = true;
          p.f.zero = false;
        }
      }
    } else {
      const m = /^\d+/.exec(format.slice(i));
      if (m !== null) {
        p.f.wid = Number(m[0]);
        i += m[0].length;
      }
    }
    // precision
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const pr = intArg();
        if (pr === null || pr < 0) p.buf += '%!(BADPREC)';
        else p.f.prec = pr;
      } else {
        const m = /^\d+/.exec(format.slice(i));
        p.f.prec = m === null ? 0 : Number(m[0]);
        if (m !== null) i += m[0].length;
      }
    }
    if (i >= end) {
      p.buf += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') {
      p.buf += '%';
      continue;
    }
    if (argNum >= args.length) {
      p.buf += `%!${verb}(MISSING)`;
      continue;
    }
    if (verb === 'v') {
      if (p.f.sharp) {
        p.f.sharp = false;
        p.f.sharpV = true;
      }
      if (p.f.plus) {
        p.f.plus = false;
        p.f.plusV = true;
      }
    }
    p.printArg(args[argNum++], verb, 0);
  }
  if (argNum < args.length) {
    p.f = noFlags();
    p.buf += '%!(EXTRA ';
    args.slice(argNum).forEach((a, k) => {
      if (k > 0) p.buf += ', ';
      const v = a instanceof Iface ? a.v : a;
      if (v === undefined || v === null) p.buf += '<nil>';
      else {
        p.buf += `${goTypeName(v)}=`;
        p.printArg(v, 'v', 0);
      }
    });
    p.buf += ')';
  }
  return p.buf;
}

// ---------------------------------------------------------------- encoding/json

export interface JSONOptions {
  /** json.Marshal escapes < > & as \u003c \u003e \u0026; docker's `json` template function does not */
  escapeHTML: boolean;
  /** json.MarshalIndent's indent (prefix is always "") */
  indent?: string;
}

/** encoding/json's string encoding. */
export function jsonString(s: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (r < 0x80) {
      if (ch === '"' || ch === '\\') out += `\\${ch}`;
      else if (r < 0x20) {
        out += ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : ch === '\b' ? '\\b' : ch === '\f' ? '\\f' : `\\u00${hex4(r, 2)}`;
      } else if (escapeHTML && (ch === '<' || ch === '>' || ch === '&')) out += `\\u00${hex4(r, 2)}`;
      else out += ch;
    } else if (r === 0x2028 || r === 0x2029) out += `\\u${hex4(r, 4)}`;
    else if (r >= 0xd800 && r < 0xe000) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

function jsonNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`json: unsupported value: ${formatFloat(x, 'g', -1)}`);
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** json.Marshal / json.MarshalIndent of a template value. Throws on unsupported values (NaN). */
export function goJSON(v: unknown, opts: JSONOptions): string {
  return marshal(v, opts, '');
}

function marshal(v: unknown, opts: JSONOptions, cur: string): string {
  if (v instanceof Iface) v = v.v;
  if (v === undefined || v === null || v instanceof GoNilPtr) return 'null';
  if (typeof v === 'string') return jsonString(v, opts.escapeHTML);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return jsonNumber(v);
  if (v instanceof GoFloat) return jsonNumber(v.value);
  if (v instanceof GoContext) {
    // docker's formatter contexts implement MarshalJSON with json.Marshal of a map:
    // keys sorted, HTML always escaped.
    const m: Record<string, unknown> = {};
    for (const [k, get] of Object.entries(v.fields)) m[k] = get();
    return members(sortedKeys(m), (k) => m[k], { escapeHTML: true, ...(opts.indent === undefined ? {} : { indent: opts.indent }) }, cur);
  }
  if (v instanceof GoMap) {
    if (v.entries === null) return 'null';
    const e = v.entries;
    return members(sortedKeys(e), (k) => e[k], opts, cur);
  }
  if (v instanceof GoStruct) {
    const f = v.fields;
    const omitted = v.omitted;
    return members(Object.keys(f).filter((k) => !omitted.has(k)), (k) => f[k], opts, cur);
  }
  if (v instanceof GoSlice) {
    if (v.items === null) return 'null';
    return elements(v.items, opts, cur);
  }
  if (Array.isArray(v)) return elements(v, opts, cur);
  if (isPlainObject(v)) return members(Object.keys(v), (k) => v[k], opts, cur);
  return 'null';
}

function members(keys: string[], get: (k: string) => unknown, opts: JSONOptions, cur: string): string {
  if (keys.length === 0) return '{}';
  if (opts.indent === undefined) return `{${keys.map((k) => `${jsonString(k, opts.escapeHTML)}:${marshal(get(k), opts, cur)}`).join(',')}}`;
  const inner = cur + opts.indent;
  return `{\n${keys.map((k) => `${inner}${jsonString(k, opts.escapeHTML)}: ${marshal(get(k), opts, inner)}`).join(',\n')}\n${cur}}`;
}

function elements(items: readonly unknown[], opts: JSONOptions, cur: string): string {
  if (items.length === 0) return '[]';
  if (opts.indent === undefined) return `[${items.map((e) => marshal(e, opts, cur)).join(',')}]`;
  const inner = cur + opts.indent;
  return `[\n${items.map((e) => `${inner}${marshal(e, opts, inner)}`).join(',\n')}\n${cur}]`;
}
