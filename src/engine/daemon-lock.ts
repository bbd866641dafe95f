/**
 * One daemon per engine root. The lock is an abstract unix socket named after
 * the root: the kernel releases it when the process dies, even on kill -9, so
 * there is never a stale lock to clean.
 */
import { createServer, type Server } from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../domain/errors.js';
import { writeFileDurable } from '../lib/durable.js';

export interface DaemonLock {
  release(): void;
}

export async function acquireDaemonLock(root: string): Promise<DaemonLock> {
  const name = '\0ballastd-' + createHash('sha256').update(root).digest('hex').slice(0, 32);
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        let pid = '?';
        try {
          pid = readFileSync(join(root, 'ballastd.pid'), 'utf8').trim();
        } catch {
          /* unknown */
        }
        reject(
          new EngineError(
            'conflict',
            `another ballastd (pid ${pid}) is already running with root ${root}; stop it first or choose another root with --root / BALLAST_ROOT`,
          ),
        );
      } else reject(e);
    });
    server.listen(name, () => resolve());
  });
  writeFileDurable(join(root, 'ballastd.pid'), `${process.pid}\n`, 0o644);
  server.unref();
  return { release: () => server.close() };
}
