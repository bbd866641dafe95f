/**
 * Connecting to the daemon. Like the docker CLI, every invocation pings first
 * and uses min(daemon's Api-Version, ours). When nobody answers on the
 * DEFAULT socket, a daemon is started in the background and the user is told
 * so on stderr; an explicitly chosen host is never started behind their back.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiClient, ConnectionError } from '../client/api-client.js';
import { SystemApi } from '../client/system.js';

/** The newest API version this CLI speaks. */
export const CLIENT_MAX_API_VERSION = '1.43';

export interface ConnectOptions {
  explicitHost: string | undefined;
  defaultHost: string;
  daemonEntry: string;
  program: string;
  notice: (line: string) => void;
}

function socketOf(host: string): string {
  if (host.startsWith('unix://')) return host.slice(7);
  if (host.startsWith('/')) return host;
  throw new Error(`unsupported host "${host}": only unix:///path sockets are supported`);
}

function minVersion(a: string, b: string): string {
  const n = (v: string) => {
    const [x, y] = v.split('.').map(Number);
    return (x ?? 0) * 1000 + (y ?? 0);
  };
  return n(a) <= n(b) ? a : b;
}

async function negotiate(socketPath: string): Promise<ApiClient> {
  const probe = new ApiClient(socketPath, CLIENT_MAX_API_VERSION);
  try {
    const { apiVersion } = await new SystemApi(probe).ping();
    probe.close();
    return new ApiClient(socketPath, minVersion(apiVersion ?? '1.24', CLIENT_MAX_API_VERSION));
  } catch (e) {
    probe.close();
    throw e;
  }
}

export async function connect(opts: ConnectOptions): Promise<ApiClient> {
  const host = opts.explicitHost || opts.defaultHost;
  const socketPath = socketOf(host);
  try {
    return await negotiate(socketPath);
  } catch (e) {
    if (!(e instanceof ConnectionError) || opts.explicitHost) throw e;
  }
  const logPath = `${dirname(socketPath)}/ballastd.log`;
  mkdirSync(dirname(socketPath), { recursive: true });
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [opts.daemonEntry, '--host', host], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  opts.notice(`${opts.program}: no daemon answered on ${host}; started ballastd (pid ${child.pid}, log ${logPath})`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await negotiate(socketPath);
    } catch (e) {
      if (!(e instanceof ConnectionError) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
