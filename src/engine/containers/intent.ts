/**
 * Incomplete markers of a container's create and remove: `containers/<id>/intent.json`, written
 * before the first side effect and cleared after the last, so start-up reconciliation can tell a
 * half-made or half-removed container from a finished one and undo (create) or finish (remove)
 * it. A create's marker names the anonymous volumes it made: nobody else knows them yet.
 *
 * The write is not fsynced: the next SQLite commit of the operation (synchronous=FULL, same
 * filesystem) commits the journal that holds the marker's creation, and a kill -9 loses nothing
 * written before it. Clearing is fsynced: after a power loss a marker that came back would undo
 * a create the client was told about.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncPath } from '../../lib/durable.js';
import { hasCode } from '../../lib/node-errors.js';

export type ContainerIntent =
  | { op: 'create'; anonymousVolumes: string[] }
  /** `anonymousVolumes`: what `rm -v` (or --rm) removes after the container. */
  | { op: 'remove'; anonymousVolumes: string[] };

const FILE = 'intent.json';

export function writeIntent(containerDir: string, intent: ContainerIntent): void {
  writeFileSync(join(containerDir, FILE), JSON.stringify(intent), { mode: 0o600 });
}

/**
 * The marker, or null when there is none. A torn or unreadable marker still means "unfinished":
 * it is read as a create that made no volume (undoing it is the safe side).
 */
export function readIntent(containerDir: string): ContainerIntent | null {
  let text: string;
  try {
    text = readFileSync(join(containerDir, FILE), 'utf8');
  } catch (e) {
    if (hasCode(e, 'ENOENT', 'ENOTDIR')) return null;
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<{ op: string; anonymousVolumes: unknown }>;
    const names = Array.isArray(v.anonymousVolumes) ? v.anonymousVolumes.filter((n): n is string => typeof n === 'string') : [];
    if (v.op === 'remove' || v.op === 'create') return { op: v.op, anonymousVolumes: names };
  } catch {
    /* torn */
  }
  return { op: 'create', anonymousVolumes: [] };
}

export function clearIntent(containerDir: string): void {
  try {
    unlinkSync(join(containerDir, FILE));
  } catch (e) {
    if (hasCode(e, 'ENOENT')) return;
    throw e;
  }
  fsyncPath(containerDir);
}
