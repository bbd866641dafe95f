/**
 * The "no leaks" checks of the leaks-*.test.ts files (issue 3, item 7). Not a test file itself.
 *
 * `inventory(d, seen)` reads, without going through the daemon, everything a container can leave
 * on the host: mounts and overlays (/proc/self/mountinfo), cgroups (/sys/fs/cgroup/<h>/ballast/<id>
 * in every hierarchy, the unified one included), conmon and other processes naming the root,
 * runtime state (<root>/runtime/{crun,runc}/<id>), exit files (<root>/runtime/exits/<id>), rows
 * (containers, volume_users, volume_mount_holders, network_attachments in state/ballast.db,
 * opened read-only), containers/<id> directories and network namespaces.
 * `leaks(inv)` lists what is not accounted for by a container row (or, for running ones, a
 * running container). `assertNoLeaks()` polls that list for a few seconds (asynchronous cleanup
 * of an exit may still be under way right after an answer) and fails with all of it.
 *
 * cgroups under /ballast are shared by every daemon on the host (other test files run at the same
 * time), so they are only judged for ids this test has seen: `noteIdsOnDisk()` collects the ids
 * found in the root after every kill, before the restarted daemon gets a chance to clean them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ballastd } from '../helpers/daemon.js';
import { Cli } from '../helpers/cli.js';
import { importSpecFull } from '../helpers/images.js';
import { readMounts, type MountEntry } from '../helpers/mounts.js';
import type { Json } from '../helpers/http.js';
import { sleep } from '../helpers/tmp.js';

export const HEX64 = /^[0-9a-f]{64}$/;
const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP_PARENT = 'ballast';

export interface Row {
  id: string;
  name: string;
  running: boolean;
  status: string;
  exitCode: number;
  runtime: string;
}

export interface Inventory {
  rows: Map<string, Row>;
  volumeUsers: Array<{ volume: string; container: string }>;
  holders: Array<{ volume: string; holder: string }>;
  attachments: string[];
  containerDirs: string[];
  runtimeState: Array<{ runtime: string; id: string }>;
  exitFiles: string[];
  mounts: MountEntry[];
  /** Overlays anywhere whose upperdir lies under the root. */
  overlays: MountEntry[];
  conmons: Array<{ pid: number; id: string }>;
  /** Other live processes whose command line names the root (crun, runc, umount …), daemon excluded. */
  strays: Array<{ pid: number; cmd: string }>;
  /** cgroup directories of seen ids, in any hierarchy. */
  cgroups: string[];
  netns: string[];
  /** Volumes whose driver mount is up (a mount at volumes/<name>/_data). */
  mountedVolumes: string[];
}

// ------------------------------------------------------------------------------------------------
// Daemon with the fixture image
// ------------------------------------------------------------------------------------------------

export interface World {
  d: Ballastd;
  cli: Cli;
  /** Every container id this test has seen (API answers and what was on disk after a kill). */
  seen: Set<string>;
  /** The file the daemon's crash points read (BALLAST_CRASH_POINT_FILE). */
  crashFile: string;
}

export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  // Outside the daemon's temp tree, whose name is only known once it runs; absent = no crash point armed.
  const crashFile = `/tmp/ballast-leaks-crash-${process.pid}-${Math.random().toString(16).slice(2)}`;
  const d = await Ballastd.start({ env: { ...env, BALLAST_CRASH_POINT_FILE: crashFile }, stopTimeoutMs: 30_000 });
  const cli = new Cli('ballast', d.host);
  const r = await importSpecFull(cli);
  if (!r.ok) {
    await d.stop();
    throw new Error(`import spec-full: ${r.detail}`);
  }
  return { d, cli, seen: new Set(), crashFile };
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  spawnSync('rm', ['-f', w.crashFile]);
  await w.d.stop();
}

// ------------------------------------------------------------------------------------------------
// API shortcuts
// ------------------------------------------------------------------------------------------------

export interface Answer {
  status: number;
  body: string;
  json: Json;
}

export async function api(w: World, method: string, path: string, body?: Json, timeoutMs = 60_000): Promise<Answer> {
  const r = await w.d.api.request(method, path.startsWith('/v1.') ? path : `/v1.41${path}`, body === undefined ? { timeoutMs } : { body, timeoutMs });
  let json: Json = null;
  try {
    json = r.body ? (JSON.parse(r.body) as Json) : null;
  } catch {
    json = r.body;
  }
  return { status: r.status, body: r.body, json };
}

export function field(j: Json, ...path: string[]): Json {
  let cur: Json = j;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return null;
    cur = (cur as { [key: string]: Json })[k] ?? null;
  }
  return cur;
}

/** POST /containers/create; returns the id (and notes it as seen). */
export async function createContainer(w: World, body: { [key: string]: Json }, name?: string): Promise<string> {
  const r = await api(w, 'POST', `/containers/create${name ? `?name=${name}` : ''}`, body);
  if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
  const id = field(r.json, 'Id') as string;
  w.seen.add(id);
  return id;
}

export async function inspectState(w: World, id: string): Promise<{ status: string; running: boolean; exitCode: number; error: string } | null> {
  const r = await api(w, 'GET', `/containers/${id}/json`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new Error(`inspect ${id}: ${r.status} ${r.body}`);
  return {
    status: field(r.json, 'State', 'Status') as string,
    running: field(r.json, 'State', 'Running') as boolean,
    exitCode: field(r.json, 'State', 'ExitCode') as number,
    error: field(r.json, 'State', 'Error') as string,
  };
}

// ------------------------------------------------------------------------------------------------
// Inventory
// ------------------------------------------------------------------------------------------------

function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function readRows(root: string): Pick<Inventory, 'rows' | 'volumeUsers' | 'holders' | 'attachments'> {
  const path = join(root, 'state', 'ballast.db');
  const out: Pick<Inventory, 'rows' | 'volumeUsers' | 'holders' | 'attachments'> = {
    rows: new Map(),
    volumeUsers: [],
    holders: [],
    attachments: [],
  };
  if (!existsSync(path)) return out;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    for (const r of db.prepare('SELECT id, name, state, runtime FROM containers').all() as Array<{ id: string; name: string; state: string; runtime: string }>) {
      const st = JSON.parse(r.state) as { Running: boolean; Status: string; ExitCode: number };
      out.rows.set(r.id, { id: r.id, name: r.name, running: st.Running, status: st.Status, exitCode: st.ExitCode, runtime: r.runtime });
    }
    out.volumeUsers = (db.prepare('SELECT volume, container_id AS container FROM volume_users').all() as Array<{ volume: string; container: string }>);
    out.holders = db.prepare('SELECT volume, holder FROM volume_mount_holders').all() as Array<{ volume: string; holder: string }>;
    try {
      out.attachments = (db.prepare('SELECT DISTINCT container_id AS id FROM network_attachments').all() as Array<{ id: string }>).map((r) => r.id);
    } catch {
      /* no networking schema */
    }
  } finally {
    db.close();
  }
  return out;
}

function cmdlineOf(pid: string): string[] | null {
  try {
    if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return null; // a zombie is gone for our purposes
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return null;
  }
}

function processesNaming(root: string, daemonPid: number | undefined): { conmons: Inventory['conmons']; strays: Inventory['strays'] } {
  const conmons: Inventory['conmons'] = [];
  const strays: Inventory['strays'] = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const pid = Number(ent);
    if (pid === process.pid || pid === daemonPid) continue;
    const argv = cmdlineOf(ent);
    if (!argv || !argv.some((a) => a.includes(`${root}/`))) continue;
    if ((argv[0] ?? '').endsWith('conmon')) {
      const i = argv.indexOf('-c');
      conmons.push({ pid, id: i >= 0 ? (argv[i + 1] ?? '?') : '?' });
    } else {
      strays.push({ pid, cmd: argv.join(' ').slice(0, 300) });
    }
  }
  return { conmons, strays };
}

function cgroupDirsOf(ids: Iterable<string>): string[] {
  const out: string[] = [];
  const hierarchies = listDir(CGROUP_ROOT)
    .map((h) => join(CGROUP_ROOT, h))
    .filter((h) => existsSync(join(h, CGROUP_PARENT)));
  if (existsSync(join(CGROUP_ROOT, CGROUP_PARENT))) hierarchies.push(CGROUP_ROOT); // unified host
  for (const id of ids) {
    for (const h of hierarchies) {
      const p = join(h, CGROUP_PARENT, id);
      if (existsSync(p)) out.push(p);
    }
  }
  return out;
}

function netnsTag(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 6);
}

export function inventory(w: World): Inventory {
  const root = w.d.root;
  const rows = readRows(root);
  const mounts = readMounts();
  const { conmons, strays } = processesNaming(root, w.d.pid);
  const ids = new Set([...w.seen, ...rows.rows.keys()]);
  const tag = netnsTag(root);
  const volumesDir = join(root, 'volumes');
  return {
    ...rows,
    containerDirs: listDir(join(root, 'containers')),
    runtimeState: ['crun', 'runc'].flatMap((rt) => listDir(join(root, 'runtime', rt)).map((id) => ({ runtime: rt, id }))),
    exitFiles: listDir(join(root, 'runtime', 'exits')),
    mounts: mounts.filter((m) => m.mountPoint === root || m.mountPoint.startsWith(`${root}/`)),
    overlays: mounts.filter((m) => m.fsType === 'overlay' && m.superOptions.includes(`upperdir=${root}/`)),
    conmons,
    strays,
    cgroups: cgroupDirsOf(ids),
    netns: listDir('/run/netns').filter((n) => n.startsWith(`ballast-${tag}-`)),
    mountedVolumes: mounts
      .filter((m) => m.mountPoint.startsWith(`${volumesDir}/`) && m.mountPoint.endsWith('/_data'))
      .map((m) => m.mountPoint.slice(volumesDir.length + 1, -'/_data'.length)),
  };
}

/** Ids found in the root: container dirs, runtime state, exit files. Call right after a kill. */
export function noteIdsOnDisk(w: World): void {
  const root = w.d.root;
  for (const id of listDir(join(root, 'containers'))) if (HEX64.test(id)) w.seen.add(id);
  for (const rt of ['crun', 'runc']) for (const id of listDir(join(root, 'runtime', rt))) if (HEX64.test(id)) w.seen.add(id);
  for (const id of listDir(join(root, 'runtime', 'exits'))) if (HEX64.test(id)) w.seen.add(id);
  for (const r of readRows(root).rows.keys()) w.seen.add(r);
}

/** Everything not accounted for: one line per leak. */
export function leaks(w: World, inv: Inventory = inventory(w)): string[] {
  const root = w.d.root;
  const out: string[] = [];
  const known = inv.rows;
  const running = new Set([...known.values()].filter((r) => r.running).map((r) => r.id));
  const heldVolumes = new Set(inv.holders.map((h) => h.volume));

  for (const u of inv.volumeUsers) if (!known.has(u.container)) out.push(`volume user row of unknown container: ${u.volume} ← ${u.container}`);
  for (const h of inv.holders) {
    if (h.holder.startsWith('copy-up:')) out.push(`copy-up hold left: ${h.volume} ← ${h.holder}`);
    else if (HEX64.test(h.holder) && !running.has(h.holder)) out.push(`volume hold of a container that does not run: ${h.volume} ← ${h.holder}`);
  }
  for (const a of inv.attachments) if (!known.has(a)) out.push(`network attachment row of unknown container ${a}`);
  for (const id of inv.containerDirs) if (!known.has(id)) out.push(`containers/${id} of an unknown container`);
  for (const s of inv.runtimeState) if (!running.has(s.id)) out.push(`runtime state ${s.runtime}/${s.id} of a container that does not run (${known.get(s.id)?.status ?? 'unknown'})`);
  for (const id of inv.exitFiles) out.push(`exit file runtime/exits/${id} (${known.get(id)?.status ?? 'unknown container'})`);

  for (const m of inv.mounts) {
    const rel = m.mountPoint.slice(root.length + 1);
    const parts = rel.split('/');
    if (parts[0] === 'containers' && running.has(parts[1] ?? '') && parts[2] === 'merged') continue;
    if (parts[0] === 'volumes' && parts.length === 3 && parts[2] === '_data' && heldVolumes.has(parts[1] ?? '')) continue;
    out.push(`mount ${m.fsType} on ${m.mountPoint}`);
  }
  for (const v of inv.mountedVolumes) if (!heldVolumes.has(v)) out.push(`volume ${v} mounted without a holder`);
  for (const m of inv.overlays) {
    const id = /upperdir=[^,]*\/containers\/([0-9a-f]{64})\/upper/.exec(m.superOptions)?.[1];
    if (!id || !running.has(id)) out.push(`overlay on ${m.mountPoint} (${id ?? m.superOptions.slice(0, 120)})`);
  }
  const conmonsById = new Map<string, number[]>();
  for (const c of inv.conmons) conmonsById.set(c.id, [...(conmonsById.get(c.id) ?? []), c.pid]);
  for (const [id, pids] of conmonsById) {
    if (!running.has(id)) out.push(`conmon ${pids.join(',')} for ${id} (${known.get(id)?.status ?? 'unknown container'})`);
  }
  for (const s of inv.strays) out.push(`process ${s.pid}: ${s.cmd}`);
  for (const p of inv.cgroups) {
    const id = p.split('/').pop() ?? '';
    if (!running.has(id)) out.push(`cgroup ${p} (${known.get(id)?.status ?? 'unknown container'})`);
  }
  const tag = netnsTag(root);
  for (const n of inv.netns) {
    const id12 = n.slice(`ballast-${tag}-`.length);
    if (![...running].some((id) => id.startsWith(id12))) out.push(`netns ${n}`);
  }
  // The other direction: a running container has its supervisor and its runtime state.
  for (const id of running) {
    if (!conmonsById.has(id)) out.push(`running container ${id} has no conmon`);
    if (!inv.runtimeState.some((s) => s.id === id)) out.push(`running container ${id} has no runtime state`);
  }
  return out;
}

/** Polls until nothing leaks (cleanup after an exit is asynchronous), else fails with the list. */
export async function assertNoLeaks(w: World, context: string, timeoutMs = Number(process.env['BALLAST_LEAK_SETTLE_MS'] ?? 10_000)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  for (;;) {
    last = leaks(w);
    if (last.length === 0) return;
    if (Date.now() > deadline) break;
    await sleep(100);
  }
  throw new Error(`${context}: leaks:\n  ${last.join('\n  ')}\n--- daemon log (tail) ---\n${w.d.logs().split('\n').slice(-30).join('\n')}`);
}

/** Kill the daemon, note what it left, restart it. */
export async function crashAndRestart(w: World): Promise<void> {
  await w.d.kill9();
  noteIdsOnDisk(w);
  await w.d.restart();
}

/** Makes the next `crashPoint(name)` in the daemon SIGKILL it. */
export function armCrashPoint(w: World, name: string): void {
  spawnSync('sh', ['-c', `printf %s "$1" > "$2"`, 'sh', name, w.crashFile]);
}

export function disarmCrashPoint(w: World): void {
  spawnSync('rm', ['-f', w.crashFile]);
}

/** Waits for the daemon process to die by itself (a crash point), up to `ms`. */
export async function waitDaemonDeath(w: World, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!w.d.isRunning()) return true;
    await sleep(20);
  }
  return false;
}
