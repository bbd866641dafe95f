/**
 * Test material for backups (used by unit and integration tests): a corpus
 * generator covering what a volume may hold, and a builder of hostile
 * archives. Deterministic for a given seed. Needs root (owners, devices,
 * trusted.* xattrs).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  writeSync,
  writeFileSync,
  ftruncateSync,
} from 'node:fs';
import { join } from 'node:path';

export interface CorpusOptions {
  /** Regular files in the bulk part (default 2000). */
  readonly files?: number;
  readonly seed?: number;
  /** Add a character device node (default false). */
  readonly devices?: boolean;
  /** Apparent size of the largest sparse file in MiB (default 32; the others are 1/2 and 1/4). */
  readonly sparseMiB?: number;
}

export interface CorpusInfo {
  readonly entries: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

function setTimeNs(path: string, sec: number, ns: number): void {
  // touch -h keeps symlinks; nanoseconds through the date string.
  const d = new Date(sec * 1000).toISOString().replace('Z', '').replace(/\.\d+$/, '');
  execFileSync('touch', ['-h', '-m', '-d', `${d}.${String(ns).padStart(9, '0')} UTC`, path], { stdio: 'ignore' });
}

function xattr(path: string, name: string, value: string): void {
  execFileSync('setfattr', ['-h', '-n', name, '-v', value, path]);
}

/** Fills `root` (an existing empty directory) with a volume's worth of varied entries. */
export function makeCorpus(root: string, opts: CorpusOptions = {}): CorpusInfo {
  const rand = rng(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  let entries = 0;
  const nFiles = opts.files ?? 2000;
  const dirs: string[] = [];
  for (let d = 0; d < Math.max(4, Math.ceil(nFiles / 200)); d++) {
    const dir = join(root, `d${d}`, d % 3 === 0 ? 'nested/deeper' : 'sub');
    mkdirSync(dir, { recursive: true });
    dirs.push(dir);
  }
  const modes = [0o644, 0o600, 0o755, 0o640, 0o4755, 0o2750, 0o444, 0o000];
  for (let i = 0; i < nFiles; i++) {
    const dir = pick(dirs);
    const p = join(dir, `f${i}${i % 7 === 0 ? '.txt' : '.bin'}`);
    const size = rand() < 0.1 ? 0 : Math.floor(rand() * 20000);
    const buf = Buffer.alloc(size);
    if (i % 2 === 0) buf.fill(`line ${i} of a compressible file\n`);
    else for (let k = 0; k < size; k++) buf[k] = Math.floor(rand() * 256);
    writeFileSync(p, buf);
    lchownSync(p, Math.floor(rand() * 70000), Math.floor(rand() * 70000));
    chmodSync(p, pick(modes));
    entries++;
  }
  // Hard-link groups.
  mkdirSync(join(root, 'links'));
  for (let g = 0; g < 20; g++) {
    const a = join(root, 'links', `group${g}-a`);
    writeFileSync(a, `hard link group ${g}\n`);
    linkSync(a, join(root, 'links', `group${g}-b`));
    if (g % 2 === 0) linkSync(a, join(dirs[g % dirs.length] as string, `group${g}-c`));
  }
  // Symlinks: relative, absolute, dangling, to a directory, a chain.
  symlinkSync('../links/group0-a', join(root, 'd0', 'rel-link'));
  symlinkSync('/etc/passwd', join(root, 'abs-link'));
  symlinkSync('does/not/exist', join(root, 'dangling'));
  symlinkSync('d1', join(root, 'dir-link'));
  symlinkSync('abs-link', join(root, 'chain'));
  lchownSync(join(root, 'abs-link'), 123, 456);
  // Sparse files: hole at the start, in the middle, at the end.
  mkdirSync(join(root, 'sparse'));
  const sparse = (name: string, size: number, writes: Array<[number, string]>): void => {
    const fd = openSync(join(root, 'sparse', name), 'w');
    ftruncateSync(fd, size);
    for (const [off, text] of writes) writeSync(fd, text, off);
    closeSync(fd);
  };
  const big = Math.max(1, opts.sparseMiB ?? 32) << 20;
  sparse('hole-start', big, [[big - 5, 'tail!']]);
  sparse('hole-middle', big / 2, [[0, 'head'], [big / 2 - 4, 'tail']]);
  sparse('hole-end', big / 4, [[0, 'only at the start']]);
  // FIFOs.
  execFileSync('mkfifo', ['-m', '620', join(root, 'fifo')]);
  // Odd names.
  const odd = join(root, 'odd');
  mkdirSync(odd);
  const oddNames: Buffer[] = [
    Buffer.from('with space'),
    Buffer.from('new\nline'),
    Buffer.from('tab\tand\\backslash'),
    Buffer.from('ünïcødé-名前-😀'),
    Buffer.from([0x69, 0x6e, 0x76, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]), // "inv\xff\xfe.bin"
    Buffer.from('-leading-dash'),
    Buffer.from('.hidden'),
    Buffer.from('x'.repeat(255)),
    Buffer.from('quote"and\'apostrophe'),
    Buffer.from('star*question?'),
  ];
  for (const n of oddNames) {
    const p = Buffer.concat([Buffer.from(`${odd}/`), n]);
    writeFileSync(p, Buffer.concat([Buffer.from('name: '), n]));
    entries++;
  }
  let deep = join(odd, 'deep');
  for (let i = 0; i < 12; i++) deep = join(deep, `level-${i}-${'y'.repeat(40)}`);
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'bottom.txt'), 'deep\n');
  // xattrs of several namespaces.
  xattr(join(root, 'links', 'group1-a'), 'user.color', 'blue');
  xattr(join(root, 'links', 'group1-a'), 'user.binary', '0x00ff10');
  xattr(join(root, 'd0'), 'user.dir', 'on a directory');
  xattr(join(root, 'links', 'group2-a'), 'trusted.secret', 'only root sees this');
  xattr(join(root, 'links', 'group3-a'), 'security.capability', '0x0100000200200000000000000000000000000000');
  // Devices, when asked.
  if (opts.devices) execFileSync('mknod', ['-m', '600', join(root, 'null-dev'), 'c', '1', '3']);
  // Empty directories with odd metadata.
  mkdirSync(join(root, 'empty-sticky'));
  chmodSync(join(root, 'empty-sticky'), 0o1777);
  mkdirSync(join(root, 'empty-private'));
  chmodSync(join(root, 'empty-private'), 0o700);
  lchownSync(join(root, 'empty-private'), 999, 998);
  // Times with nanoseconds, including one before 1970, set bottom-up (directories last).
  setTimeNs(join(root, 'links', 'group5-a'), 1_600_000_000, 123_456_789);
  setTimeNs(join(root, 'abs-link'), 1_500_000_000, 1);
  setTimeNs(join(root, 'sparse', 'hole-end'), -86_400 * 365, 500_000_000);
  setTimeNs(join(root, 'empty-private'), 1_234_567_890, 987_654_321);
  lutimesSync(join(root, 'dangling'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
  chmodSync(root, 0o750);
  lchownSync(root, 1000, 1001);
  setTimeNs(root, 1_700_000_000, 42);
  return { entries };
}
