/**
 * Shared by the examples-*.test.ts files: an engine with the example images imported, running an
 * examples/*.sh script against it, free ports, and a host psql for load that does not go through
 * the engine.
 *
 * The engine is ballastd (driven by `bin/ballast`), or with BALLAST_TEST_AGAINST=dockerd the
 * reference dockerd (driven by the docker CLI) — the same scripts and assertions, to show the
 * expectations are Docker's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Cli, type CliKind } from '../helpers/cli.js';
import type { RestartableEngine } from '../helpers/engine.js';
import { resetEngine } from '../helpers/table.js';
import { startTarget, targetKind } from '../helpers/target.js';
import { repoRoot, sleep } from '../helpers/tmp.js';

export type ImageName = 'postgres' | 'nginx' | 'node' | 'busybox';

/** How long a first, uncached image build may take (CI starts from an empty cache). */
export const BUILD_TIMEOUT_MS = 20 * 60_000;

export interface ExampleEnv {
  engine: RestartableEngine;
  /** The client the scripts and assertions use: ballast for ballastd, docker for dockerd. */
  cli: Cli;
  cliKind: CliKind;
}

export function clientKind(): CliKind {
  return targetKind() === 'dockerd' ? 'docker' : 'ballast';
}

/** Start the target engine and import `images` into it with scripts/build-images.sh. */
export async function startWithImages(images: readonly ImageName[]): Promise<ExampleEnv> {
  const engine = await startTarget();
  const cliKind = clientKind();
  try {
    await importImages(engine, cliKind, images);
  } catch (e) {
    await engine.stop().catch(() => undefined);
    throw e;
  }
  return { engine, cli: new Cli(cliKind, engine.host), cliKind };
}

/** Build (cached) and import images into `engine` through the one command users run. */
export async function importImages(engine: { host: string }, kind: CliKind, images: readonly ImageName[]): Promise<void> {
  const r = await runProcess(join(repoRoot(), 'scripts/build-images.sh'), [...images], {
    env: hostEnv(kind, engine.host, { BALLAST_IMAGES_CLIENT: kind }),
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (r.code !== 0) throw new Error(`scripts/build-images.sh ${images.join(' ')}: exit ${r.code}\n${r.output}`);
}

/** The rootfs tarballs (built if needed): image name → tarball path. */
export async function imageTarballs(images: readonly ImageName[]): Promise<Map<ImageName, string>> {
  const r = await runProcess(join(repoRoot(), 'scripts/build-images.sh'), ['--no-import', '--print', ...images], {
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (r.code !== 0) throw new Error(`build-images --print: exit ${r.code}\n${r.output}`);
  const out = new Map<ImageName, string>();
  for (const line of r.stdout.split('\n')) {
    const [name, , tar] = line.split(' ');
    if (name && tar) out.set(name as ImageName, tar);
  }
  return out;
}

function hostEnv(kind: CliKind, host: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8', NO_COLOR: '1', ...extra };
  delete env['DOCKER_HOST'];
  delete env['BALLAST_HOST'];
  if (kind === 'docker') {
    env['DOCKER_HOST'] = host;
    env['DOCKER_CONFIG'] = '/tmp/ballast-it-docker-config';
  }
  // The example scripts read BALLAST_HOST for either client (docker mode sets DOCKER_HOST from it).
  env['BALLAST_HOST'] = host;
  return env;
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came. */
  output: string;
}

export function runProcess(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; stdin?: string } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => { out.push(b); all.push(b); });
    child.stderr.on('data', (b: Buffer) => { err.push(b); all.push(b); });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        output: Buffer.concat(all).toString('utf8') + (signal ? `\n[killed by ${signal}]` : ''),
      }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface ExampleRun {
  /** The project directory the script worked in (its `$(pwd)`). */
  dir: string;
  output: string;
}

/**
 * Run examples/<script> against the engine with KEEP=1 (containers, volumes and files stay for
 * the test's own checks); throws with the script's output unless it exits 0.
 */
export async function runExample(
  env: ExampleEnv,
  script: string,
  extra: Record<string, string> = {},
  cliKind: CliKind = env.cliKind,
): Promise<ExampleRun> {
  const dir = mkdtempSync('/tmp/ballast-ex-');
  const r = await runProcess(join(repoRoot(), 'examples', script), [], {
    env: hostEnv(cliKind, env.engine.host, { EXAMPLE_DIR: dir, KEEP: '1', EXAMPLE_CLI: cliKind, ...extra }),
    timeoutMs: 10 * 60_000,
  });
  if (r.code !== 0) {
    throw new Error(`examples/${script} (${cliKind}): exit ${r.code}\n${r.output}\n--- ${env.engine.kind} log (tail) ---\n${env.engine.logs().split('\n').slice(-20).join('\n')}`);
  }
  return { dir, output: r.output };
}

/** Remove every container and volume (and the project directory) after an example. */
export async function cleanupExample(env: ExampleEnv, run: ExampleRun | undefined): Promise<void> {
  await resetEngine(env.engine);
  if (run) rmSync(run.dir, { recursive: true, force: true });
}

/** A TCP port nothing listens on right now (IPv4 and IPv6), for --network host servers. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '0.0.0.0', () => {
        const a = srv.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        srv.close(() => resolve(p));
      });
    });
    const ok6 = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '::', () => srv.close(() => resolve(true)));
    });
    if (port > 0 && ok6) return port;
  }
  throw new Error('no free port');
}

/** The host's psql (postgresql-client, installed when missing): load that bypasses the engine. */
export function hostPsql(): string {
  const find = (): string | undefined => {
    for (const p of ['/usr/bin/psql', '/usr/local/bin/psql']) if (existsSync(p)) return p;
    return undefined;
  };
  const found = find();
  if (found) return found;
  spawnSync('apt-get', ['install', '-y', 'postgresql-client'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const after = find();
  if (!after) throw new Error('psql missing and apt-get install -y postgresql-client failed');
  return after;
}

/** `psql -h 127.0.0.1 -p <port> -U postgres -tAc <sql>` from the host; resolves with the result. */
export function psqlTcp(port: number, sql: string, password = 'secret', timeoutMs = 15_000): Promise<ProcessResult> {
  return runProcess(hostPsql(), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc', sql], {
    env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
    timeoutMs,
  });
}

/** Poll `exec <ctr> pg_isready` until the real server accepts connections. */
export async function waitForPostgres(cli: Cli, container: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await cli.run(['exec', container, 'pg_isready', '-U', 'postgres', '-q']);
    if (r.code === 0) return;
    last = `exit ${r.code}: ${r.stderr.trim()}`;
    const st = await cli.run(['inspect', '-f', '{{.State.Running}}', container]);
    if (st.stdout.trim() === 'false') {
      const logs = await cli.run(['logs', container]);
      throw new Error(`${container} exited before accepting connections\n${logs.stdout}${logs.stderr}`);
    }
    await sleep(200);
  }
  const logs = await cli.run(['logs', container]);
  throw new Error(`${container} not ready within ${timeoutMs} ms (${last})\n${logs.stdout}${logs.stderr}`);
}

/** `exec <ctr> psql -U postgres [-d db] -tAc <sql>`, trimmed stdout; throws on failure. */
export async function execSql(cli: Cli, container: string, sql: string, db = 'postgres'): Promise<string> {
  const r = await cli.ok(['exec', container, 'psql', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-tAc', sql]);
  return r.stdout.trim();
}

/** The 64-hex container ids a script printed (the output of `run -d`/`create`), in order. */
export function printedIds(output: string): string[] {
  return [...output.matchAll(/^\s*([0-9a-f]{64})\s*$/gm)].map((m) => m[1] ?? '');
}

/**
 * One line per entry below `dir` (path, type, mode, owner, size + sha256 of files, symlink
 * target), sorted: equal manifests mean the same names, types, modes, owners and bytes.
 * `owners: false` leaves owners out (cp into a container makes everything root's).
 */
export function manifest(dir: string, opts: { owners?: boolean } = {}): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const full = join(dir, p);
      const st = lstatSync(full);
      const owner = opts.owners === false ? '' : ` ${st.uid}:${st.gid}`;
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`${p} l${owner} -> ${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.push(`${p} d ${mode}${owner}`);
        walk(p);
      } else if (st.isFile()) {
        out.push(`${p} f ${mode}${owner} ${st.size} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`);
      } else out.push(`${p} ? ${mode}${owner}`);
    }
  };
  walk('');
  return out.sort();
}
