/**
 * The exact mount a `local` volume asks for, computed the way dockerd does
 * (moby volume/local getMountOptions + moby/sys/mount parseOptions), kept
 * pure so tests can check it without mounting anything.
 */
import type { LocalVolumeOptions } from '../../domain/volume-options.js';

// Linux mount(2) flags (linux/mount.h).
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  REC: 0x4000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
} as const;

/** Propagation types: applied by a second mount(2) call, never part of the first one's flags. */
const PTYPES = MS.SHARED | MS.PRIVATE | MS.SLAVE | MS.UNBINDABLE;

/** moby/sys/mount's flag table: name → [clears?, bits]. Unknown names are fs data. */
const FLAG_TABLE: Readonly<Record<string, readonly [boolean, number]>> = {
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  suid: [true, MS.NOSUID],
  nosuid: [false, MS.NOSUID],
  dev: [true, MS.NODEV],
  nodev: [false, MS.NODEV],
  exec: [true, MS.NOEXEC],
  noexec: [false, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS],
  async: [true, MS.SYNCHRONOUS],
  dirsync: [false, MS.DIRSYNC],
  remount: [false, MS.REMOUNT],
  mand: [false, MS.MANDLOCK],
  nomand: [true, MS.MANDLOCK],
  atime: [true, MS.NOATIME],
  noatime: [false, MS.NOATIME],
  diratime: [true, MS.NODIRATIME],
  nodiratime: [false, MS.NODIRATIME],
  bind: [false, MS.BIND],
  rbind: [false, MS.BIND | MS.REC],
  unbindable: [false, MS.UNBINDABLE],
  runbindable: [false, MS.UNBINDABLE | MS.REC],
  private: [false, MS.PRIVATE],
  rprivate: [false, MS.PRIVATE | MS.REC],
  shared: [false, MS.SHARED],
  rshared: [false, MS.SHARED | MS.REC],
  slave: [false, MS.SLAVE],
  rslave: [false, MS.SLAVE | MS.REC],
  relatime: [false, MS.RELATIME],
  norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME],
  nostrictatime: [true, MS.STRICTATIME],
  // "defaults" has no bits, so moby passes it on as data.
};

/** moby/sys/mount parseOptions: fstab-style options → (flags, data). */
export function parseMountOptions(options: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options.split(',')) {
    const f = FLAG_TABLE[o];
    if (f) {
      const [clear, bits] = f;
      flags = clear ? flags & ~bits : flags | bits;
    } else {
      data.push(o);
    }
  }
  // Go's strings.Split("") is [""], whose join is "" again.
  return { flags: flags >>> 0, data: data.join(',') };
}

/** The first `addr=` value of an option string (moby getAddress). */
export function getAddress(options: string): string {
  for (const o of options.split(',')) {
    if (o.startsWith('addr=')) return o.slice('addr='.length);
  }
  return '';
}

/** The first `password=` value (moby getPassword), masked in error messages. */
export function getPassword(options: string): string {
  for (const o of options.split(',')) {
    if (o.startsWith('password=')) return o.slice('password='.length);
  }
  return '';
}

export function isIPv4Literal(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p.length === 1 || p[0] !== '0'));
}

/** Any IP literal (Go's net.ParseIP accepts v4 and v6). */
function isIPLiteral(s: string): boolean {
  return isIPv4Literal(s) || (s.includes(':') && /^[0-9A-Fa-f:.]+$/.test(s));
}

export interface MountCall {
  /** mount(2) source, as Docker passes it (and as error messages show it). */
  readonly source: string;
  readonly target: string;
  readonly fsType: string;
  /** The first mount(2) call's flags (propagation types removed), as in moby's error text. */
  readonly flags: number;
  /** Flags including propagation bits (a second call applies those). */
  readonly allFlags: number;
  readonly data: string;
  /** The option string after address resolution: what mount(8) gets with -o. */
  readonly options: string;
  /** The user's `o`, for masking passwords in messages. */
  readonly rawOptions: string;
}

/** Resolves a host name to an IP text, or throws an Error with Go's resolver message. */
export type ResolveHost = (host: string) => Promise<string>;

/**
 * moby getMountOptions + mount.Mount's split: resolve `addr=` (nfs, cifs)
 * and a cifs URL host, then split options into flags and data.
 * Throws Error('missing device in volume options') like moby when device is empty.
 */
export async function buildMountCall(
  opts: LocalVolumeOptions,
  target: string,
  resolve: ResolveHost,
): Promise<MountCall> {
  if (opts.device === '') throw new Error('missing device in volume options');
  let options = opts.o;
  let source = opts.device;
  if (opts.type === 'nfs' || opts.type === 'cifs') {
    const addr = getAddress(opts.o);
    if (addr !== '' && !isIPv4Literal(addr)) {
      const ip = await resolveWrapped(resolve, addr);
      options = options.replace(`addr=${addr}`, `addr=${ip}`);
    } else if (opts.type === 'cifs') {
      const host = urlHost(source);
      if (host !== '' && !isIPLiteral(host)) {
        const ip = await resolveWrapped(resolve, host);
        source = source.replace(`//${host}`, `//${ip}`);
      }
    }
  }
  const { flags, data } = parseMountOptions(options);
  return {
    source,
    target,
    fsType: opts.type,
    flags: (flags & ~PTYPES) >>> 0,
    allFlags: flags,
    data,
    options,
    rawOptions: opts.o,
  };
}

async function resolveWrapped(resolve: ResolveHost, host: string): Promise<string> {
  try {
    return await resolve(host);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`error resolving passed in network volume address: ${msg}`, { cause: e });
  }
}

/** Host part of a //host/share style URL (userinfo stripped, no port). */
function urlHost(device: string): string {
  const m = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/([^/?#]*)/.exec(device);
  if (!m) return '';
  const authority = (m[1] ?? '').replace(/^.*@/, '');
  const hp = /^(\[[^\]]*\]|[^:]*)/.exec(authority);
  return hp?.[1] ?? '';
}

/**
 * moby/sys/mount's error text for the first mount(2) call:
 * "mount <source>:<target>[, flags: 0x<hex>][, data: <data>]: <err>",
 * with any password masked (current moby).
 */
export function formatMountError(call: MountCall, errText: string): string {
  let out = 'mount ';
  out += call.source !== '' ? `${call.source}:${call.target}` : call.target;
  if (call.flags !== 0) out += `, flags: 0x${call.flags.toString(16)}`;
  if (call.data !== '') out += `, data: ${call.data}`;
  out += `: ${errText}`;
  const password = getPassword(call.rawOptions);
  if (password !== '') out = out.replace(`password=${password}`, 'password=********');
  return out;
}
