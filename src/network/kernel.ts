/**
 * The kernel, driven by spawning iproute2 and nft with scripts on stdin
 * (network-recipe §9): one spawn per batch, JSON (-j) for every read.
 * Batch mode aborts at the first failing line, so callers treat a failure as
 * "partially applied" and roll back.
 */
import { writeFile } from 'node:fs/promises';
import { run } from '../lib/exec.js';

export class KernelError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
    readonly script?: string,
  ) {
    super(`${command}: ${stderr.trim() || 'failed'}`);
    this.name = 'KernelError';
  }
}

async function checked(cmd: string, args: readonly string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new KernelError(`${cmd} ${args.join(' ')}`, r.stderr || r.stdout, input);
  return r.stdout;
}

/** `ip [-n NS] -b -` with one command per line. */
export async function ipBatch(lines: readonly string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  const args = netns ? ['-n', netns, '-b', '-'] : ['-b', '-'];
  await checked('ip', args, lines.join('\n') + '\n');
}

/** `ip -j ARGS` parsed; [] when ip printed nothing. */
export async function ipJson<T>(args: readonly string[]): Promise<T[]> {
  const out = await checked('ip', ['-j', ...args]);
  const text = out.trim();
  if (!text) return [];
  return JSON.parse(text) as T[];
}

/** `nft -f -`, or inside a network namespace through nsenter. */
export async function nftApply(script: string, netnsPath?: string): Promise<void> {
  if (netnsPath) await checked('nsenter', [`--net=${netnsPath}`, 'nft', '-f', '-'], script);
  else await checked('nft', ['-f', '-'], script);
}

/** `nft -c -f -`: validate without applying. */
export async function nftCheck(script: string): Promise<void> {
  await checked('nft', ['-c', '-f', '-'], script);
}

export async function nftJson(args: readonly string[]): Promise<unknown> {
  const out = await checked('nft', ['-j', ...args]);
  return out.trim() ? (JSON.parse(out) as unknown) : {};
}

/** Runs `nft` and reports whether it succeeded (for deletes of things that may be gone). */
export async function nftTry(args: readonly string[]): Promise<boolean> {
  const r = await run('nft', args);
  return r.code === 0;
}

export async function writeSysctl(key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${key.replace(/\./g, '/')}`, value);
}

export interface IpLink {
  ifname: string;
  ifalias?: string;
  link_type?: string;
  flags?: string[];
  master?: string;
  linkinfo?: { info_kind?: string };
}

export interface IpAddrInfo {
  ifname: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

export interface IpRoute {
  dst: string;
  dev?: string;
  table?: string;
}

export async function listLinks(type?: 'bridge' | 'veth'): Promise<IpLink[]> {
  return ipJson<IpLink>(type ? ['link', 'show', 'type', type] : ['link', 'show']);
}

export async function listNetns(): Promise<string[]> {
  const list = await ipJson<{ name: string }>(['netns', 'list']).catch(() => []);
  return list.map((n) => n.name);
}
