/**
 * ballastd: the engine plus the Docker Engine API server on a unix socket.
 *   ballastd [--root DIR] [--host unix:///path.sock] [--log-level debug|info|warn|error]
 * BALLAST_ROOT and BALLAST_HOST override the defaults; flags override both.
 */
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { jsonLogger, type LogLevel } from '../lib/logger.js';
import { Engine } from '../engine/engine.js';
import { buildRouter } from '../api/api.js';
import { createApiServer } from '../api/server.js';
import { DEFAULT_API_VERSION, MAX_API_VERSION, compareVersions } from '../api/version.js';
import { messageOf } from '../domain/errors.js';
import { createLocalDriver } from '../storage/volumes/local-driver.js';
import { BALLAST_VERSION, DEFAULT_HOST, DEFAULT_ROOT, socketPathOf } from './config.js';

interface DaemonArgs {
  root: string;
  host: string;
  logLevel: LogLevel;
}

function parseArgs(argv: string[]): DaemonArgs {
  const args: DaemonArgs = {
    root: process.env['BALLAST_ROOT'] || DEFAULT_ROOT,
    host: process.env['BALLAST_HOST'] || DEFAULT_HOST,
    logLevel: (process.env['BALLAST_LOG_LEVEL'] as LogLevel | undefined) ?? 'info',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`flag needs an argument: ${flag}`);
      return v;
    };
    switch (flag) {
      case '--root':
      case '--data-root':
        args.root = value();
        break;
      case '-H':
      case '--host':
        args.host = value();
        break;
      case '--log-level':
      case '-l':
        args.logLevel = value() as LogLevel;
        break;
      case '--version':
      case '-v':
        process.stdout.write(`ballastd version ${BALLAST_VERSION}\n`);
        process.exit(0);
        break;
      case '--help':
      case '-h':
        process.stdout.write(
          'Usage: ballastd [--root DIR] [--host unix:///path.sock] [--log-level LEVEL]\n\n' +
            'The ballast engine and its Docker Engine API server.\n',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag: ${a}`);
    }
  }
  args.root = resolve(args.root);
  return args;
}

async function main(): Promise<void> {
  let args: DaemonArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`ballastd: ${messageOf(e)}\n`);
    process.exit(125);
  }
  const log = jsonLogger((line) => process.stderr.write(line), args.logLevel);
  const socketPath = socketPathOf(args.host);
  const requested = process.env['BALLAST_API_VERSION'];
  const apiVersion =
    requested && compareVersions(requested, MAX_API_VERSION) <= 0 ? requested : DEFAULT_API_VERSION;

  let engine: Engine;
  try {
    engine = await Engine.open({ root: args.root, log, drivers: [createLocalDriver()] });
  } catch (e) {
    process.stderr.write(`ballastd: ${messageOf(e)}\n`);
    process.exit(1);
  }

  const router = buildRouter(engine, { version: BALLAST_VERSION, apiVersion, gitCommit: '' });
  const server = createApiServer({
    router,
    log,
    apiVersion,
    serverHeader: `Ballast/${BALLAST_VERSION} (linux)`,
  });
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o755 });
  try {
    unlinkSync(socketPath); // we hold the root's lock, so a socket here is stale
  } catch {
    /* none */
  }
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolveListen());
  });
  chmodSync(socketPath, 0o660);
  log.info('ballastd started', { root: args.root, socket: socketPath, pid: process.pid, apiVersion });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('ballastd stopping', { signal });
    server.close();
    server.closeAllConnections();
    try {
      unlinkSync(socketPath);
    } catch {
      /* already gone */
    }
    engine.close();
    log.info('ballastd stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
