/**
 * How Go values are represented while a template runs.
 *
 * Plain JS values stand for the common Go values: string, bool, number (an integral JS
 * number is a Go `int`, any other a `float64`), arrays (`[]interface {}`), plain objects
 * (`map[string]interface {}`), undefined (Go's invalid value, printed `<no value>`) and
 * null (a nil interface, printed `<nil>` inside containers).
 * The classes below carry what plain JS cannot: Go static types that change what gets
 * printed (a nil `map[string]string` prints `map[]`, a nil slice `[]`, a nil pointer
 * `<nil>`), struct-ness, and docker's formatter contexts (methods as fields).
 */

/** A Go float64 whose value is integral (a bare integral JS number means Go `int`). */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** A value of static type interface{} (e.g. read out of a JSON map); Go "digs" it out after each command. */
export class Iface {
  constructor(readonly v: unknown) {}
}

export type MethodFn = (...args: string[]) => unknown;

/** A typed Go map; `entries === null` is a nil map. Keys print, range and marshal sorted. */
export class GoMap {
  constructor(
    readonly entries: Record<string, unknown> | null,
    readonly typeName: string,
    /** map[string]string: missing keys index to "" and values are concrete strings */
    readonly elemIsString: boolean,
    /** methods on the named map type (docker's SubHeaderContext has Label) */
    readonly methods: Record<string, MethodFn> = {},
  ) {}
}

/** A typed Go slice; `items === null` is a nil slice (prints `[]`, marshals `null`). */
export class GoSlice {
  constructor(
    readonly items: readonly unknown[] | null,
    readonly typeName: string,
  ) {}
}

/** A Go struct (or pointer to one when typeName starts with `*`): fields in declaration order. */
export class GoStruct {
  constructor(
    readonly fields: Record<string, unknown>,
    readonly typeName: string,
    /** fields json.Marshal leaves out (omitempty fields absent from the source JSON) */
    readonly omitted: ReadonlySet<string> = new Set(),
  ) {}
}

/** A nil pointer to a struct: prints `<nil>`, marshals `null`. */
export class GoNilPtr {
  constructor(readonly typeName: string) {}
}

/**
 * A docker CLI formatter context (e.g. `*formatter.volumeContext`): every column is a
 * zero-argument method; `methods` take string arguments (`{{.Label "k"}}`).
 * `{{json .}}` marshals every zero-argument method, keys sorted.
 */
export class GoContext {
  constructor(
    readonly typeName: string,
    readonly fields: Readonly<Record<string, () => unknown>>,
    readonly methods: Readonly<Record<string, MethodFn>>,
  ) {}
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export const isGoInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
export const isGoFloat = (v: unknown): boolean => v instanceof GoFloat || (typeof v === 'number' && !Number.isInteger(v));
export const floatValue = (v: unknown): number => (v instanceof GoFloat ? v.value : (v as number));

/** A JS array passes for []string when every element is a string (Go's typed structs use []string). */
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((e) => typeof e === 'string');

/** Go's reflect Type.String() for a value. */
export function goTypeName(v: unknown): string {
  if (v instanceof Iface) return 'interface {}';
  if (v instanceof GoMap || v instanceof GoSlice || v instanceof GoStruct || v instanceof GoNilPtr || v instanceof GoContext) {
    return v.typeName;
  }
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int64';
  if (isGoInt(v)) return 'int';
  if (isGoFloat(v)) return 'float64';
  if (Array.isArray(v)) return v.length > 0 && isStringArray(v) ? '[]string' : '[]interface {}';
  if (isPlainObject(v)) return 'map[string]interface {}';
  return 'interface {}';
}

/** Go string ordering (byte-wise on UTF-8 == code point order), as fmtsort and encoding/json sort map keys. */
export function goStringCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = (x.value as string).codePointAt(0) as number;
    const cy = (y.value as string).codePointAt(0) as number;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

export const sortedKeys = (o: Record<string, unknown>): string[] => Object.keys(o).sort(goStringCompare);
