/**
 * Table-driven integration cases: each case is a list of CLI, API and host steps with verbatim
 * expectations, run against one engine through one client. Output is normalised before comparing:
 *
 *   the daemon root          → <root>
 *   64 lower-case hex        → <hex>      (volume names, container ids)
 *   RFC 3339 timestamps      → <time>
 *
 * and `<cli>` in an expectation stands for the client's program name (docker / ballast).
 */
import assert from 'node:assert/strict';
import type { CliKind, CliResult, Cli, CliRunOptions } from './cli.js';
import type { Engine } from './engine.js';
import type { ApiResponse, Json } from './http.js';
import { tail } from './process.js';

export interface CaseContext {
  readonly engine: Engine;
  readonly cli: Cli;
  readonly cliKind: CliKind;
  readonly root: string;
  /** Values saved by steps (`save:`), raw and trimmed. */
  readonly vars: Map<string, string>;
  /** A saved value; throws when a previous step did not save it. */
  v(name: string): string;
  /** `<root>/volumes/<name>/_data` on the host. */
  volumeData(name: string): string;
  run(args: readonly string[], opts?: CliRunOptions): Promise<CliResult>;
  normalize(s: string): string;
}

/** Expected text: verbatim after normalisation, a pattern, or a custom check (throws on mismatch). */
export type Text = string | RegExp | ((actual: string, ctx: CaseContext) => void);

export interface CliExpect {
  code: number;
  /** Default '' (nothing printed). Use ANY to skip the check. */
  stdout?: Text;
  stderr?: Text;
}

export const ANY: Text = () => undefined;

type Args = readonly string[] | ((ctx: CaseContext) => readonly string[]);

export interface CliStep {
  cli: Args;
  stdin?: string;
  /** Default: exit code 0, output not checked. */
  expect?: CliExpect;
  /** Save trimmed raw stdout under this name. */
  save?: string;
  label?: string;
  timeoutMs?: number;
}

export interface ApiExpect {
  status: number;
  /** Compared after normalisation (deep equality, key order ignored unless keyOrder). */
  json?: Json | ((body: Json, ctx: CaseContext) => void);
  /** The raw body, verbatim after normalisation. */
  body?: Text;
  /** Header values (lower-case names); `null` means the header must be absent. */
  headers?: Record<string, string | RegExp | null>;
  /** Also require the JSON object keys in this order (top level and in arrays of objects). */
  keyOrder?: readonly string[];
}

export interface ApiStep {
  api: {
    method: string;
    path: string | ((ctx: CaseContext) => string);
    body?: Json | string;
    headers?: Record<string, string>;
  };
  expect: ApiExpect;
  label?: string;
}

export interface DoStep {
  do: (ctx: CaseContext) => Promise<void> | void;
  label?: string;
}

export type Step = CliStep | ApiStep | DoStep;

export interface Case {
  id: string;
  title: string;
  /** Cases that start containers: run only when the engine can (probed at run time). */
  needs?: 'containers';
  setup?: readonly Step[];
  steps: readonly Step[];
  teardown?: readonly Step[];
}

const HEX64 = /\b[0-9a-f]{64}\b/g;
const RFC3339 = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

export function normalizeOutput(s: string, root: string): string {
  return s.split(root).join('<root>').replace(HEX64, '<hex>').replace(RFC3339, '<time>');
}

function withCli(s: string, kind: CliKind): string {
  return s.split('<cli>').join(kind);
}

/** A line diff good enough for short CLI outputs: `-` expected, `+` actual. */
export function lineDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) out.push(`    ${JSON.stringify(x)}`);
    else {
      if (x !== undefined) out.push(`  - ${JSON.stringify(x)}`);
      if (y !== undefined) out.push(`  + ${JSON.stringify(y)}`);
    }
  }
  return out.join('\n');
}

export function checkText(what: string, actual: string, expected: Text, ctx: CaseContext): void {
  if (typeof expected === 'string') {
    const want = withCli(expected, ctx.cliKind);
    if (actual !== want) assert.fail(`${what}\n  diff (- expected, + actual):\n${lineDiff(want, actual)}`);
  } else if (expected instanceof RegExp) {
    const re = new RegExp(withCli(expected.source, ctx.cliKind), expected.flags);
    assert.match(actual, re, `${what}\n  expected to match: ${re}`);
  } else {
    expected(actual, ctx);
  }
}

function describeStep(step: Step, ctx: CaseContext): string {
  if ('cli' in step) {
    const args = typeof step.cli === 'function' ? step.cli(ctx) : step.cli;
    return `${ctx.cliKind} ${args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')}${step.stdin !== undefined ? ` <<< ${JSON.stringify(step.stdin)}` : ''}`;
  }
  if ('api' in step) {
    const p = typeof step.api.path === 'function' ? step.api.path(ctx) : step.api.path;
    return `${step.api.method} ${p}${step.api.body !== undefined ? ` ${typeof step.api.body === 'string' ? step.api.body : JSON.stringify(step.api.body)}` : ''}`;
  }
  return step.label ?? 'host step';
}

function checkKeyOrder(value: Json, order: readonly string[], path: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkKeyOrder(v, order, `${path}[${i}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value).filter((k) => order.includes(k));
  assert.deepEqual(keys, order.filter((k) => k in value), `key order of ${path}`);
}

async function runCliStep(step: CliStep, ctx: CaseContext, defaultCheck: boolean): Promise<void> {
  const args = typeof step.cli === 'function' ? step.cli(ctx) : step.cli;
  const opts: CliRunOptions = {};
  if (step.stdin !== undefined) opts.stdin = step.stdin;
  if (step.timeoutMs !== undefined) opts.timeoutMs = step.timeoutMs;
  const r = await ctx.run(args, opts);
  if (step.save) ctx.vars.set(step.save, r.stdout.trim());
  const out = ctx.normalize(r.stdout);
  const err = ctx.normalize(r.stderr);
  const exp = step.expect;
  const shown = `\n  exit: ${r.code}${r.signal ? ` (${r.signal})` : ''}\n  stdout: ${JSON.stringify(out)}\n  stderr: ${JSON.stringify(err)}`;
  if (!exp) {
    if (defaultCheck) assert.equal(r.code, 0, `expected exit 0${shown}`);
    return;
  }
  assert.equal(r.code, exp.code, `exit code${shown}`);
  checkText(`stdout${shown}`, out, exp.stdout ?? '', ctx);
  checkText(`stderr${shown}`, err, exp.stderr ?? '', ctx);
}

async function runApiStep(step: ApiStep, ctx: CaseContext): Promise<void> {
  const path = typeof step.api.path === 'function' ? step.api.path(ctx) : step.api.path;
  const opts: { body?: Json | string; headers?: Record<string, string> } = {};
  if (step.api.body !== undefined) opts.body = step.api.body;
  if (step.api.headers) opts.headers = step.api.headers;
  const res: ApiResponse = await ctx.engine.api.request(step.api.method, path, opts);
  const body = ctx.normalize(res.body);
  const shown = `\n  status: ${res.status}\n  body: ${JSON.stringify(body)}`;
  const e = step.expect;
  assert.equal(res.status, e.status, `status${shown}`);
  for (const [name, want] of Object.entries(e.headers ?? {})) {
    const got = res.headers[name.toLowerCase()];
    const gotText = Array.isArray(got) ? got.join(', ') : got;
    if (want === null) assert.equal(gotText, undefined, `header ${name} must be absent${shown}`);
    else if (typeof want === 'string') assert.equal(gotText, want, `header ${name}${shown}`);
    else assert.match(gotText ?? '', want, `header ${name}${shown}`);
  }
  if (e.body !== undefined) checkText(`body${shown}`, body, e.body, ctx);
  if (e.json !== undefined || e.keyOrder) {
    let parsed: Json;
    try {
      parsed = JSON.parse(body) as Json;
    } catch {
      assert.fail(`body is not JSON${shown}`);
    }
    if (typeof e.json === 'function') e.json(parsed, ctx);
    else if (e.json !== undefined) assert.deepEqual(parsed, e.json, `JSON body${shown}`);
    if (e.keyOrder) checkKeyOrder(parsed, e.keyOrder, 'body');
  }
}

export async function runStep(step: Step, ctx: CaseContext, defaultCheck = true): Promise<void> {
  try {
    if ('cli' in step) await runCliStep(step, ctx, defaultCheck);
    else if ('api' in step) await runApiStep(step, ctx);
    else await step.do(ctx);
  } catch (e) {
    const label = step.label ? `[${step.label}] ` : '';
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${label}${describeStep(step, ctx)}\n${msg}`);
  }
}

export function makeContext(engine: Engine, cli: Cli): CaseContext {
  const vars = new Map<string, string>();
  return {
    engine,
    cli,
    cliKind: cli.kind,
    root: engine.root,
    vars,
    v(name: string): string {
      const val = vars.get(name);
      if (val === undefined) throw new Error(`no saved value '${name}'`);
      return val;
    },
    volumeData: (name: string) => `${engine.root}/volumes/${name}/_data`,
    run: (args, opts) => cli.run(args, opts),
    normalize: (s) => normalizeOutput(s, engine.root),
  };
}

/** Run a whole case: setup (must succeed), steps, then teardown even when a step failed. */
export async function runCase(c: Case, ctx: CaseContext): Promise<void> {
  let failure: unknown;
  try {
    for (const s of c.setup ?? []) await runStep(s, ctx);
    for (const s of c.steps) await runStep(s, ctx);
  } catch (e) {
    failure = e;
  }
  for (const s of c.teardown ?? []) {
    try {
      await runStep(s, ctx, false);
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== undefined) {
    if (failure instanceof Error) failure.message += `\n--- ${ctx.engine.kind} log (tail) ---\n${tail(ctx.engine.logs(), 15)}`;
    throw failure;
  }
}

/**
 * Put the engine back to empty between cases through the raw API (independent of the client
 * under test): remove every container (force, with anonymous volumes), then every volume.
 */
export async function resetEngine(engine: Engine): Promise<void> {
  const problems: string[] = [];
  const cs = await engine.api.request('GET', '/containers/json?all=1');
  if (cs.status === 200) {
    const list = JSON.parse(cs.body) as Json;
    if (Array.isArray(list)) {
      for (const c of list) {
        if (c && typeof c === 'object' && !Array.isArray(c) && typeof c['Id'] === 'string') {
          const r = await engine.api.request('DELETE', `/containers/${c['Id']}?force=1&v=1`);
          if (r.status !== 204 && r.status !== 404) problems.push(`rm container ${c['Id']}: ${r.status} ${r.body}`);
        }
      }
    }
  }
  const vs = await engine.api.request('GET', '/volumes');
  if (vs.status !== 200) {
    problems.push(`GET /volumes: ${vs.status} ${vs.body}`);
  } else {
    const body = JSON.parse(vs.body) as Json;
    const vols = body && typeof body === 'object' && !Array.isArray(body) ? body['Volumes'] : null;
    for (const v of Array.isArray(vols) ? vols : []) {
      if (v && typeof v === 'object' && !Array.isArray(v) && typeof v['Name'] === 'string') {
        const r = await engine.api.request('DELETE', `/volumes/${encodeURIComponent(v['Name'])}?force=1`);
        if (r.status !== 204) problems.push(`rm volume ${v['Name']}: ${r.status} ${r.body}`);
      }
    }
  }
  if (problems.length) throw new Error(`reset between cases failed:\n  ${problems.join('\n  ')}`);
}
