import { goQuote } from '../domain/mounts/go.js';

/**
 * A pflag-compatible command-line parser: the grammar and the error messages
 * of the docker CLI (cobra + spf13/pflag), so users get what they know.
 */

export type FlagKind = 'bool' | 'string' | 'stringArray' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  /** Type word shown in help ("string", "list", "map", "filter" …). */
  typeName?: string;
  description: string;
  defaultText?: string;
  hidden?: boolean;
  /** Validates one raw value; throw Error(message) to reject it the way pflag does. */
  validate?: (value: string) => void;
}

export interface ParsedFlags {
  /** bool → boolean; string/int → last value; stringArray → all values. */
  values: Map<string, string[]>;
  args: string[];
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

function displayName(f: FlagSpec): string {
  return f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
}

const BOOL_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const BOOL_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[], interspersed = true): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const values = new Map<string, string[]>();
  const args: string[] = [];

  const set = (spec: FlagSpec, raw: string): void => {
    let value = raw;
    if (spec.kind === 'bool') {
      if (BOOL_TRUE.includes(raw)) value = 'true';
      else if (BOOL_FALSE.includes(raw)) value = 'false';
      else throw new FlagError(`invalid argument ${goQuote(raw)} for "${displayName(spec)}" flag: strconv.ParseBool: parsing ${goQuote(raw)}: invalid syntax`);
    }
    if (spec.kind === 'int' && !/^-?\d+$/.test(raw)) {
      throw new FlagError(`invalid argument ${goQuote(raw)} for "${displayName(spec)}" flag: strconv.ParseInt: parsing ${goQuote(raw)}: invalid syntax`);
    }
    if (spec.validate) {
      try {
        spec.validate(raw);
      } catch (e) {
        throw new FlagError(`invalid argument ${goQuote(raw)} for "${displayName(spec)}" flag: ${(e as Error).message}`);
      }
    }
    const list = values.get(spec.name) ?? [];
    if (spec.kind === 'stringArray') list.push(value);
    else list.splice(0, list.length, value);
    values.set(spec.name, list);
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const body = a.slice(2);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const spec = byName.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, body.slice(eq + 1));
      else if (spec.kind === 'bool') set(spec, 'true');
      else {
        const next = argv[i + 1];
        if (next === undefined) throw new FlagError(`flag needs an argument: --${name}`);
        i++;
        set(spec, next);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A run of shorthand flags: -qa, -fvalue, -f value, -f=value.
      let j = 1;
      while (j < a.length) {
        const c = a[j] as string;
        const spec = byShort.get(c);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in ${a}`);
        const rest = a.slice(j + 1);
        if (spec.kind === 'bool') {
          if (rest.startsWith('=')) {
            set(spec, rest.slice(1));
            break;
          }
          set(spec, 'true');
          j++;
          continue;
        }
        if (rest.length > 0) {
          set(spec, rest.startsWith('=') ? rest.slice(1) : rest);
        } else {
          const next = argv[i + 1];
          if (next === undefined) throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
          i++;
          set(spec, next);
        }
        break;
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i + 1));
      break;
    }
  }
  return { values, args };
}

/** Typed accessors over ParsedFlags. */
export class Flags {
  constructor(private readonly parsed: ParsedFlags) {}

  get args(): string[] {
    return this.parsed.args;
  }

  bool(name: string): boolean {
    return this.parsed.values.get(name)?.at(-1) === 'true';
  }

  string(name: string): string | undefined {
    return this.parsed.values.get(name)?.at(-1);
  }

  strings(name: string): string[] {
    return this.parsed.values.get(name) ?? [];
  }

  int(name: string): number | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : Number(v);
  }

  has(name: string): boolean {
    return this.parsed.values.has(name);
  }
}

/** Renders the "Options:" block of a command's help like cobra does. */
export function renderFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const type = s.kind === 'bool' ? '' : ` ${s.typeName ?? (s.kind === 'stringArray' ? 'stringArray' : s.kind)}`;
      const names = s.short ? `  -${s.short}, --${s.name}${type}` : `      --${s.name}${type}`;
      const dflt = s.defaultText ? ` (default ${s.defaultText})` : '';
      return [names, `${s.description}${dflt}`] as const;
    });
  const width = Math.max(0, ...rows.map(([n]) => n.length)) + 3;
  return rows.map(([n, d]) => `${n.padEnd(width)}${d}`).join('\n');
}
