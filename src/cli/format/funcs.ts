/**
 * Template functions: Go's text/template builtins (funcs.go) and the docker CLI's
 * additions (cli/templates: json, split, join, title, lower, upper, pad, truncate),
 * plus docker's header variants used to render table headers.
 * Error texts are Go's; the executor wraps them as `error calling <name>: <text>`.
 */
import { formatValue, goJSON, sprint, sprintf, sprintln } from './gofmt.js';
import {
  floatValue,
  GoContext,
  goTypeName,
  GoMap,
  GoNilPtr,
  GoSlice,
  GoStruct,
  Iface,
  isGoFloat,
  isGoInt,
  isPlainObject,
} from './values.js';

/** Parameter types the executor checks arguments against (Go's reflect-based validation). */
export type ParamType = 'any' | 'string' | 'int' | 'bool' | '[]string';

export interface FuncDef {
  /** fixed parameters */
  params: readonly ParamType[];
  /** element type of a trailing variadic parameter */
  variadic?: ParamType;
  /** throws an Error whose message is Go's error text for (value, error) results */
  call: (args: unknown[]) => unknown;
}
export type FuncMap = Readonly<Record<string, FuncDef>>;

/** indirectInterface: the concrete value inside an interface{} (nil interface → invalid). */
export const deref = (v: unknown): unknown => (v instanceof Iface ? (v.v === null ? undefined : v.v) : v === null ? undefined : v);

const fn = (params: readonly ParamType[], call: (args: unknown[]) => unknown, variadic?: ParamType): FuncDef =>
  variadic === undefined ? { params, call } : { params, call, variadic };

/** isTrue, as used by if/with/and/or/not. Returns [truth, ok]. */
export function isTrue(v: unknown): [boolean, boolean] {
  v = deref(v);
  if (v === undefined) return [false, true];
  if (typeof v === 'string') return [v.length > 0, true];
  if (typeof v === 'boolean') return [v, true];
  if (typeof v === 'number' || typeof v === 'bigint') return [v !== 0 && v !== 0n, true];
  if (isGoFloat(v)) return [floatValue(v) !== 0, true];
  if (Array.isArray(v)) return [v.length > 0, true];
  if (v instanceof GoSlice) return [(v.items?.length ?? 0) > 0, true];
  if (v instanceof GoMap) return [v.entries !== null && Object.keys(v.entries).length > 0, true];
  if (isPlainObject(v)) return [Object.keys(v).length > 0, true];
  if (v instanceof GoNilPtr) return [false, true];
  if (v instanceof GoStruct || v instanceof GoContext) return [true, true];
  return [false, false];
}
export const truth = (v: unknown): boolean => isTrue(v)[0];

// ------------------------------------------------------------------ comparison

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string';
function basicKind(v: unknown): Kind {
  if (typeof v === 'boolean') return 'bool';
  if (isGoInt(v) || typeof v === 'bigint') return 'int';
  if (isGoFloat(v)) return 'float';
  if (typeof v === 'string') return 'string';
  return 'invalid';
}
const isNilish = (v: unknown): boolean =>
  v === undefined || v instanceof GoNilPtr || (v instanceof GoMap && v.entries === null) || (v instanceof GoSlice && v.items === null);
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : floatValue(v));

function eq(args: unknown[]): boolean {
  const a1 = deref(args[0]);
  const rest = args.slice(1);
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(a1);
  for (const raw of rest) {
    const a = deref(raw);
    const k2 = basicKind(a);
    let t = false;
    if (k1 !== k2) {
      if (a1 !== undefined && a !== undefined) throw new Error('incompatible types for comparison');
    } else if (k1 === 'invalid') {
      if (isNilish(a1) || isNilish(a)) t = isNilish(a1) === isNilish(a);
      else throw new Error(`non-comparable type ${formatValue(a)}: ${goTypeName(a)}`);
    } else if (k1 === 'int' || k1 === 'float') t = num(a1) === num(a);
    else t = a1 === a;
    if (t) return true;
  }
  return false;
}

function lt(args: unknown[]): boolean {
  const a1 = deref(args[0]);
  const a2 = deref(args[1]);
  const k1 = basicKind(a1);
  if (k1 === 'invalid') throw new Error('invalid type for comparison');
  const k2 = basicKind(a2);
  if (k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  if (k1 === 'string') return (a1 as string) < (a2 as string);
  return num(a1) < num(a2);
}
const le = (args: unknown[]): boolean => lt(args) || eq(args);

// ------------------------------------------------------------------ index, slice, len

function indexArg(index: unknown, cap: number): number {
  const x = deref(index);
  if (x === undefined) throw new Error('cannot index slice/array with nil');
  if (!isGoInt(x) && typeof x !== 'bigint') throw new Error(`cannot index slice/array with type ${goTypeName(x)}`);
  const n = Number(x);
  if (n < 0 || n > cap) throw new Error(`index out of range: ${n}`);
  return n;
}

function sequence(v: unknown): { items: readonly unknown[]; typed: boolean } | null {
  if (Array.isArray(v)) return { items: v, typed: false };
  if (v instanceof GoSlice) return { items: v.items ?? [], typed: true };
  return null;
}

function index(args: unknown[]): unknown {
  let item = deref(args[0]);
  if (item === undefined) throw new Error('index of untyped nil');
  for (const raw of args.slice(1)) {
    if (item instanceof Iface) {
      if (item.v === null || item.v === undefined) throw new Error('index of nil pointer');
      item = item.v;
    }
    if (item instanceof GoNilPtr) throw new Error('index of nil pointer');
    const seq = sequence(item);
    if (seq !== null || typeof item === 'string') {
      const len = seq !== null ? seq.items.length : Buffer.byteLength(item as string);
      const x = indexArg(raw, len);
      if (x === len) throw new Error(`reflect: ${typeof item === 'string' ? 'string' : 'slice'} index out of range`);
      if (seq === null) item = Buffer.from(item as string)[x] as number;
      else {
        const e = seq.items[x];
        item = seq.typed ? e : new Iface(e);
      }
      continue;
    }
    if (item instanceof GoMap || isPlainObject(item)) {
      const k = deref(raw);
      if (k === undefined) throw new Error('value is nil; should be of type string');
      if (typeof k !== 'string') throw new Error(`value has type ${goTypeName(k)}; should be string`);
      const entries = item instanceof GoMap ? item.entries : item;
      const stringElems = item instanceof GoMap && item.elemIsString;
      if (entries !== null && Object.hasOwn(entries, k)) item = stringElems ? entries[k] : new Iface(entries[k]);
      else item = stringElems ? '' : new Iface(null);
      continue;
    }
    throw new Error(`can't index item of type ${goTypeName(item)}`);
  }
  return item;
}

function slice(args: unknown[]): unknown {
  const item = deref(args[0]);
  if (item === undefined) throw new Error('slice of untyped nil');
  const idxs = args.slice(1);
  if (idxs.length > 3) throw new Error(`too many slice indexes: ${idxs.length}`);
  let cap: number;
  const seq = sequence(item);
  if (typeof item === 'string') {
    if (idxs.length === 3) throw new Error('cannot 3-index slice a string');
    cap = Buffer.byteLength(item);
  } else if (seq !== null) cap = seq.items.length;
  else throw new Error(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, cap, cap];
  idxs.forEach((x, i) => {
    idx[i] = indexArg(x, cap);
  });
  const [i, j] = idx as [number, number];
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (idxs.length === 3 && j > (idx[2] as number)) throw new Error(`invalid slice index: ${j} > ${idx[2] as number}`);
  if (typeof item === 'string') return Buffer.from(item).subarray(i, j).toString();
  if (item instanceof GoSlice) return new GoSlice((item.items ?? []).slice(i, j), item.typeName);
  return (item as unknown[]).slice(i, j);
}

function length(args: unknown[]): number {
  let v = args[0];
  if (v instanceof Iface) {
    if (v.v === null || v.v === undefined) throw new Error('len of nil pointer');
    v = v.v;
  }
  if (v === undefined || v === null) throw new Error('reflect: call of reflect.Value.Type on zero Value');
  if (v instanceof GoNilPtr) throw new Error('len of nil pointer');
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof GoSlice) return v.items?.length ?? 0;
  if (v instanceof GoMap) return v.entries === null ? 0 : Object.keys(v.entries).length;
  if (isPlainObject(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goTypeName(v)}`);
}

// ------------------------------------------------------------------ escapers

/** evalArgs: fmt.Sprint of the arguments, invalid values printed as <no value>. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof deref(args[0]) === 'string') return deref(args[0]) as string;
  return sprint(args.map((a) => (deref(a) === undefined ? '<no value>' : a)));
}
function htmlEscape(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => ({ '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' })[c] as string);
}
function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (r < 0x20) out += `\\u${r.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}
/** url.QueryEscape */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ------------------------------------------------------------------ maps

const anyV: ParamType = 'any';

/** Go's text/template builtins. */
export const BUILTINS: FuncMap = {
  and: fn([anyV], () => undefined, anyV), // short-circuit: evaluated by the executor
  or: fn([anyV], () => undefined, anyV), // short-circuit: evaluated by the executor
  not: fn([anyV], (a) => !truth(a[0])),
  len: fn([anyV], length),
  index: fn([anyV], index, anyV),
  slice: fn([anyV], slice, anyV),
  print: fn([], (a) => sprint(a), anyV),
  printf: fn(['string'], (a) => sprintf(a[0] as string, a.slice(1)), anyV),
  println: fn([], (a) => sprintln(a), anyV),
  html: fn([], (a) => htmlEscape(evalArgs(a)), anyV),
  js: fn([], (a) => jsEscape(evalArgs(a)), anyV),
  urlquery: fn([], (a) => queryEscape(evalArgs(a)), anyV),
  call: fn(
    [anyV],
    (a) => {
      const f = deref(a[0]);
      throw new Error(f === undefined ? 'call of nil' : `non-function of type ${goTypeName(f)}`);
    },
    anyV,
  ),
  eq: fn([anyV], eq, anyV),
  ne: fn([anyV, anyV], (a) => !eq(a)),
  lt: fn([anyV, anyV], lt),
  le: fn([anyV, anyV], le),
  gt: fn([anyV, anyV], (a) => !le(a)),
  ge: fn([anyV, anyV], (a) => !lt(a)),
};

/** strings.Title */
function title(s: string): string {
  const isSeparator = (r: string): boolean => {
    const c = r.codePointAt(0) as number;
    if (c <= 0x7f) return !/[0-9a-zA-Z_]/.test(r);
    if (/[\p{L}\p{Nd}]/u.test(r)) return false;
    return /\s/u.test(r);
  };
  let prev = ' ';
  let out = '';
  for (const r of s) {
    if (isSeparator(prev)) {
      const up = r.toUpperCase();
      out += [...up].length === 1 ? up : r;
    } else out += r;
    prev = r;
  }
  return out;
}

function repeat(n: number): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(n);
}

/** docker/cli templates.basicFunctions */
export const DOCKER_FUNCS: FuncMap = {
  json: fn([anyV], (a) => {
    try {
      return goJSON(a[0], { escapeHTML: false });
    } catch {
      return ''; // docker ignores the encoder's error
    }
  }),
  split: fn(['string', 'string'], (a) => {
    const [s, sep] = a as [string, string];
    return sep === '' ? [...s] : s.split(sep);
  }),
  join: fn(['[]string', 'string'], (a) => (a[0] as string[]).join(a[1] as string)),
  title: fn(['string'], (a) => title(a[0] as string)),
  lower: fn(['string'], (a) => (a[0] as string).toLowerCase()),
  upper: fn(['string'], (a) => (a[0] as string).toUpperCase()),
  pad: fn(['string', 'int', 'int'], (a) => {
    const [s, pre, suf] = a as [string, number, number];
    return s === '' ? s : repeat(pre) + s + repeat(suf);
  }),
  truncate: fn(['string', 'int'], (a) => {
    const [s, n] = a as [string, number];
    const b = Buffer.from(s);
    if (b.length < n) return s;
    if (n < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
    return b.subarray(0, n).toString();
  }),
};

/** docker/cli templates.HeaderFunctions: keep header names intact (pad is not overridden). */
export const HEADER_FUNCS: FuncMap = {
  ...DOCKER_FUNCS,
  json: fn(['string'], (a) => a[0]),
  split: fn(['string', 'string'], (a) => a[0]),
  join: fn(['string', 'string'], (a) => a[0]),
  title: fn(['string'], (a) => a[0]),
  lower: fn(['string'], (a) => a[0]),
  upper: fn(['string'], (a) => a[0]),
  truncate: fn(['string', 'int'], (a) => a[0]),
};
