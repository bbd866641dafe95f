/**
 * `cp` in both directions, with the docker CLI's path rules (moby/go-archive
 * CopyInfo / PrepareArchiveCopy / CopyTo): the archive endpoint serves and
 * takes tar streams, the client renames the top entry when the destination
 * does not exist (or is a file), and `-` means a tar on stdout/stdin. Local
 * archives are written and read by GNU tar (--transform does the rebasing).
 */
import { spawn } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { goPathError } from '../../lib/node-errors.js';
import { humanSizeWithPrecision } from '../../domain/units.js';
import type { ContainersApi } from '../../client/containers.js';
import { writeAll } from '../../client/stdcopy.js';
import { isTerminal } from '../../client/tty.js';
import { CliError, type Command, type CommandContext } from '../command.js';
import { containersApi, errorText } from './container-common.js';

const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
/** os.ModeType bits other than dir and symlink: named pipe, socket, device, char device, irregular. */
const MODE_OTHER = 2 ** 25 | 2 ** 24 | 2 ** 26 | 2 ** 21 | 2 ** 19;

interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  rebaseName: string;
}

/** splitCpArg: "ctr:/path" vs a local path ("./a:b" and absolute paths are local). */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.slice(0, i).startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

function cleanPath(p: string): string {
  const r = resolve('/', p);
  return p.startsWith('/') ? r : r.slice(1) || '.';
}

function specifiesCurrentDir(p: string): boolean {
  return p === '.' || p.endsWith('/.');
}

function assertsDirectory(p: string): boolean {
  return p.endsWith('/') || specifiesCurrentDir(p);
}

/** archive.SplitPathDirEntry: "/a/b/." → ["/a/b", "."], "/a/b/" → ["/a", "b"]. */
export function splitPathDirEntry(p: string): [string, string] {
  let cleaned = cleanPath(p);
  if (specifiesCurrentDir(p)) cleaned += '/.';
  return [dirname(cleaned), basename(cleaned)];
}

/** archive.PreserveTrailingDotOrSeparator. */
function preserveTrailing(cleaned: string, original: string): string {
  if (specifiesCurrentDir(original) && !specifiesCurrentDir(cleaned)) cleaned += '/.';
  if (original.endsWith('/') && !cleaned.endsWith('/')) cleaned += '/';
  return cleaned;
}

function resolveLocalPath(cwd: string, p: string): string {
  return preserveTrailing(resolve(cwd, p), p);
}

/** archive.PrepareArchiveCopy: the directory to extract into and the rename to apply. */
function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): { dstDir: string; rename?: [string, string] } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  let [, srcBase] = splitPathDirEntry(src.path);
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new CliError('cannot copy directory', 1);
  if (src.rebaseName) srcBase = src.rebaseName;
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new CliError('no such directory', 1);
  return { dstDir, rename: [srcBase, dstBase] };
}

function sedEscape(s: string): string {
  return s.replace(/[\\^$.*[\]|,&]/g, (c) => `\\${c}`);
}

/** A GNU tar --transform rewriting the leading `from` into `to` (names and hard links, not symlink targets). */
function transformArg(from: string, to: string): string[] {
  if (from === to) return [];
  return [`--transform=s,^${sedEscape(from)},${to.replace(/[\\,&]/g, (c) => `\\${c}`)},S`];
}

function runTar(args: string[], input: Readable | undefined): { stdout: Readable; done: Promise<void> } {
  const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.on('error', () => undefined);
  if (input) input.pipe(child.stdin);
  else child.stdin.end();
  const done = new Promise<void>((res, rej) => {
    child.on('error', (e) => rej(e));
    child.on('close', (code) => (code === 0 ? res() : rej(new CliError(stderr.trim() || `tar exited with ${code}`, 1))));
  });
  return { stdout: child.stdout, done };
}

/** Counts bytes flowing through (for "Successfully copied …"). */
function counting(src: Readable, onBytes: (n: number) => void): Readable {
  src.on('data', (b: Buffer) => onBytes(b.length));
  return src;
}

function summary(content: number, transferred: number, dest: string): string {
  const h = (n: number) => humanSizeWithPrecision(n, 3);
  if (content !== transferred) return `Successfully copied ${h(content)} (transferred ${h(transferred)}) to ${dest}\n`;
  return `Successfully copied ${h(content)} to ${dest}\n`;
}

function localContentSize(p: string): number {
  const st = lstatSync(p);
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) total += statSync(full).size;
    }
  };
  walk(p);
  return total;
}

function validateOutputPath(p: string): void {
  const dir = dirname(cleanPath(p));
  if (dir !== '' && dir !== '.') {
    try {
      statSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`invalid output path: directory "${dir}" does not exist`, 1);
    }
  }
  let st: Stats;
  try {
    st = statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CliError((e as Error).message, 1);
  }
  if (!st.isDirectory() && !st.isFile()) throw new CliError(`invalid output path: "${p}" must be a directory or a regular file`, 1);
}

/** archive.CopyInfoDestinationPath for a local destination. */
function localDestination(p: string): CopyInfo {
  let path = p;
  for (let n = 0; n < 10; n++) {
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(goPathError('lstat', path, e), 1);
      const [parent] = splitPathDirEntry(path);
      let ps: Stats;
      try {
        ps = statSync(parent);
      } catch (pe) {
        throw new CliError(goPathError('stat', parent, pe), 1);
      }
      if (!ps.isDirectory()) throw new CliError('not a directory', 1);
      return { path, exists: false, isDir: false, rebaseName: '' };
    }
    if (!st.isSymbolicLink()) return { path, exists: true, isDir: st.isDirectory(), rebaseName: '' };
    const target = readlinkSync(path);
    path = isAbsolute(target) ? target : join(dirname(path), target);
  }
  throw new CliError('too many symlinks in ' + p, 1);
}

async function copyFromContainer(ctx: CommandContext, api: ContainersApi, container: string, srcPath: string, dest: string, quiet: boolean): Promise<void> {
  let dstPath = dest;
  if (dstPath !== '-') dstPath = resolveLocalPath(ctx.cwd, dstPath);
  if (dstPath !== '-') validateOutputPath(dstPath);
  let rebaseName = '';
  if (ctx.flags.bool('follow-link')) {
    try {
      const st = await api.statPath(container, srcPath);
      if (st.mode & MODE_SYMLINK) {
        let target = st.linkTarget;
        if (!target.startsWith('/')) target = join(splitPathDirEntry(srcPath)[0], target);
        // archive.GetRebaseName: keep the name the user asked for.
        rebaseName = splitPathDirEntry(srcPath)[1];
        if (srcPath.endsWith('/.') || srcPath.endsWith('/')) target = preserveTrailing(target, srcPath);
        srcPath = target;
      }
    } catch {
      /* copy the link itself */
    }
  }
  const { stream, stat } = await api.getArchive(container, srcPath).catch((e: unknown) => {
    throw new CliError(errorText(e), 1);
  });
  if (dstPath === '-') {
    for await (const chunk of stream) await writeAll(ctx.io.stdout, chunk as Buffer);
    return;
  }
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: (stat.mode & MODE_DIR) !== 0, rebaseName };
  const dstInfo = localDestination(dstPath);
  let transferred = 0;
  const content = counting(stream, (n) => (transferred += n));
  const plan = prepareArchiveCopy(srcInfo, dstInfo);
  // RebaseArchiveEntries (for -L) and the rename of PrepareArchiveCopy, as one rewrite of the top entry.
  const from = splitPathDirEntry(srcInfo.path)[1];
  const transform = transformArg(from, plan.rename ? plan.rename[1] : rebaseName || from);
  const extractDir = plan.dstDir;
  const tar = runTar(['-x', '-f', '-', '-C', extractDir, '--no-same-owner', ...transform], content);
  tar.stdout.resume();
  await tar.done;
  if (!quiet) ctx.io.stderr.write(summary(srcInfo.isDir ? transferred : stat.size, transferred, dstPath));
}

async function copyToContainer(ctx: CommandContext, api: ContainersApi, container: string, src: string, dstPath: string, quiet: boolean): Promise<void> {
  const copyUIDGID = ctx.flags.bool('archive');
  let srcPath = src;
  if (srcPath !== '-') srcPath = resolveLocalPath(ctx.cwd, srcPath);
  const dstInfo: CopyInfo = { path: dstPath, exists: false, isDir: false, rebaseName: '' };
  try {
    let st = await api.statPath(container, dstPath);
    if (st.mode & MODE_SYMLINK) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = join(splitPathDirEntry(dstPath)[0], target);
      dstInfo.path = target;
      st = await api.statPath(container, target);
    }
    if (st.mode & MODE_OTHER) {
      throw new CliError(`destination "${container}:${dstPath}" must be a directory or a regular file: not a directory or regular file`, 1);
    }
    dstInfo.exists = true;
    dstInfo.isDir = (st.mode & MODE_DIR) !== 0;
  } catch (e) {
    if (e instanceof CliError) throw e;
    // The destination may not exist yet: its parent will be used, and the daemon reports conflicts.
  }
  let content: Readable;
  let resolvedDst: string;
  let contentSize = -1;
  let transferred = 0;
  let tarDone: Promise<void> = Promise.resolve();
  if (srcPath === '-') {
    if (!dstInfo.isDir) throw new CliError(`destination "${container}:${dstPath}" must be a directory`, 1);
    content = ctx.io.stdin;
    resolvedDst = dstInfo.path;
  } else {
    const follow = ctx.flags.bool('follow-link');
    let srcInfo: CopyInfo;
    try {
      const st = follow ? statSync(srcPath) : lstatSync(srcPath);
      let rebaseName = '';
      let path = srcPath;
      if (follow && lstatSync(srcPath).isSymbolicLink()) {
        const target = readlinkSync(srcPath);
        rebaseName = splitPathDirEntry(srcPath)[1];
        path = preserveTrailing(isAbsolute(target) ? target : join(dirname(cleanPath(srcPath)), target), srcPath);
      }
      srcInfo = { path, exists: true, isDir: st.isDirectory(), rebaseName };
    } catch (e) {
      throw new CliError(goPathError(follow ? 'stat' : 'lstat', srcPath.replace(/\/$/, ''), e), 1);
    }
    try {
      contentSize = localContentSize(srcInfo.path);
    } catch {
      contentSize = -1;
    }
    const [srcDir, srcBase] = splitPathDirEntry(srcInfo.path);
    const plan = prepareArchiveCopy(srcInfo, dstInfo);
    resolvedDst = plan.dstDir;
    const transform = transformArg(srcBase, plan.rename ? plan.rename[1] : srcInfo.rebaseName || srcBase);
    const tar = runTar(['-c', '-f', '-', '--numeric-owner', '-C', srcDir, ...transform, '--', srcBase], undefined);
    tarDone = tar.done;
    content = tar.stdout;
  }
  const counted = counting(content, (n) => (transferred += n));
  try {
    await api.putArchive(container, resolvedDst, counted, { noOverwriteDirNonDir: true, copyUIDGID });
  } catch (e) {
    tarDone.catch(() => undefined);
    throw new CliError(errorText(e), 1);
  }
  await tarDone;
  if (!quiet) ctx.io.stderr.write(summary(contentSize >= 0 ? contentSize : transferred, transferred, `${container}:${dstInfo.path}`));
}

export const cpCommand: Command = {
  name: 'cp',
  usage: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tballast cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  short: 'Copy files/folders between a container and the local filesystem',
  args: { exact: 2 },
  flags: [
    { name: 'archive', short: 'a', kind: 'bool', description: 'Archive mode (copy all uid/gid information)' },
    { name: 'follow-link', short: 'L', kind: 'bool', description: 'Always follow symlinks in SRC_PATH' },
    {
      name: 'quiet',
      short: 'q',
      kind: 'bool',
      description: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    },
  ],
  async run(ctx) {
    const [source, destination] = ctx.args as [string, string];
    if (source === '') throw new CliError('source can not be empty', 1);
    if (destination === '') throw new CliError('destination can not be empty', 1);
    const quiet = ctx.flags.has('quiet') ? ctx.flags.bool('quiet') : !isTerminal(ctx.io.stdout);
    const src = splitCpArg(source);
    const dst = splitCpArg(destination);
    if (src.container && dst.container) throw new CliError('copying between containers is not supported', 1);
    if (!src.container && !dst.container) throw new CliError('must specify at least one container source', 1);
    const api = await containersApi(ctx);
    if (src.container) await copyFromContainer(ctx, api, src.container, src.path, dst.path, quiet);
    else await copyToContainer(ctx, api, dst.container, src.path, dst.path, quiet);
  },
};
