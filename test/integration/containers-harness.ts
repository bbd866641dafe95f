/**
 * The harness of the container case tables (docker-storage-semantics §2–§6, §9, §10, and the
 * reference document's end-to-end commands). Not a test file itself: each
 * `containers-*.test.ts` declares its table and calls runTable().
 *
 * One engine per file (ballastd, or the reference dockerd with BALLAST_TEST_AGAINST=dockerd),
 * then one pass per client and runtime:
 *
 *   docker CLI  → engine, default runtime      (every case)
 *   ballast CLI → engine, default runtime      (every case; ballastd only)
 *   docker CLI  → engine, --runtime runc       (cases marked `runc: true`)
 *   ballast CLI → engine, --runtime runc       (cases marked `runc: true`; ballastd only)
 *
 * Cases of one pass run in parallel (BALLAST_TEST_CONCURRENCY, default 4), so every name a case
 * uses is made unique: each `spec-<x>` in arguments (except the fixture images) becomes
 * `spec-<x>_<tag>`, and `_<tag>` is removed from the output again before comparing. `$W` (the
 * case's scratch directory) and `$H` (an existing host directory, `$W/h`, holding hello.txt) are
 * expanded in arguments and put back in the output, with `<root>` for the engine root, `<hex>`
 * for 64-hex ids and `<cli>` for the client's program name (docker / ballast).
 *
 * Each case cleans up after itself (containers it named or created, volumes and images carrying
 * its tag) and must leave no mount and no process that names one of its containers; each pass
 * must leave nothing mounted under the engine root and its scratch tree.
 *
 * A table with fixed names (the reference document's `my-volume` …) sets `serial`: its cases run
 * one at a time and the engine is swept after each.
 *
 * Fixtures (§0): `busybox` (test/fixtures/busybox-rootfs.sh, CMD sh), then `spec-full` and
 * `spec-vol` by the §0 recipe (`run … sh -c …` + `commit`) when the engine can commit, else by
 * importing rootfs tarballs with `--change 'VOLUME …' --change 'CMD ["sh"]'`.
 *
 * Run: `npx tsc -p . && node --test dist/test/integration/containers-<section>.test.js`
 * (or `BALLAST_TEST_FILTER=containers- node scripts/run-tests.mjs --integration`).
 *
 * Env: BALLAST_TEST_AGAINST=dockerd (prove the expectations), BALLAST_TEST_CASES=V-01,V-02
 * (a subset), BALLAST_TEST_PASSES=docker,ballast,docker-runc,ballast-runc (a subset of passes),
 * BALLAST_ALLOW_MISSING_CLI=1 (skip, instead of fail, the ballast passes when bin/ballast has
 * no container commands yet).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliBinary, cliEnv, type CliKind } from '../helpers/cli.js';
import type { Engine, EngineKind } from '../helpers/engine.js';
import type { Json } from '../helpers/http.js';
import { cacheDir, specFullTarball } from '../helpers/images.js';
import { mountsUnder, snapshotMounts, type MountEntry, type MountSnapshot } from '../helpers/mounts.js';
import { lineDiff } from '../helpers/table.js';
import { startTarget, targetKind } from '../helpers/target.js';
import { makeTempDir, removeTempDir, repoRoot, sleep } from '../helpers/tmp.js';

export type { Json };

// ---------------------------------------------------------------------------------------------
// Table types
// ---------------------------------------------------------------------------------------------

export type Runtime = 'default' | 'runc';

export interface Ctx {
  readonly engine: Engine;
  readonly engineKind: EngineKind;
  readonly cliKind: CliKind;
  readonly runtime: Runtime;
  /** The case's unique suffix, e.g. `_b017`. */
  readonly tag: string;
  /** The case's scratch directory ($W) and existing host directory ($H = $W/h). */
  readonly W: string;
  readonly H: string;
  readonly root: string;
  /** Saved values (trimmed stdout of `save:` steps). */
  readonly vars: Map<string, string>;
  /** Container ids the case created (from create / run -d output), removed at cleanup. */
  readonly ids: Set<string>;
  v(name: string): string;
  /** `spec-x` → its real name in this case (`spec-x_<tag>`); other strings unchanged. */
  name(n: string): string;
  /** `$W`, `$H` and `spec-*` names expanded. */
  expand(s: string): string;
  /** Output → table form: `<root>`, `$W`, `$H`, `<hex>`, tag removed. */
  normalize(s: string): string;
  /** `<root>/volumes/<name>/_data` on the host (name expanded). */
  volumeData(name: string): string;
  /** Run the client (arguments expanded; --runtime injected in the runc pass). */
  run(args: readonly string[], opts?: RunOpts): Promise<CliOutput>;
  /** Run and require exit 0; returns the raw result. */
  ok(args: readonly string[], opts?: RunOpts): Promise<CliOutput>;
}

export interface RunOpts {
  stdin?: string | Buffer;
  /** Working directory (expanded); default the case's $W. */
  cwd?: string;
  timeoutMs?: number;
}

export interface CliOutput {
  code: number;
  stdout: string;
  /** stdout as bytes (binary output such as `tar cz`). */
  stdoutBytes: Buffer;
  stderr: string;
  signal: NodeJS.Signals | null;
}

/** Expected text: verbatim after normalisation (`<cli>` substituted), a pattern, or a check. */
export type Text = string | RegExp | ((actual: string, ctx: Ctx) => void);

export interface Expect {
  code: number;
  /** Default '' (nothing). Use ANY to skip. */
  stdout?: Text;
  stderr?: Text;
}

export const ANY: Text = () => undefined;

export type Args = readonly string[] | ((ctx: Ctx) => readonly string[]);

export interface CliStep {
  cli: Args;
  /** Default: exit 0, output not checked. */
  expect?: Expect;
  stdin?: string;
  /** Feed this file (relative to $W) as stdin, like `< file`. */
  stdinFile?: string;
  /** Write the raw stdout to this file (relative to $W), like `> file`; stdout is then not compared. */
  stdoutFile?: string;
  cwd?: string;
  /** Save the trimmed raw stdout under this name. */
  save?: string;
  label?: string;
  timeoutMs?: number;
}

export interface DoStep {
  do: (ctx: Ctx) => Promise<void> | void;
  label?: string;
}

export type Step = CliStep | DoStep;

export interface Case {
  id: string;
  title: string;
  /** Also run in the `--runtime runc` passes. */
  runc?: boolean;
  setup?: readonly Step[];
  steps: readonly Step[];
  teardown?: readonly Step[];
  timeoutMs?: number;
}

export interface Fixtures {
  /** Images besides spec-full / spec-vol the table needs. */
  busybox?: boolean;
  /** spec-full plus an empty /emptyd owned 1234:5678, mode 0700 (C-15). */
  emptyd?: boolean;
  /** spec-full with `VOLUME ["/file.txt"]` (A-22, A-23). */
  filevol?: boolean;
}

/** Image names the tables use that are shared fixtures (never renamed per case). */
export const FIXTURE_IMAGES = ['spec-full', 'spec-vol', 'spec-emptyd', 'spec-filevol', 'busybox'] as const;

// ---------------------------------------------------------------------------------------------
// Step builders
// ---------------------------------------------------------------------------------------------

export function expect(code: number, stdout?: Text, stderr?: Text): Expect {
  const e: Expect = { code };
  if (stdout !== undefined) e.stdout = stdout;
  if (stderr !== undefined) e.stderr = stderr;
  return e;
}

/** Must succeed; output not checked. */
export const run = (...args: string[]): CliStep => ({ cli: args });
/** rc 0 and exactly this stdout (lines joined, newline-terminated); stderr empty. */
export const out = (args: Args, ...lines: string[]): CliStep => ({
  cli: args,
  expect: expect(0, lines.length ? `${lines.join('\n')}\n` : ''),
});
/** rc 0, the stdout passed through a Text check; stderr empty. */
export const outText = (args: Args, stdout: Text, stderr: Text = ''): CliStep => ({ cli: args, expect: expect(0, stdout, stderr) });
/** `create` that succeeds: prints the id. */
export const created = (args: Args): CliStep => ({ cli: args, expect: expect(0, '<hex>\n') });
/** A non-run command's daemon error: rc 1, `Error response from daemon: <msg>`. */
export const daemonErr = (args: Args, msg: string | RegExp): CliStep => ({
  cli: args,
  expect: expect(1, '', typeof msg === 'string' ? `Error response from daemon: ${msg}\n` : prefixRe('Error response from daemon: ', msg, '\n')),
});
/** `run`'s daemon error: rc (125 default), `<cli>: Error response from daemon: <msg>` + run usage hint. */
export const runErr = (args: Args, msg: string | RegExp, code = 125, stdout: Text = ''): CliStep => ({
  cli: args,
  expect: expect(
    code,
    stdout,
    typeof msg === 'string'
      ? `<cli>: Error response from daemon: ${msg}\n\nRun '<cli> run --help' for more information\n`
      : prefixRe('<cli>: Error response from daemon: ', msg, "\n\nRun '<cli> run --help' for more information\n"),
  ),
});
/** `start`'s daemon error: rc 1, message then `Error: failed to start containers: <name>`. */
export const startErr = (args: Args, msg: string, container: string): CliStep => ({
  cli: args,
  expect: expect(1, '', `Error response from daemon: ${msg}\nError: failed to start containers: ${container}\n`),
});
/** A client-side `-v` error (rc 125): `<cli>: <msg>` + the command's help hint. */
export const cliErr = (args: Args, cmd: 'create' | 'run', msg: string): CliStep => ({
  cli: args,
  expect: expect(125, '', `<cli>: ${msg}\n\nRun '<cli> ${cmd} --help' for more information\n`),
});
/** A client-side flag value error (rc 125): `invalid argument "<v>" for "<flag>" flag: <msg>` + usage. */
export const flagErr = (args: Args, cmd: 'create' | 'run', flag: string, value: string, msg: string): CliStep => ({
  cli: args,
  expect: expect(
    125,
    '',
    // The CLI prints the value with Go's %q (JSON quoting, for these ASCII values).
    `invalid argument ${JSON.stringify(value)} for "${flag}" flag: ${msg}\n\nUsage:  <cli> ${cmd} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun '<cli> ${cmd} --help' for more information\n`,
  ),
});
export const host = (label: string, fn: (ctx: Ctx) => void | Promise<void>): DoStep => ({ label, do: fn });

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function prefixRe(prefix: string, re: RegExp, suffix: string): RegExp {
  return new RegExp(`^${escapeRe(prefix)}(?:${re.source})${escapeRe(suffix)}$`, re.flags);
}
/** A pattern: the fixed parts verbatim, `...` for anything (within the message). */
export function pat(template: string): RegExp {
  return new RegExp(template.split('...').map(escapeRe).join('[^\\n]*'));
}

// ---------------------------------------------------------------------------------------------
// Output views
// ---------------------------------------------------------------------------------------------

const LS_LINE =
  /^([dlcbps-][rwxsStT-]{9})\s+\d+\s+(\d+)\s+(\d+)\s+(?:(\d+),\s*)?(\d+)\s+(?:\w{3}\s+\d+\s+(?:\d\d:\d\d|\d{4})|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [+-]\d{4})\s(.*)$/;

/**
 * `ls -l`-style output reduced to what the tables assert: `perm uid gid [size] name` per entry
 * (size only for non-directories), `total` lines dropped, other lines kept.
 */
export function lsView(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (/^total \d+$/.test(line)) continue;
    const m = LS_LINE.exec(line);
    if (!m) {
      lines.push(line);
      continue;
    }
    const [, perm = '', uid = '', gid = '', , size = '', name = ''] = m;
    lines.push(perm.startsWith('d') ? `${perm} ${uid} ${gid} ${name}` : `${perm} ${uid} ${gid} ${size} ${name}`);
  }
  return lines.join('\n');
}

/** Expect `ls -l` output (through lsView) to be exactly these lines. */
export function ls(...want: string[]): (actual: string, ctx: Ctx) => void {
  return (actual, ctx) => {
    const got = lsView(actual);
    const exp = `${want.join('\n')}\n`.split('<cli>').join(ctx.cliKind);
    if (got !== exp) assert.fail(`ls view (- expected, + actual):\n${lineDiff(exp, got)}\n  raw: ${JSON.stringify(actual)}`);
  };
}

/** Text check: every given line occurs in the output (in any order). */
export function hasLines(...want: (string | RegExp)[]): Text {
  return (actual) => {
    const lines = actual.split('\n');
    for (const w of want) {
      const hit = typeof w === 'string' ? lines.includes(w) : lines.some((l) => w.test(l));
      assert.ok(hit, `expected a line ${typeof w === 'string' ? JSON.stringify(w) : w} in:\n${actual}`);
    }
  };
}

/** The lines of a `mount` listing (busybox `mount`) whose mount point is `mp`, in order. */
export function mountLinesAt(text: string, mp: string): string[] {
  return text.split('\n').filter((l) => l.includes(` on ${mp} type `));
}

// ---------------------------------------------------------------------------------------------
// Inspect JSON
// ---------------------------------------------------------------------------------------------

export type JsonObject = { [key: string]: Json };

export function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** `a.b.c` into a JSON value (undefined when missing). */
export function pick(v: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Mounts of `.Mounts` as Docker renders them (sorted by Destination: Docker's order is random). */
export function sortMounts(v: Json | undefined): Json[] {
  assert.ok(Array.isArray(v), `.Mounts is not an array: ${JSON.stringify(v)}`);
  return [...v].sort((a, b) => String(pick(a, 'Destination')).localeCompare(String(pick(b, 'Destination'))));
}

/** A named volume in `.Mounts`. */
export function volMount(name: string, dst: string, mode = 'z', rw = true): JsonObject {
  return { Type: 'volume', Name: name, Source: `<root>/volumes/${name}/_data`, Destination: dst, Driver: 'local', Mode: mode, RW: rw, Propagation: '' };
}
/** An anonymous volume in `.Mounts`. */
export function anonMount(dst: string, mode = '', rw = true): JsonObject {
  return volMount('<hex>', dst, mode, rw);
}
export function bindMount(src: string, dst: string, mode = '', rw = true, propagation = 'rprivate'): JsonObject {
  return { Type: 'bind', Source: src, Destination: dst, Mode: mode, RW: rw, Propagation: propagation };
}
export function tmpfsMount(dst: string, rw = true): JsonObject {
  return { Type: 'tmpfs', Source: '', Destination: dst, Mode: '', RW: rw, Propagation: '' };
}

/**
 * `<cli> container inspect <name>` through the client under test; the (normalised) first element
 * goes to `check`.
 */
export function inspect(container: string, check: (c: JsonObject, ctx: Ctx) => void, label?: string): CliStep {
  const step: CliStep = {
    cli: ['container', 'inspect', container],
    expect: expect(0, (actual, ctx) => {
      let parsed: Json;
      try {
        parsed = JSON.parse(actual) as Json;
      } catch {
        assert.fail(`inspect output is not JSON: ${actual}`);
      }
      assert.ok(Array.isArray(parsed) && parsed.length === 1 && isObject(parsed[0]), `inspect output is not a one-element array: ${actual}`);
      check(parsed[0], ctx);
    }),
  };
  if (label) step.label = label;
  return step;
}

/** Inspect: `.Mounts` (sorted by destination) equals these. */
export function mountsAre(container: string, ...want: JsonObject[]): CliStep {
  return inspect(container, (c) => assert.deepEqual(sortMounts(c['Mounts']), sortMounts(want), '.Mounts'), '.Mounts');
}

/** Inspect: each path (`HostConfig.Binds`, `Config.Volumes`, …) equals the given JSON. */
export function fieldsAre(container: string, want: Record<string, Json>): CliStep {
  return inspect(container, (c) => {
    for (const [path, value] of Object.entries(want)) assert.deepEqual(pick(c, path) ?? null, value, path);
  }, Object.keys(want).join(', '));
}

// ---------------------------------------------------------------------------------------------
// Running a client
// ---------------------------------------------------------------------------------------------

function spawnCli(kind: CliKind, hostUri: string, args: readonly string[], opts: RunOpts & { cwd: string }): Promise<CliOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(cliBinary(kind), args, {
      env: cliEnv(kind, hostUri),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 90_000,
      killSignal: 'SIGKILL',
    });
    const o: Buffer[] = [];
    const e: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => o.push(b));
    child.stderr.on('data', (b: Buffer) => e.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? -1, signal, stdout: Buffer.concat(o).toString('utf8'), stdoutBytes: Buffer.concat(o), stderr: Buffer.concat(e).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

const SPEC_NAME = /\bspec-[a-z0-9]+(?:[-.][a-z0-9]+)*/g;
const HEX64 = /\b[0-9a-f]{64}\b/g;
const RFC3339 = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** `--runtime runc` after `run` / `create` / `container run|create`. */
function withRuntime(args: readonly string[], runtime: Runtime): readonly string[] {
  if (runtime === 'default') return args;
  const [a, b] = args;
  if (a === 'run' || a === 'create') return [a, '--runtime', 'runc', ...args.slice(1)];
  if (a === 'container' && (b === 'run' || b === 'create')) return [a, b, '--runtime', 'runc', ...args.slice(2)];
  return args;
}

interface CtxInit {
  engine: Engine;
  cliKind: CliKind;
  runtime: Runtime;
  tag: string;
  W: string;
}

function makeCtx(init: CtxInit): Ctx {
  const { engine, cliKind, runtime, tag, W } = init;
  const H = join(W, 'h');
  const vars = new Map<string, string>();
  const ids = new Set<string>();
  const fixtures = new Set<string>(FIXTURE_IMAGES);
  const name = (n: string): string => n.replace(SPEC_NAME, (m) => (fixtures.has(m) ? m : `${m}${tag}`));
  // `$(pwd)` is the directory the client runs in: $W (the reference document's commands use it).
  const expand = (s: string): string => name(s.split('$H').join(H).split('$W').join(W).split('$(pwd)').join(W));
  // Whole path components only: `$W/hostfile.txt` must not become `$Hostfile.txt`.
  const hRe = new RegExp(`${escapeRe(H)}(?![\\w.-])`, 'g');
  const wRe = new RegExp(`${escapeRe(W)}(?![\\w.-])`, 'g');
  const normalize = (s: string): string =>
    s
      .split(engine.root).join('<root>')
      .replace(hRe, '$$H')
      .replace(wRe, '$$W')
      .replace(HEX64, '<hex>')
      .replace(RFC3339, '<time>')
      .split(tag).join('');
  const ctx: Ctx = {
    engine,
    engineKind: engine.kind,
    cliKind,
    runtime,
    tag,
    W,
    H,
    root: engine.root,
    vars,
    ids,
    v(n: string): string {
      const val = vars.get(n);
      if (val === undefined) throw new Error(`no saved value '${n}'`);
      return val;
    },
    name,
    expand,
    normalize,
    volumeData: (n: string) => `${engine.root}/volumes/${name(n)}/_data`,
    async run(args, opts = {}) {
      const real = withRuntime(args.map(expand), runtime);
      const r = await spawnCli(cliKind, engine.host, real, { ...opts, cwd: expand(opts.cwd ?? '$W') });
      if (['create', 'run', 'container'].includes(real[0] ?? '')) {
        for (const m of r.stdout.match(HEX64) ?? []) ids.add(m);
      }
      return r;
    },
    async ok(args, opts = {}) {
      const r = await ctx.run(args, opts);
      if (r.code !== 0) throw new Error(`${cliKind} ${args.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r;
    },
  };
  return ctx;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function checkText(what: string, actual: string, want: Text, ctx: Ctx): void {
  if (typeof want === 'string') {
    const w = want.split('<cli>').join(ctx.cliKind);
    if (actual !== w) assert.fail(`${what}\n  diff (- expected, + actual):\n${lineDiff(w, actual)}`);
  } else if (want instanceof RegExp) {
    const re = new RegExp(want.source.split('<cli>').join(ctx.cliKind), want.flags);
    assert.match(actual, re, `${what}\n  expected to match: ${re}`);
  } else {
    want(actual, ctx);
  }
}

async function runStep(step: Step, ctx: Ctx, strict: boolean): Promise<void> {
  if ('do' in step) {
    try {
      await step.do(ctx);
    } catch (e) {
      throw new Error(`[${step.label ?? 'host step'}] ${e instanceof Error ? e.message : String(e)}`);
    }
    return;
  }
  const args = typeof step.cli === 'function' ? step.cli(ctx) : step.cli;
  const opts: RunOpts = {};
  if (step.stdin !== undefined) opts.stdin = step.stdin;
  if (step.stdinFile !== undefined) opts.stdin = readFileSync(join(ctx.W, step.stdinFile));
  if (step.cwd !== undefined) opts.cwd = step.cwd;
  if (step.timeoutMs !== undefined) opts.timeoutMs = step.timeoutMs;
  const r = await ctx.run(args, opts);
  if (step.save) ctx.vars.set(step.save, r.stdout.trim());
  if (step.stdoutFile !== undefined) writeFileSync(join(ctx.W, step.stdoutFile), r.stdoutBytes);
  const o = step.stdoutFile !== undefined ? '' : ctx.normalize(r.stdout);
  const e = ctx.normalize(r.stderr);
  const shown = `\n  exit: ${r.code}${r.signal ? ` (${r.signal})` : ''}\n  stdout: ${JSON.stringify(o)}\n  stderr: ${JSON.stringify(e)}`;
  const described = `${step.label ? `[${step.label}] ` : ''}${ctx.cliKind} ${withRuntime(args, ctx.runtime).map(quote).join(' ')}`;
  try {
    const exp = step.expect;
    if (!exp) {
      if (strict) assert.equal(r.code, 0, `expected exit 0${shown}`);
      return;
    }
    assert.equal(r.code, exp.code, `exit code${shown}`);
    checkText(`stdout${shown}`, o, exp.stdout ?? '', ctx);
    checkText(`stderr${shown}`, e, exp.stderr ?? '', ctx);
  } catch (err) {
    throw new Error(`${described}\n${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

function busyboxTarball(): string {
  const script = join(repoRoot(), 'test', 'fixtures', 'busybox-rootfs.sh');
  const r = spawnSync('sh', [script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`busybox-rootfs.sh failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** spec-full's tarball plus an entry appended by tar (cached). */
function derivedTarball(name: string, add: (dir: string) => string[]): string {
  const outPath = join(cacheDir(), `${name}-v1.tar`);
  if (existsSync(outPath)) return outPath;
  const work = join(cacheDir(), `build-${name}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const tmp = join(work, 'out.tar');
    copyFileSync(specFullTarball(), tmp);
    const tarArgs = add(work);
    const r = spawnSync('tar', ['--numeric-owner', '-rf', tmp, ...tarArgs], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar -r failed: ${r.stderr}`);
    renameSync(tmp, outPath);
    return outPath;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function emptydTarball(): string {
  return derivedTarball('spec-emptyd', (work) => {
    mkdirSync(join(work, 'emptyd'));
    chmodSync(join(work, 'emptyd'), 0o700);
    return ['--owner=1234', '--group=5678', '-C', work, './emptyd'];
  });
}

const SPEC_FULL_SCRIPT = [
  '/bin/busybox --install -s /bin',
  'mkdir -p /data/sub /etc/app /imgdir',
  'echo from-image > /data/hello.txt; echo nested > /data/sub/nested.txt; ln -s hello.txt /data/link',
  'chown 1001:1002 /data/hello.txt; chmod 0640 /data/hello.txt',
  'chown -R 1000:1000 /data/sub; chown 1000:1000 /data; chmod 0750 /data',
  'echo appconf > /etc/app/app.conf; echo filecontent > /file.txt; echo imgfile > /imgdir/img.txt',
].join('\n');

async function docker(engine: Engine, args: readonly string[]): Promise<CliOutput> {
  const r = await spawnCli('docker', engine.host, args, { cwd: '/', timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`fixture: docker ${args.join(' ')}: exit ${r.code}: ${r.stderr || r.stdout}`);
  return r;
}

/** Does the engine implement `commit`? (Probed on a throw-away container.) */
async function canCommit(engine: Engine): Promise<boolean> {
  await docker(engine, ['create', '--name', 'fixture-probe', 'busybox', 'true']);
  try {
    const r = await spawnCli('docker', engine.host, ['commit', 'fixture-probe', 'fixture-probe:latest'], { cwd: '/' });
    if (r.code === 0) await spawnCli('docker', engine.host, ['rmi', 'fixture-probe:latest'], { cwd: '/' });
    return r.code === 0;
  } finally {
    await spawnCli('docker', engine.host, ['rm', '-f', 'fixture-probe'], { cwd: '/' });
  }
}

/**
 * The images of §0, built once per engine through the docker CLI. With `commit` (dockerd): the
 * §0 recipe (`run … sh -c …` + `commit`). Without it: spec-full's rootfs tarball imported, and
 * spec-vol = the same tarball with `--change 'VOLUME …'`.
 */
export async function buildFixtures(engine: Engine, want: Fixtures): Promise<string> {
  // busybox stands in for alpine, whose CMD is a shell.
  await docker(engine, ['import', '--change', 'CMD ["sh"]', busyboxTarball(), 'busybox:latest']);
  let how: string;
  if (await canCommit(engine)) {
    how = 'run + commit (§0 recipe)';
    await docker(engine, ['run', '--name', 'fixture-b', 'busybox', 'sh', '-c', SPEC_FULL_SCRIPT]);
    await docker(engine, ['commit', 'fixture-b', 'spec-full']);
    await docker(engine, ['rm', 'fixture-b']);
    await docker(engine, ['create', '--name', 'fixture-c', 'spec-full', 'true']);
    await docker(engine, ['commit', '--change', 'VOLUME ["/data","/empty-vol"]', '--change', 'CMD ["sh"]', 'fixture-c', 'spec-vol']);
    if (want.filevol) await docker(engine, ['commit', '--change', 'VOLUME ["/file.txt"]', '--change', 'CMD ["sh"]', 'fixture-c', 'spec-filevol']);
    await docker(engine, ['rm', 'fixture-c']);
    if (want.emptyd) {
      await docker(engine, ['run', '--name', 'fixture-e', 'spec-full', 'sh', '-c', 'mkdir /emptyd && chown 1234:5678 /emptyd && chmod 0700 /emptyd']);
      await docker(engine, ['commit', '--change', 'CMD ["sh"]', 'fixture-e', 'spec-emptyd']);
      await docker(engine, ['rm', 'fixture-e']);
    }
  } else {
    how = 'rootfs tarballs + import --change (no commit)';
    const tar = specFullTarball();
    await docker(engine, ['import', '--change', 'CMD ["sh"]', tar, 'spec-full']);
    await docker(engine, ['import', '--change', 'VOLUME ["/data","/empty-vol"]', '--change', 'CMD ["sh"]', tar, 'spec-vol']);
    if (want.filevol) await docker(engine, ['import', '--change', 'VOLUME ["/file.txt"]', '--change', 'CMD ["sh"]', tar, 'spec-filevol']);
    if (want.emptyd) await docker(engine, ['import', '--change', 'CMD ["sh"]', emptydTarball(), 'spec-emptyd']);
  }
  // The fixture has the content §0 promises, whichever way it was built.
  const r = await docker(engine, ['run', '--rm', 'spec-full', 'ls', '-lan', '/data', '/data/sub']);
  const view = lsView(r.stdout);
  const wantView = [
    '/data:', 'drwxr-x--- 1000 1000 .', 'drwxr-xr-x 0 0 ..', '-rw-r----- 1001 1002 11 hello.txt',
    'lrwxrwxrwx 0 0 9 link -> hello.txt', 'drwxr-xr-x 1000 1000 sub', '',
    '/data/sub:', 'drwxr-xr-x 1000 1000 .', 'drwxr-x--- 1000 1000 ..', '-rw-r--r-- 1000 1000 7 nested.txt', '',
  ].join('\n');
  assert.equal(view, wantView, `spec-full /data is not §0's:\n${lineDiff(wantView, view)}`);
  return how;
}

// ---------------------------------------------------------------------------------------------
// Leak checks
// ---------------------------------------------------------------------------------------------

/** Processes whose command line mentions one of `needles` (pid and command line). */
export function processesMentioning(needles: readonly string[]): string[] {
  if (needles.length === 0) return [];
  const found: string[] = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent) || Number(ent) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${ent}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (needles.some((n) => cmd.includes(n))) found.push(`${ent}: ${cmd.split('\0').join(' ').slice(0, 300)}`);
  }
  return found;
}

function describeMount(m: MountEntry): string {
  return `${m.source} on ${m.mountPoint} type ${m.fsType} (${m.options})`;
}

/** Mounts naming a container id or a tagged name (in the mount point or the source). */
function mountsMentioning(needles: readonly string[]): MountEntry[] {
  if (needles.length === 0) return [];
  return mountsUnder('/').filter((m) => needles.some((n) => m.mountPoint.includes(n) || m.source.includes(n)));
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup through the raw API (independent of the client under test)
// ---------------------------------------------------------------------------------------------

function parseJson(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch {
    return null;
  }
}

async function cleanupCase(ctx: Ctx): Promise<string[]> {
  const api = ctx.engine.api;
  const problems: string[] = [];
  const containers = new Set(ctx.ids);
  const list = parseJson((await api.request('GET', '/containers/json?all=1')).body);
  for (const c of Array.isArray(list) ? list : []) {
    const id = pick(c, 'Id');
    const names = pick(c, 'Names');
    if (typeof id === 'string' && Array.isArray(names) && names.some((n) => typeof n === 'string' && n.includes(ctx.tag))) containers.add(id);
  }
  for (const id of containers) {
    const r = await api.request('DELETE', `/containers/${id}?force=1&v=1`);
    if (r.status !== 204 && r.status !== 404) problems.push(`rm container ${id}: ${r.status} ${r.body.trim()}`);
  }
  const vols = pick(parseJson((await api.request('GET', '/volumes')).body), 'Volumes');
  for (const v of Array.isArray(vols) ? vols : []) {
    const n = pick(v, 'Name');
    if (typeof n === 'string' && n.includes(ctx.tag)) {
      const r = await api.request('DELETE', `/volumes/${encodeURIComponent(n)}?force=1`);
      if (r.status !== 204 && r.status !== 404) problems.push(`rm volume ${n}: ${r.status} ${r.body.trim()}`);
    }
  }
  problems.push(...(await removeImages(ctx.engine, (t) => t.includes(ctx.tag))));
  return problems;
}

function isFixture(tag: string): boolean {
  return (FIXTURE_IMAGES as readonly string[]).includes(tag.replace(/:latest$/, ''));
}

/** Remove the images with a repo tag that `which` selects. */
async function removeImages(engine: Engine, which: (tag: string) => boolean): Promise<string[]> {
  const problems: string[] = [];
  const imgs = parseJson((await engine.api.request('GET', '/images/json')).body);
  for (const im of Array.isArray(imgs) ? imgs : []) {
    const tags = pick(im, 'RepoTags');
    for (const t of Array.isArray(tags) ? tags : []) {
      if (typeof t === 'string' && which(t)) {
        const r = await engine.api.request('DELETE', `/images/${encodeURIComponent(t)}?force=1`);
        if (r.status !== 200 && r.status !== 404) problems.push(`rm image ${t}: ${r.status} ${r.body.trim()}`);
      }
    }
  }
  return problems;
}

/** Remove every container and volume (between passes and at the end). */
async function sweepEngine(engine: Engine): Promise<string[]> {
  const problems: string[] = [];
  const list = parseJson((await engine.api.request('GET', '/containers/json?all=1')).body);
  for (const c of Array.isArray(list) ? list : []) {
    const id = pick(c, 'Id');
    if (typeof id !== 'string') continue;
    const r = await engine.api.request('DELETE', `/containers/${id}?force=1&v=1`);
    if (r.status !== 204 && r.status !== 404) problems.push(`rm container ${id}: ${r.status} ${r.body.trim()}`);
  }
  const vols = pick(parseJson((await engine.api.request('GET', '/volumes')).body), 'Volumes');
  for (const v of Array.isArray(vols) ? vols : []) {
    const n = pick(v, 'Name');
    if (typeof n !== 'string') continue;
    const r = await engine.api.request('DELETE', `/volumes/${encodeURIComponent(n)}?force=1`);
    if (r.status !== 204 && r.status !== 404) problems.push(`rm volume ${n}: ${r.status} ${r.body.trim()}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------

interface Pass {
  key: string;
  letter: string;
  cli: CliKind;
  runtime: Runtime;
}

const ALL_PASSES: Pass[] = [
  { key: 'docker', letter: 'a', cli: 'docker', runtime: 'default' },
  { key: 'ballast', letter: 'b', cli: 'ballast', runtime: 'default' },
  { key: 'docker-runc', letter: 'c', cli: 'docker', runtime: 'runc' },
  { key: 'ballast-runc', letter: 'd', cli: 'ballast', runtime: 'runc' },
];

/** Does bin/ballast have container commands yet? */
export function ballastCliAvailable(): { ok: boolean; detail: string } {
  const r = spawnSync(cliBinary('ballast'), ['run', '--help'], {
    encoding: 'utf8',
    env: cliEnv('ballast', 'unix:///nonexistent/ballast.sock'),
    timeout: 30_000,
  });
  if (r.status === 0 && /Usage:\s+ballast run/.test(r.stdout)) return { ok: true, detail: 'bin/ballast run --help works' };
  return { ok: false, detail: `bin/ballast run --help: exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}` };
}

export interface TableOptions {
  fixtures?: Fixtures;
  /** Parallel cases per pass (default BALLAST_TEST_CONCURRENCY or 4). */
  concurrency?: number;
  /**
   * Cases use fixed names (the reference document's `my-volume`, `postgres` …): run them one
   * at a time and sweep every container, volume and non-fixture image after each.
   */
  serial?: boolean;
}

/** Declare the tests of one table: engine start/stop, the passes, one `it` per case and pass. */
export function runTable(title: string, cases: readonly Case[], opts: TableOptions = {}): void {
  const kind = targetKind();
  const only = process.env['BALLAST_TEST_CASES']?.split(',').map((s) => s.trim()).filter(Boolean);
  const passFilter = process.env['BALLAST_TEST_PASSES']?.split(',').map((s) => s.trim()).filter(Boolean);
  const allowMissingCli = process.env['BALLAST_ALLOW_MISSING_CLI'] === '1';
  const concurrency = opts.serial ? 1 : opts.concurrency ?? Number(process.env['BALLAST_TEST_CONCURRENCY'] ?? 4);
  const passes = ALL_PASSES.filter((p) => (kind === 'ballastd' || p.cli === 'docker') && (!passFilter || passFilter.includes(p.key)));
  const ids = new Set(cases.map((c) => c.id));
  assert.equal(ids.size, cases.length, `duplicate case ids in ${title}`);

  describe(`${title} → ${kind}`, () => {
    let engine: Engine | undefined;
    let fixtureError: unknown;
    let scratch = '';
    let ballastCli = { ok: false, detail: 'not probed' };

    before(async () => {
      scratch = makeTempDir('ballast-ctr');
      engine = await startTarget(kind);
      ballastCli = ballastCliAvailable();
      try {
        const how = await buildFixtures(engine, opts.fixtures ?? {});
        process.stderr.write(`# ${title}: fixtures built by ${how}\n`);
      } catch (e) {
        fixtureError = e;
      }
    });

    after(async () => {
      let problems: string[] = [];
      if (engine) {
        problems = await sweepEngine(engine).catch((e: unknown) => [String(e)]);
        const left = engine.kind === 'ballastd' ? processesMentioning([engine.root]).filter((p) => /conmon/.test(p)) : [];
        await engine.stop();
        const leaked = (engine as Engine & { leakedMounts?: string[] }).leakedMounts ?? [];
        if (leaked.length) problems.push(`mounts left under the engine tree at stop: ${leaked.join(', ')}`);
        if (left.length) problems.push(`conmon processes left after the last sweep: ${left.join('; ')}`);
      }
      if (scratch) {
        const leaked = removeTempDir(scratch);
        if (leaked.length) problems.push(`mounts left under the scratch tree: ${leaked.join(', ')}`);
      }
      if (problems.length) throw new Error(`${title}: cleanup problems:\n  ${problems.join('\n  ')}`);
    });

    for (const pass of passes) {
      const selected = cases.filter((c) => (!only || only.includes(c.id)) && (pass.runtime === 'default' || c.runc));
      if (selected.length === 0) continue;
      describe(`${pass.cli} CLI, runtime ${pass.runtime === 'default' ? 'default' : 'runc'}`, { concurrency }, () => {
        let snap: MountSnapshot | undefined;
        before(() => {
          snap = snapshotMounts();
        });
        after(async () => {
          if (!engine) return;
          const problems = await sweepEngine(engine);
          if (snap) {
            const old = new Set(snap.entries.map((m) => m.id));
            await waitUntil(() => mountsUnder(engine?.root ?? '/nonexistent').every((m) => old.has(m.id)), 5_000);
            const extra = [...mountsUnder(engine.root), ...mountsUnder(scratch)].filter((m) => !old.has(m.id));
            if (extra.length) problems.push(`mounts left after the pass:\n    ${extra.map(describeMount).join('\n    ')}`);
          }
          if (problems.length) throw new Error(`pass ${pass.key}: ${problems.join('\n  ')}`);
        });

        selected.forEach((c, i) => {
          it(`${c.id} ${c.title}`, { timeout: c.timeoutMs ?? 180_000 }, async (t) => {
            assert.ok(engine, 'engine did not start (see the before hook)');
            if (fixtureError) throw fixtureError;
            if (pass.cli === 'ballast' && !ballastCli.ok) {
              if (allowMissingCli) {
                t.skip(`bin/ballast has no container commands (${ballastCli.detail})`);
                return;
              }
              assert.fail(`bin/ballast has no container commands: ${ballastCli.detail} (BALLAST_ALLOW_MISSING_CLI=1 skips these)`);
            }
            await runOne(c, engine, pass, `_${pass.letter}${String(i).padStart(3, '0')}`, scratch, opts.serial ?? false);
          });
        });
      });
    }
  });
}

async function runOne(c: Case, engine: Engine, pass: Pass, tag: string, scratch: string, serial: boolean): Promise<void> {
  const W = join(scratch, `${c.id}${tag}`);
  mkdirSync(join(W, 'h'), { recursive: true });
  writeFileSync(join(W, 'h', 'hello.txt'), 'from-host\n');
  const ctx = makeCtx({ engine, cliKind: pass.cli, runtime: pass.runtime, tag, W });
  let failure: unknown;
  try {
    for (const s of c.setup ?? []) await runStep(s, ctx, true);
    for (const s of c.steps) await runStep(s, ctx, true);
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
  const problems: string[] = [];
  try {
    if (serial) {
      // Fixed names: remember every container id before the sweep, for the leak checks below.
      const list = parseJson((await engine.api.request('GET', '/containers/json?all=1')).body);
      for (const x of Array.isArray(list) ? list : []) {
        const id = pick(x, 'Id');
        if (typeof id === 'string') ctx.ids.add(id);
      }
      problems.push(...(await sweepEngine(engine)), ...(await removeImages(engine, (t) => !isFixture(t))));
    } else {
      problems.push(...(await cleanupCase(ctx)));
    }
  } catch (e) {
    problems.push(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Nothing may still name one of the case's containers or tagged volumes: no mount, no conmon.
  const needles = [...ctx.ids, ...[...ctx.ids].map((id) => id.slice(0, 12)), tag].filter((n) => n.length >= 5);
  await waitUntil(() => mountsMentioning(needles).length === 0 && processesMentioning(ctx.ids.size ? [...ctx.ids] : []).length === 0, 5_000);
  const mounts = [...new Map([...mountsMentioning(needles), ...mountsUnder(W)].map((m) => [m.id, m])).values()];
  if (mounts.length) problems.push(`mounts left behind:\n    ${mounts.map(describeMount).join('\n    ')}`);
  const procs = processesMentioning([...ctx.ids]);
  if (procs.length) problems.push(`processes left behind:\n    ${procs.join('\n    ')}`);
  const leaked = removeTempDir(W);
  if (leaked.length && !mounts.length) problems.push(`mounts left under $W: ${leaked.join(', ')}`);
  if (failure === undefined && problems.length) failure = new Error(`case left things behind:\n  ${problems.join('\n  ')}`);
  else if (failure instanceof Error && problems.length) failure.message += `\n(also left behind:\n  ${problems.join('\n  ')})`;
  if (failure !== undefined) {
    throw failure;
  }
}
