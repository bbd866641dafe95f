/**
 * Running a client against a daemon: our `bin/ballast` (BALLAST_HOST) or the stock docker CLI
 * (DOCKER_HOST), with optional stdin, collecting exit code, stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { binPath } from './tmp.js';

export type CliKind = 'ballast' | 'docker';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the process was killed (for example by the timeout). */
  signal: NodeJS.Signals | null;
}

export interface CliRunOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export const DOCKER_CLI = '/usr/local/bin/docker';

export function cliBinary(kind: CliKind): string {
  return kind === 'ballast' ? binPath('ballast') : existsSync(DOCKER_CLI) ? DOCKER_CLI : 'docker';
}

/** Environment for a client: only the variable that client reads points at `host`. */
export function cliEnv(kind: CliKind, host: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_API_VERSION', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'BALLAST_HOST']) {
    delete env[k];
  }
  if (kind === 'ballast') {
    env['BALLAST_HOST'] = host;
  } else {
    env['DOCKER_HOST'] = host;
    // A private, empty config dir: no contexts, credential helpers or CLI plugins from the machine.
    const cfg = '/tmp/ballast-it-docker-config';
    mkdirSync(cfg, { recursive: true });
    env['DOCKER_CONFIG'] = cfg;
  }
  // Stable, untranslated output; no colours or progress bars.
  env['LC_ALL'] = 'C.UTF-8';
  env['NO_COLOR'] = '1';
  return { ...env, ...extra };
}

export function runCli(kind: CliKind, host: string, args: readonly string[], opts: CliRunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cliBinary(kind), args, {
      env: cliEnv(kind, host, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? -1,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    // The CLI may exit without reading stdin (EPIPE is not a test failure).
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

/** A client bound to one daemon. */
export class Cli {
  constructor(readonly kind: CliKind, readonly host: string) {}

  run(args: readonly string[], opts: CliRunOptions = {}): Promise<CliResult> {
    return runCli(this.kind, this.host, args, opts);
  }

  /** Run and throw (with both streams) unless the exit code is 0. */
  async ok(args: readonly string[], opts: CliRunOptions = {}): Promise<CliResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) {
      throw new Error(`${this.kind} ${args.join(' ')}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    }
    return r;
  }
}
