/**
 * Start-up reconciliation of kernel objects (network-recipe §7): whatever
 * carries this instance's names or aliases but is not owned by the state is
 * removed. Also collects the leftovers of dead engine instances (another
 * root whose directory no longer exists), recorded in a small registry under
 * /run/ballast/net.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { messageOf } from '../domain/errors.js';
import { listLinks, listNetns } from './kernel.js';
import { NetNaming, netnsTagOf, parseAlias } from './names.js';
import { deleteLink, deleteNetns } from './plumbing.js';
import { dropTable } from './nft-table.js';

export const REGISTRY_DIR = '/run/ballast/net';

export interface OwnedObjects {
  /** Namespace names to keep. */
  netns: ReadonlySet<string>;
  /** Network ids whose bridges stay. */
  networks: ReadonlySet<string>;
  /** `${containerId}:${networkId}` of live endpoints. */
  endpoints: ReadonlySet<string>;
}

export interface Removed {
  netns: string[];
  veths: string[];
  bridges: string[];
}

export async function removeOrphans(naming: NetNaming, owned: OwnedObjects, log: Logger): Promise<Removed> {
  const removed: Removed = { netns: [], veths: [], bridges: [] };
  for (const ns of await listNetns()) {
    if (naming.ownsNetns(ns) === undefined || owned.netns.has(ns)) continue;
    await deleteNetns(ns).then(
      () => removed.netns.push(ns),
      (e: unknown) => log.warn('removing orphan netns failed', { netns: ns, error: messageOf(e) }),
    );
  }
  const links = await listLinks().catch(() => []);
  for (const l of links) {
    const a = parseAlias(l.ifalias);
    if (!a || a.instance !== naming.instance || a.kind !== 'ep') continue;
    if (owned.endpoints.has(`${a.containerId}:${a.networkId}`)) continue;
    await deleteLink(l.ifname).then(
      () => removed.veths.push(l.ifname),
      (e: unknown) => log.warn('removing orphan veth failed', { link: l.ifname, error: messageOf(e) }),
    );
  }
  for (const l of links) {
    const a = parseAlias(l.ifalias);
    if (!a || a.instance !== naming.instance || a.kind !== 'br' || owned.networks.has(a.networkId)) continue;
    await deleteLink(l.ifname).then(
      () => removed.bridges.push(l.ifname),
      (e: unknown) => log.warn('removing orphan bridge failed', { link: l.ifname, error: messageOf(e) }),
    );
  }
  return removed;
}

/** Records this instance (tag → root) so a later engine can collect its leftovers once the root is gone. */
export function registerInstance(naming: NetNaming, root: string): void {
  if (!naming.tag) return;
  mkdirSync(REGISTRY_DIR, { recursive: true, mode: 0o755 });
  writeFileSync(join(REGISTRY_DIR, naming.tag), root);
}

export function unregisterInstance(naming: NetNaming): void {
  if (!naming.tag) return;
  rmSync(join(REGISTRY_DIR, naming.tag), { force: true });
}

/** Removes every kernel object of an instance: its namespaces, links and table. */
export async function removeInstanceObjects(naming: NetNaming, log: Logger): Promise<void> {
  for (const ns of await listNetns()) {
    if (naming.ownsNetns(ns) !== undefined) await deleteNetns(ns).catch((e: unknown) => log.warn('netns delete failed', { netns: ns, error: messageOf(e) }));
  }
  const links = await listLinks().catch(() => []);
  // veths first (bridges would take their ports down with them anyway)
  for (const kind of ['ep', 'br'] as const) {
    for (const l of links) {
      const a = parseAlias(l.ifalias);
      if (a && a.instance === naming.instance && a.kind === kind) await deleteLink(l.ifname).catch(() => undefined);
    }
  }
  await dropTable(naming.table);
}

/** The same, synchronously, for an engine's last moments (no namespaces expected: nothing runs). */
export function removeInstanceObjectsSync(naming: NetNaming): void {
  const r = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' });
  const links = r.status === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as Array<{ ifname: string; ifalias?: string }>) : [];
  for (const kind of ['ep', 'br'] as const) {
    for (const l of links) {
      const a = parseAlias(l.ifalias);
      if (a && a.instance === naming.instance && a.kind === kind) spawnSync('ip', ['link', 'del', 'dev', l.ifname]);
    }
  }
  spawnSync('nft', ['delete', 'table', 'inet', naming.table]);
}

/** Collects instances whose root directory is gone (temporary roots of finished tests, mostly). */
export async function collectDeadInstances(self: NetNaming, log: Logger): Promise<string[]> {
  let tags: string[];
  try {
    tags = readdirSync(REGISTRY_DIR);
  } catch {
    return [];
  }
  const collected: string[] = [];
  for (const tag of tags) {
    if (tag === self.tag || !/^[0-9a-f]{6}$/.test(tag)) continue;
    let root = '';
    try {
      root = readFileSync(join(REGISTRY_DIR, tag), 'utf8').trim();
    } catch {
      continue;
    }
    if (root && existsSync(root)) continue;
    await removeInstanceObjects(new NetNaming(tag), log);
    rmSync(join(REGISTRY_DIR, tag), { force: true });
    collected.push(tag);
  }
  return collected;
}

export { netnsTagOf };
