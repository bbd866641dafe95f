/**
 * Which engine a test file runs against: ballastd (default) or, with BALLAST_TEST_AGAINST=dockerd,
 * the reference dockerd — to prove that the expectations are Docker's.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CliKind } from './cli.js';
import { Ballastd } from './daemon.js';
import { Dockerd } from './dockerd.js';
import type { EngineKind, RestartableEngine } from './engine.js';

export function targetKind(): EngineKind {
  const v = process.env['BALLAST_TEST_AGAINST'] ?? 'ballastd';
  if (v !== 'ballastd' && v !== 'dockerd') throw new Error(`BALLAST_TEST_AGAINST must be ballastd or dockerd, not ${v}`);
  return v;
}

export function startTarget(kind: EngineKind = targetKind()): Promise<RestartableEngine> {
  return kind === 'dockerd' ? Dockerd.start() : Ballastd.start();
}

/** The clients to drive a target with: both CLIs for ballastd, the docker CLI for dockerd. */
export function clientsFor(kind: EngineKind): CliKind[] {
  return kind === 'dockerd' ? ['docker'] : ['ballast', 'docker'];
}

/**
 * Volume directories on disk: every directory entry of `<root>/volumes` except names starting
 * with '.' (temporaries) and non-directories (dockerd's metadata.db and backingFsBlockDev).
 */
export function volumeDirsOnDisk(root: string): string[] {
  const dir = join(root, 'volumes');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.') && statSync(join(dir, n), { throwIfNoEntry: false })?.isDirectory()).sort();
}
