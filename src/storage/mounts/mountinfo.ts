/** Reading /proc/self/mountinfo: what is mounted where, with which propagation. */
import { readFileSync } from 'node:fs';

export interface MountInfo {
  id: number;
  parentId: number;
  root: string;
  mountPoint: string;
  options: string;
  optionalFields: string[];
  fsType: string;
  source: string;
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({
      id: Number(left[0]),
      parentId: Number(left[1]),
      root: unescape(left[3] ?? ''),
      mountPoint: unescape(left[4] ?? ''),
      options: left[5] ?? '',
      optionalFields: left.slice(6),
      fsType: right[0] ?? '',
      source: unescape(right[1] ?? ''),
      superOptions: right[2] ?? '',
    });
  }
  return out;
}

export function readMountInfo(pid: number | 'self' = 'self'): MountInfo[] {
  return parseMountInfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
}

export function isMountPoint(path: string, table: MountInfo[] = readMountInfo()): boolean {
  return table.some((m) => m.mountPoint === path);
}

/** Mount points at or below `path`, deepest first (the order to unmount them in). */
export function mountsUnder(path: string, table: MountInfo[] = readMountInfo()): MountInfo[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  return table
    .filter((m) => m.mountPoint === path || m.mountPoint.startsWith(prefix))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}
