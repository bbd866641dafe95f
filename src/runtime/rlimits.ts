/**
 * Resource limits for containers. Node has no getrlimit(2), so the engine's
 * own limits come from /proc/self/limits. Without CAP_SYS_RESOURCE (the case
 * on our hosts) no process can raise a hard limit, and the runtime's
 * setrlimit() in the container fails the whole create; so requested limits
 * are clamped to what this process has (or rejected, if the caller prefers).
 */
import { readFileSync } from 'node:fs';
import { invalidArgument } from '../domain/errors.js';
import type { OciRlimit, RlimitType } from './oci-types.js';

/** RLIM_INFINITY: what the kernel and the OCI spec call "unlimited". */
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

export interface HostRlimit {
  soft: bigint;
  hard: bigint;
}
export type HostRlimits = Partial<Record<RlimitType, HostRlimit>>;

/** A limit as the engine asks for it: numbers, with -1 (Docker's ulimit) or Infinity meaning unlimited. */
export interface RlimitRequest {
  type: RlimitType;
  soft: number | bigint;
  hard: number | bigint;
}

/** 'clamp' lowers a request to the host's hard limit; 'reject' refuses it. */
export type RlimitPolicy = 'clamp' | 'reject';

const LIMIT_NAMES: Record<string, RlimitType> = {
  'Max cpu time': 'RLIMIT_CPU',
  'Max file size': 'RLIMIT_FSIZE',
  'Max data size': 'RLIMIT_DATA',
  'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE',
  'Max resident set': 'RLIMIT_RSS',
  'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
  'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS',
  'Max pending signals': 'RLIMIT_SIGPENDING',
  'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE',
  'Max realtime priority': 'RLIMIT_RTPRIO',
  'Max realtime timeout': 'RLIMIT_RTTIME',
};

function parseLimitValue(s: string): bigint {
  return s === 'unlimited' ? RLIM_INFINITY : BigInt(s);
}

/** Parses the text of /proc/<pid>/limits (columns are fixed-width, names contain spaces). */
export function parseProcLimits(text: string): HostRlimits {
  const out: HostRlimits = {};
  for (const line of text.split('\n')) {
    for (const [name, type] of Object.entries(LIMIT_NAMES)) {
      if (!line.startsWith(name + ' ')) continue;
      const fields = line.slice(name.length).trim().split(/\s+/);
      const soft = fields[0];
      const hard = fields[1];
      if (soft === undefined || hard === undefined) continue;
      out[type] = { soft: parseLimitValue(soft), hard: parseLimitValue(hard) };
    }
  }
  return out;
}

/** The limits of this process, which conmon and the runtime inherit. */
export function readHostRlimits(pid: number | 'self' = 'self'): HostRlimits {
  return parseProcLimits(readFileSync(`/proc/${pid}/limits`, 'utf8'));
}

function toU64(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v < 0n ? RLIM_INFINITY : v;
  if (v === Infinity || v < 0) return RLIM_INFINITY;
  if (!Number.isInteger(v)) throw invalidArgument(`invalid rlimit value ${v}`);
  return BigInt(v);
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/**
 * Turns requests into OCI rlimits that the runtime can apply here:
 * hard ≤ host hard limit, soft ≤ hard. Later requests of a type win.
 */
export function resolveRlimits(requests: readonly RlimitRequest[], host: HostRlimits, policy: RlimitPolicy): OciRlimit[] {
  const byType = new Map<RlimitType, OciRlimit>();
  for (const r of requests) {
    let hard = toU64(r.hard);
    let soft = toU64(r.soft);
    if (soft > hard) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    const limit = host[r.type]?.hard;
    if (limit !== undefined && hard > limit) {
      if (policy === 'reject') {
        throw invalidArgument(`${r.type} hard limit ${hard} exceeds the engine's own hard limit ${limit}`);
      }
      hard = limit;
      soft = min(soft, hard);
    }
    byType.set(r.type, { type: r.type, hard, soft });
  }
  return [...byType.values()];
}
