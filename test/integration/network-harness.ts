/**
 * Shared pieces of the network-*.test.ts files (not a test file itself): a ballastd whose
 * networks come from a private 10.x pool (so tests never take Docker's 172.x defaults), the
 * busybox fixture, an "outside world" network namespace the test creates and removes, and
 * snapshots of the kernel objects an engine instance owns (for leak checks).
 *
 * Network traffic stays on loopback and inside namespaces the tests create.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Ballastd } from '../helpers/daemon.js';
import { Cli } from '../helpers/cli.js';
import { importSpecFull, SPEC_FULL } from '../helpers/images.js';
import { sleep } from '../helpers/tmp.js';

export const IMAGE = SPEC_FULL;

/** A private pool per daemon: 10.<160-223>.x.0/24 networks. */
export async function startNetDaemon(): Promise<{ d: Ballastd; ballast: Cli; docker: Cli }> {
  const second = 160 + Math.floor(Math.random() * 64);
  const d = await Ballastd.start({ env: { BALLAST_DEFAULT_ADDRESS_POOL: `base=10.${second}.0.0/16,size=24` } });
  const ballast = new Cli('ballast', d.host);
  const docker = new Cli('docker', d.host);
  const imported = await importSpecFull(ballast);
  if (!imported.ok) {
    await d.stop();
    throw new Error(`importing the fixture failed: ${imported.detail}`);
  }
  return { d, ballast, docker };
}

/** The tag NetNaming gives an engine root (src/network/names.ts). */
export function instanceTag(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 6);
}

export interface KernelSnapshot {
  netns: string[];
  links: string[];
  table: string;
}

function sh(cmd: string, args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** The engine instance's namespaces, veths (by alias) and the elements of its table. */
export function kernelObjects(root: string): KernelSnapshot {
  const tag = instanceTag(root);
  const netns = sh('ip', ['-j', 'netns', 'list']).out.trim();
  const ns = (netns ? (JSON.parse(netns) as Array<{ name: string }>) : []).map((n) => n.name).filter((n) => n.startsWith(`ballast-${tag}-`));
  const linksRaw = sh('ip', ['-j', 'link', 'show']).out.trim();
  const links = (linksRaw ? (JSON.parse(linksRaw) as Array<{ ifname: string; ifalias?: string }>) : [])
    .filter((l) => (l.ifalias ?? '').startsWith(`ballast:${tag}:ep:`))
    .map((l) => l.ifname);
  const table = sh('nft', ['list', 'table', 'inet', `ballast-${tag}`]).out;
  return { netns: ns.sort(), links: links.sort(), table };
}

/** Elements of the pub_any and pub_ip maps, as text. */
export function publishedElements(root: string): string {
  const table = kernelObjects(root).table;
  const m = /map pub_any \{[^}]*?elements = (\{[^}]*\})/s.exec(table);
  const n = /map pub_ip \{[^}]*?elements = (\{[^}]*\})/s.exec(table);
  return `${m?.[1] ?? ''}${n?.[1] ?? ''}`;
}

/**
 * A namespace standing in for "the outside world": a veth to the host with a /30,
 * no default route (so an answer can only come back through NAT).
 */
export class Outside {
  readonly ns: string;
  readonly hostVeth: string;
  readonly hostIp: string;
  readonly ip: string;
  private servers: number[] = [];

  constructor() {
    const r = randomBytes(2);
    this.ns = `blt-out-${r.toString('hex')}`;
    this.hostVeth = `blto${r.toString('hex')}`;
    const third = (r[0] ?? 0) % 250;
    const fourth = ((r[1] ?? 0) % 60) * 4;
    this.hostIp = `10.253.${third}.${fourth + 1}`;
    this.ip = `10.253.${third}.${fourth + 2}`;
  }

  create(): void {
    const batch = [
      `netns add ${this.ns}`,
      `link add ${this.hostVeth} type veth peer name eth0 netns ${this.ns}`,
      `addr add ${this.hostIp}/30 dev ${this.hostVeth}`,
      `link set ${this.hostVeth} up`,
    ].join('\n');
    const a = sh('ip', ['-b', '-'], batch + '\n');
    if (a.code !== 0) throw new Error(`outside: ${a.err}`);
    const b = sh('ip', ['-n', this.ns, '-b', '-'], `addr add ${this.ip}/30 dev eth0\nlink set eth0 up\nlink set lo up\n`);
    if (b.code !== 0) throw new Error(`outside: ${b.err}`);
  }

  /** Runs a command inside and returns its output. */
  exec(args: string[], timeoutMs = 10_000): { code: number; out: string; err: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.ns, ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
  }

  /** An HTTP server inside that answers with the client's address. */
  async serveClientAddress(port: number): Promise<void> {
    const code = `require('http').createServer((q,s)=>s.end('client='+q.socket.remoteAddress.replace('::ffff:','')+'\\n')).listen(${port},'${this.ip}')`;
    const child = spawn('ip', ['netns', 'exec', this.ns, process.execPath, '-e', code], { stdio: 'ignore', detached: false });
    if (child.pid) this.servers.push(child.pid);
    for (let i = 0; i < 50; i++) {
      if (this.exec(['sh', '-c', `cat /proc/net/tcp | grep -qi ':${port.toString(16).toUpperCase().padStart(4, '0')} '`]).code === 0) return;
      await sleep(50);
    }
  }

  destroy(): void {
    for (const pid of this.servers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    sh('ip', ['netns', 'del', this.ns]);
    sh('ip', ['link', 'del', this.hostVeth]);
  }
}

/** HTTP GET from the host with curl; returns the body or '' on failure. */
export function curl(url: string, timeoutS = 5): string {
  const r = spawnSync('curl', ['-s', '-m', String(timeoutS), url], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

/** A container command serving `text` on port 80 with busybox httpd. */
export function httpdCmd(text: string, port = 80): string[] {
  return ['sh', '-c', `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${port} -h /www`];
}

/** Waits until `fn` returns true (polling), or throws after `ms`. */
export async function until(fn: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}
