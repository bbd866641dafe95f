/**
 * Sizes as Docker parses and prints them: a port of github.com/docker/go-units
 * v0.5.0 (`RAMInBytes`, `FromHumanSize`, `HumanSize`, `BytesSize`), the version
 * vendored by docker/cli 28 and moby 20.10. Messages are go-units' verbatim.
 *
 * Byte counts are JS numbers: exact up to 2^53 (8 PiB), which covers every size
 * the engine deals with; JSON numbers on the API are doubles anyway.
 */
import { EngineError } from './errors.js';

const KiB = 1024;
const binaryMap: Readonly<Record<string, number>> = { k: KiB, m: KiB ** 2, g: KiB ** 3, t: KiB ** 4, p: KiB ** 5 };
const decimalMap: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const decimalAbbrs = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;
const binaryAbbrs = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

const invalid = (message: string): EngineError => new EngineError('invalidArgument', message);

/**
 * `units.RAMInBytes`: "64m", "1.5g", "1000", "2 KiB" → bytes (binary suffixes
 * b/k/m/g/t/p, case-insensitive, optional trailing "b"/"ib"). The number is
 * scaled first and truncated after, so "1.5m" is 1572864.
 * Throws `invalid size: '<s>'`, `invalid suffix: '<sfx>'` or strconv's message.
 */
export function ramInBytes(size: string): number {
  return parseSize(size, binaryMap);
}

/** `units.FromHumanSize`: like ramInBytes with decimal (SI) multipliers: "1k" = 1000. */
export function fromHumanSize(size: string): number {
  return parseSize(size, decimalMap);
}

/** `units.HumanSize`: decimal units, 4 significant digits (`%.4g`): 102400 → "102.4kB". */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** `units.HumanSizeWithPrecision`. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  return customSize(size, precision, 1000, decimalAbbrs);
}

/** `units.BytesSize`: binary units, 4 significant digits: 1536 → "1.5KiB". */
export function bytesSize(size: number): string {
  return customSize(size, 4, 1024, binaryAbbrs);
}

function customSize(size: number, precision: number, base: number, abbrs: readonly string[]): string {
  let i = 0;
  while (size >= base && i < abbrs.length - 1) {
    size /= base;
    i++;
  }
  return formatGoG(size, precision) + (abbrs[i] ?? '');
}

function parseSize(sizeStr: string, map: Readonly<Record<string, number>>): number {
  // strings.LastIndexAny(sizeStr, "01234567890. "): every byte in the set is ASCII,
  // so a UTF-16 index finds the same character.
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(sizeStr.charAt(i))) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw invalid(`invalid size: '${sizeStr}'`);
  const num = sizeStr.charAt(sep) === ' ' ? sizeStr.slice(0, sep) : sizeStr.slice(0, sep + 1);
  let sfx = sizeStr.slice(sep + 1);

  let size = goParseFloat(num);
  if (size < 0) throw invalid(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return goInt64(size);

  const badSuffix = (): EngineError => invalid(`invalid suffix: '${sfx}'`);
  if (utf8Length(sfx) > 3) throw badSuffix();
  sfx = sfx.toLowerCase();
  if (sfx.charAt(0) === 'b') {
    if (sfx.length > 1) throw badSuffix();
    return goInt64(size);
  }
  const mul = map[sfx.charAt(0)];
  if (mul === undefined) throw badSuffix();
  size *= mul;
  if (sfx.length === 2 && sfx.charAt(1) !== 'b') throw badSuffix();
  if (sfx.length === 3 && sfx.slice(1) !== 'ib') throw badSuffix();
  return goInt64(size);
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity)$|^nan$/i;

/**
 * `strconv.ParseFloat(s, 64)` for the inputs parseSize can hand it. Decimal and
 * hex-float syntax, inf/nan; underscores (only legal after a 0x prefix in Go) are
 * not supported. Errors carry strconv's text.
 */
function goParseFloat(s: string): number {
  const syntax = (): EngineError => invalid(`strconv.ParseFloat: parsing ${goQuoteAscii(s)}: invalid syntax`);
  const special = SPECIAL_FLOAT.exec(s);
  if (special) {
    if (special[2] === undefined) return Number.NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  let value: number;
  const hex = HEX_FLOAT.exec(s);
  if (hex) {
    const [, sign, intDigits = '', fracDigits = '', exp = '0'] = hex;
    if (intDigits.length + fracDigits.length === 0) throw syntax();
    const mantissa = Number.parseInt(intDigits + fracDigits || '0', 16);
    value = mantissa * 2 ** (Number(exp) - 4 * fracDigits.length);
    if (sign === '-') value = -value;
  } else if (DECIMAL_FLOAT.test(s)) {
    value = Number(s);
  } else {
    throw syntax();
  }
  if (!Number.isFinite(value)) throw invalid(`strconv.ParseFloat: parsing ${goQuoteAscii(s)}: value out of range`);
  return value;
}

/** Go's int64(float64): truncation; NaN and out-of-range give MinInt64 on amd64. */
function goInt64(x: number): number {
  const limit = 2 ** 63;
  if (!Number.isFinite(x) || x >= limit || x < -limit) return -limit;
  return Math.trunc(x);
}

/** strconv.Quote for the ASCII-ish strings that reach an error message here. */
function goQuoteAscii(s: string): string {
  return JSON.stringify(s);
}

/**
 * fmt's `%.<prec>g` for a non-negative finite float64: exact decimal expansion,
 * round half to even, trailing zeros trimmed, %e when the exponent is < -4 or
 * ≥ the precision (Go's rules, which differ from JS toPrecision on ties and on
 * exponent formatting: Go prints "1e+06").
 */
export function formatGoG(x: number, prec: number): string {
  if (prec <= 0) prec = 1;
  const neg = x < 0 || Object.is(x, -0);
  let { digits, dp } = exactDecimal(Math.abs(x));
  if (digits.length > prec) {
    const next = digits.charCodeAt(prec) - 48;
    const moreAfter = digits.length > prec + 1; // trailing zeros are already trimmed
    const last = digits.charCodeAt(prec - 1) - 48;
    const up = next > 5 || (next === 5 && (moreAfter || last % 2 === 1));
    digits = digits.slice(0, prec);
    if (up) {
      const arr = digits.split('').map((c) => c.charCodeAt(0) - 48);
      let i = arr.length - 1;
      while (i >= 0 && arr[i] === 9) {
        arr[i] = 0;
        i--;
      }
      if (i < 0) {
        digits = '1';
        dp += 1;
      } else {
        arr[i] = (arr[i] ?? 0) + 1;
        digits = arr.join('');
      }
    }
    digits = digits.replace(/0+$/, '');
  }
  const nd = digits.length;
  let eprec = prec;
  if (eprec > nd && nd >= dp) eprec = nd;
  const exp = dp - 1;
  let out: string;
  if (exp < -4 || exp >= eprec) {
    const p = prec > nd ? nd : prec;
    out = fmtE(digits, dp, p - 1);
  } else {
    const p = prec > dp ? nd : prec;
    out = fmtF(digits, dp, Math.max(p - dp, 0));
  }
  return neg ? `-${out}` : out;
}

function fmtE(digits: string, dp: number, prec: number): string {
  let s = digits.length === 0 ? '0' : digits.charAt(0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < digits.length ? digits.charAt(i) : '0';
  }
  const exp = digits.length === 0 ? 0 : dp - 1;
  const abs = Math.abs(exp);
  return `${s}e${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : String(abs)}`;
}

function fmtF(digits: string, dp: number, prec: number): string {
  let s = '';
  if (dp > 0) {
    for (let i = 0; i < dp; i++) s += i < digits.length ? digits.charAt(i) : '0';
  } else {
    s = '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dp + i - 1;
      s += j >= 0 && j < digits.length ? digits.charAt(j) : '0';
    }
  }
  return s;
}

/** Exact decimal digits of a finite non-negative double: value = 0.<digits> × 10^dp. */
function exactDecimal(x: number): { digits: string; dp: number } {
  if (x === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) {
    e2 = -1074;
  } else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    dp = digits.length + e2;
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}
