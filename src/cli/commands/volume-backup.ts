/**
 * `volume export | import | backup | restore | verify | clone | migrate`
 * (issue 5). Archives stream through the daemon's /ballast/ endpoints; when
 * the daemon can see the client's file or directory (same device and inode),
 * it reads or writes it itself, which saves a copy through two processes.
 * Progress goes to stderr on a terminal; --json prints one summary per line.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { ApiError } from '../../client/api-client.js';
import {
  BackupApi,
  NOT_VISIBLE,
  type ArchiveDownload,
  type BackupParams,
  type BackupSummaryJson,
  type LocalFile,
  type ProgressEvent,
  type Secrets,
} from '../../client/backup.js';
import { VolumesApi } from '../../client/volumes.js';
import { bytesSize } from '../../domain/units.js';
import { CliError, type CliIO, type Command, type CommandContext } from '../command.js';
import type { FlagSpec } from '../flags.js';

// ---------------------------------------------------------------- helpers

const JSON_FLAG: FlagSpec = { name: 'json', kind: 'bool', description: 'Print a JSON summary' };
const IDENTITY_FLAG: FlagSpec = {
  name: 'identity',
  short: 'i',
  kind: 'stringArray',
  typeName: 'file',
  description: 'age identity file to decrypt with (repeatable)',
};
const PASSPHRASE_FLAG: FlagSpec = {
  name: 'passphrase-file',
  kind: 'string',
  typeName: 'file',
  description: 'Read the encryption passphrase from a file (first line)',
};
const STOP_FLAG: FlagSpec = {
  name: 'force',
  short: 'f',
  kind: 'bool',
  description: 'Stop running containers that use the volume, and start them again afterwards',
};
const DEVICES_FLAG: FlagSpec = { name: 'allow-devices', kind: 'bool', description: 'Restore block and character device nodes' };
const QUIESCE_FLAG: FlagSpec = {
  name: 'quiesce',
  kind: 'string',
  description: 'Freeze containers using the volume while it is captured: pause, stop or none',
  defaultText: '"none"',
};

function localFile(path: string): LocalFile {
  const st = statSync(path, { bigint: true });
  return { path, dev: String(st.dev), ino: String(st.ino) };
}

function readPassphrase(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n[\s\S]*$/, '');
}

function secretsOf(ctx: CommandContext): Secrets {
  const ids = ctx.flags.strings('identity').map((f) => readFileSync(resolve(ctx.cwd, f), 'utf8'));
  const pf = ctx.flags.string('passphrase-file');
  return {
    ...(ids.length > 0 ? { identities: ids } : {}),
    ...(pf !== undefined ? { passphrase: readPassphrase(resolve(ctx.cwd, pf)) } : {}),
  };
}

function isNotVisible(e: unknown): boolean {
  return e instanceof ApiError && e.status === 400 && e.message.includes(NOT_VISIBLE);
}

function quiesceOf(ctx: CommandContext): string | undefined {
  const q = ctx.flags.string('quiesce');
  if (q !== undefined && !['pause', 'stop', 'none'].includes(q)) {
    throw new CliError(`invalid argument "${q}" for "--quiesce" flag: use pause, stop or none`, 125);
  }
  return q;
}

/** Progress on a terminal (stderr), nothing otherwise. */
class ProgressLine {
  private readonly t0 = Date.now();
  private last = 0;
  private shown = false;

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  update(p: ProgressEvent): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.t0) / 1000);
    const rate = p.bytes / secs;
    const total = p.totalBytes !== undefined ? Math.max(p.totalBytes, p.bytes) : undefined;
    let text = `${this.label}: ${bytesSize(p.bytes)}`;
    if (total) text += ` / ${bytesSize(total)}`;
    if (p.entries > 0) text += `  ${p.entries}${p.totalEntries ? `/${Math.max(p.totalEntries, p.entries)}` : ''} files`;
    text += `  ${bytesSize(rate)}/s`;
    if (total && rate > 0 && p.bytes < total) text += `  ETA ${Math.ceil((total - p.bytes) / rate)}s`;
    this.io.stderr.write(`\r\u001b[K${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.io.stderr.write('\r\u001b[K');
    this.shown = false;
  }
}

function progressEnabled(ctx: CommandContext): boolean {
  return Boolean(ctx.io.stderr.isTTY) && !ctx.flags.bool('json');
}

/** Counts bytes going by (client-side progress for streamed archives). */
async function copyWithProgress(src: Readable, dst: Writable, progress: ProgressLine, end: boolean): Promise<void> {
  let bytes = 0;
  for await (const chunk of src as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    progress.update({ bytes, entries: 0 });
    if (!dst.write(chunk)) await once(dst, 'drain');
  }
  if (end) {
    dst.end();
    await once(dst, 'finish');
  }
}

/** Writes a download to a file: .partial, fsync, rename; removed if the archive is not whole. */
async function saveDownload(d: ArchiveDownload, file: string, progress: ProgressLine): Promise<BackupSummaryJson> {
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  const out = createWriteStream('', { fd, autoClose: false });
  try {
    await copyWithProgress(d.body, out, progress, false);
    out.end();
    await once(out, 'finish');
    const r = await d.result();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(partial, file);
    return r;
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      /* closed */
    }
    rmSync(partial, { force: true });
    throw e;
  }
}

/** Same convention as the daemon's archive names (src/backup/retention.ts): <volume>-<UTC stamp><ext>. */
function archiveName(volume: string, compress: string, encrypted: boolean): string {
  const ext = compress === 'gzip' ? '.tar.gz' : compress === 'none' ? '.tar' : '.tar.zst';
  return `${volume}-${new Date().toISOString().replace(/[-:]/g, '')}${ext}${encrypted ? '.age' : ''}`;
}

function shortSummary(s: BackupSummaryJson): string {
  const parts = [`${s.entries} entries`, bytesSize(s.bytes), `${(s.durationMs / 1000).toFixed(1)}s`];
  if (s.archiveBytes !== undefined) parts.push(`archive ${bytesSize(s.archiveBytes)}`);
  for (const c of s.quiesce.containers) parts.push(`${c.action === 'pause' ? 'paused' : 'stopped'} ${c.name} for ${c.frozenMs}ms`);
  return parts.join(', ');
}

function refuseTerminal(io: CliIO): void {
  if (io.stdout.isTTY) {
    throw new CliError('cowardly refusing to write an archive to a terminal. Use the -o flag or redirect', 1);
  }
}

/** An archive argument: a file the daemon may read itself, or stdin ("-"). */
function archiveInput(ctx: CommandContext, arg: string): { file?: LocalFile; stream?: () => Readable } {
  if (arg === '-') return { stream: () => ctx.io.stdin };
  const path = resolve(ctx.cwd, arg);
  if (!existsSync(path)) throw new CliError(`open ${path}: no such file or directory`, 1);
  return { file: localFile(path), stream: () => createReadStream(path, { highWaterMark: 1 << 20 }) };
}

/** Tries the daemon-reads-the-file path first, then streams. */
async function withInput<T>(ctx: CommandContext, arg: string, call: (input: LocalFile | Readable) => Promise<T>): Promise<T> {
  const { file, stream } = archiveInput(ctx, arg);
  if (file) {
    try {
      return await call(file);
    } catch (e) {
      if (!isNotVisible(e)) throw e;
    }
  }
  return call((stream as () => Readable)());
}

// ---------------------------------------------------------------- export / import

const exportCmd: Command = {
  name: 'export',
  usage: '[OPTIONS] VOLUME',
  short: "Export a volume's content as a tar stream",
  args: { exact: 1 },
  flags: [{ name: 'output', short: 'o', kind: 'string', description: 'Write to a file, instead of STDOUT' }],
  async run(ctx) {
    const name = ctx.args[0] as string;
    const out = ctx.flags.string('output');
    if (out === undefined || out === '-') refuseTerminal(ctx.io);
    const api = new BackupApi(await ctx.client());
    const d = await api.exportStream(name);
    const progress = new ProgressLine(ctx.io, name, Boolean(ctx.io.stderr.isTTY) && out !== undefined && out !== '-');
    try {
      if (out !== undefined && out !== '-') {
        await saveDownload(d, resolve(ctx.cwd, out), progress);
      } else {
        await copyWithProgress(d.body, ctx.io.stdout, progress, false);
        await d.result();
      }
    } finally {
      progress.done();
    }
  },
};

const importCmd: Command = {
  name: 'import',
  usage: '[OPTIONS] VOLUME [FILE|-]',
  short: "Replace a volume's content with a tar archive (created if missing)",
  args: { min: 1, max: 2 },
  flags: [STOP_FLAG, DEVICES_FLAG, IDENTITY_FLAG, PASSPHRASE_FLAG, JSON_FLAG],
  async run(ctx) {
    const name = ctx.args[0] as string;
    const src = ctx.args[1] ?? '-';
    if (src === '-' && ctx.io.stdin.isTTY) throw new CliError('cowardly refusing to read an archive from a terminal', 1);
    const api = new BackupApi(await ctx.client());
    const progress = new ProgressLine(ctx.io, name, progressEnabled(ctx));
    try {
      const r = await withInput(ctx, src, (input) =>
        api.importVolume(
          name,
          input,
          { stop: ctx.flags.bool('force'), allowDevices: ctx.flags.bool('allow-devices'), progress: progressEnabled(ctx), ...secretsOf(ctx) },
          (p) => progress.update(p),
        ),
      );
      progress.done();
      ctx.io.stdout.write(ctx.flags.bool('json') ? `${JSON.stringify(r)}\n` : `${r.volume}\n`);
    } finally {
      progress.done();
    }
  },
};

// ---------------------------------------------------------------- backup

const backupCmd: Command = {
  name: 'backup',
  usage: '[OPTIONS] VOLUME [VOLUME...] | --all',
  short: 'Back up volumes into self-describing, verifiable archives',
  args: { min: 0 },
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Back up every volume' },
    { name: 'output', short: 'o', kind: 'string', description: 'Directory or file for the archive ("-": STDOUT)' },
    { name: 'compress', kind: 'string', description: 'zstd, gzip or none', defaultText: '"zstd"' },
    { name: 'checksum', kind: 'string', description: 'Per-file checksum in the manifest: crc32 or sha256', defaultText: '"crc32"' },
    { name: 'encrypt-to', kind: 'stringArray', typeName: 'recipient', description: 'Encrypt to an age recipient (age1…, ssh key, or a recipients file)' },
    PASSPHRASE_FLAG,
    QUIESCE_FLAG,
    { name: 'pre-exec', kind: 'stringArray', typeName: 'ctr:cmd', description: 'Run CMD in container CTR before the backup' },
    { name: 'post-exec', kind: 'stringArray', typeName: 'ctr:cmd', description: 'Run CMD in container CTR after the backup' },
    { name: 'keep-last', kind: 'int', description: 'After backing up, keep only the N newest archives per volume' },
    { name: 'keep-within', kind: 'string', typeName: 'duration', description: 'After backing up, keep archives younger than this (e.g. 7d, 36h)' },
    IDENTITY_FLAG,
    JSON_FLAG,
  ],
  async run(ctx) {
    const client = await ctx.client();
    const api = new BackupApi(client);
    const all = ctx.flags.bool('all');
    if (all && ctx.args.length > 0) throw new CliError('conflicting options: either specify --all or volumes', 1);
    if (!all && ctx.args.length === 0) throw new CliError(`${ctx.program}: 'volume backup' requires at least 1 argument or --all`, 1);
    const volumes = all ? ((await new VolumesApi(client).list(new Map())).Volumes ?? []).map((v) => v.Name).sort() : ctx.args;
    const compress = ctx.flags.string('compress') ?? 'zstd';
    if (!['zstd', 'gzip', 'none'].includes(compress)) throw new CliError(`invalid argument "${compress}" for "--compress" flag: use zstd, gzip or none`, 125);
    const recipients: string[] = [];
    for (const r of ctx.flags.strings('encrypt-to')) {
      const p = resolve(ctx.cwd, r);
      if (!r.startsWith('age1') && !r.startsWith('ssh-') && existsSync(p)) {
        recipients.push(...readFileSync(p, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
      } else recipients.push(r);
    }
    const pf = ctx.flags.string('passphrase-file');
    if (pf !== undefined && recipients.length > 0) throw new CliError('conflicting options: --encrypt-to and --passphrase-file', 1);
    const checksum = ctx.flags.string('checksum');
    if (checksum !== undefined && checksum !== 'crc32' && checksum !== 'sha256') {
      throw new CliError(`invalid argument "${checksum}" for "--checksum" flag: use crc32 or sha256`, 125);
    }
    const params: BackupParams = {
      compress,
      checksum,
      quiesce: quiesceOf(ctx),
      preExec: ctx.flags.strings('pre-exec'),
      postExec: ctx.flags.strings('post-exec'),
      recipients,
      ...(pf !== undefined ? { passphrase: readPassphrase(resolve(ctx.cwd, pf)) } : {}),
    };
    for (const h of [...(params.preExec ?? []), ...(params.postExec ?? [])]) {
      if (!/^[^:]+:.+/.test(h)) throw new CliError(`invalid argument "${h}" for hook: expected CONTAINER:COMMAND`, 125);
    }
    const encrypted = recipients.length > 0 || pf !== undefined;
    const keepLast = ctx.flags.int('keep-last');
    const keepWithin = ctx.flags.string('keep-within');
    const retention = keepLast !== undefined || keepWithin !== undefined;
    const json = ctx.flags.bool('json');
    const out = ctx.flags.string('output');

    // Where archives go: STDOUT, one file, or a directory.
    const toStdout = out === '-' || (out === undefined && !all && volumes.length === 1 && !ctx.io.stdout.isTTY && !retention);
    if (toStdout) {
      if (volumes.length !== 1) throw new CliError('only one volume can be written to STDOUT', 1);
      refuseTerminal(ctx.io);
      const progress = new ProgressLine(ctx.io, volumes[0] as string, Boolean(ctx.io.stderr.isTTY));
      try {
        const d = await api.backupStream(volumes[0] as string, params);
        await copyWithProgress(d.body, ctx.io.stdout, progress, false);
        const r = await d.result();
        progress.done();
        if (json) ctx.io.stderr.write(`${JSON.stringify(r)}\n`);
      } finally {
        progress.done();
      }
      return;
    }
    const target = resolve(ctx.cwd, out ?? '.');
    const isDir = existsSync(target) && statSync(target).isDirectory();
    if (!isDir && volumes.length > 1) throw new CliError(`${target} is not a directory (several volumes need one)`, 1);
    if (!isDir && retention) throw new CliError('--keep-last/--keep-within need a directory (-o DIR)', 1);
    const dir = isDir ? target : dirname(target);
    const fixedName = isDir ? undefined : basename(target);
    let failed = 0;
    for (const vol of volumes) {
      const progress = new ProgressLine(ctx.io, vol, progressEnabled(ctx));
      try {
        let r: BackupSummaryJson;
        try {
          r = await api.backupToDirectory(
            vol,
            params,
            localFile(dir),
            { fileName: fixedName, receipt: all || retention, progress: progressEnabled(ctx) },
            (p) => progress.update(p),
          );
        } catch (e) {
          if (!isNotVisible(e)) throw e;
          // The daemon cannot see this directory: stream the archive and write it here.
          const file = resolve(dir, fixedName ?? archiveName(vol, compress, encrypted));
          r = { ...(await saveDownload(await api.backupStream(vol, params), file, progress)), file, archiveBytes: statSync(file).size };
        }
        progress.done();
        ctx.io.stdout.write(json ? `${JSON.stringify(r)}\n` : `${vol}: ${r.file ?? ''} (${shortSummary(r)})\n`);
        for (const w of r.warnings) ctx.io.stderr.write(`warning: ${vol}: ${w}\n`);
      } catch (e) {
        progress.done();
        failed++;
        const msg = e instanceof ApiError ? `Error response from daemon: ${e.message}` : `${e instanceof Error ? e.message : String(e)}`;
        ctx.io.stderr.write(`${vol}: ${msg}\n`);
      }
    }
    if (retention && isDir) {
      const r = await api.prune(localFile(dir), { keepLast, keepWithin, volumes }, secretsOf(ctx));
      if (json) ctx.io.stdout.write(`${JSON.stringify({ prune: r })}\n`);
      else for (const f of r.deleted) ctx.io.stdout.write(`deleted ${f}\n`);
      for (const w of r.warnings) ctx.io.stderr.write(`warning: ${w}\n`);
    }
    if (failed > 0) return 1;
  },
};

// ---------------------------------------------------------------- restore / verify

const restoreCmd: Command = {
  name: 'restore',
  usage: '[OPTIONS] ARCHIVE|- [VOLUME]',
  short: 'Restore a volume from a backup archive (atomically; created from its recorded definition if missing)',
  args: { min: 1, max: 2 },
  flags: [
    STOP_FLAG,
    DEVICES_FLAG,
    { name: 'plain', kind: 'bool', description: 'Create a missing volume as a plain local volume (recorded driver options ignored)' },
    IDENTITY_FLAG,
    PASSPHRASE_FLAG,
    JSON_FLAG,
  ],
  async run(ctx) {
    const src = ctx.args[0] as string;
    if (src === '-' && ctx.io.stdin.isTTY) throw new CliError('cowardly refusing to read an archive from a terminal', 1);
    const api = new BackupApi(await ctx.client());
    const progress = new ProgressLine(ctx.io, 'restore', progressEnabled(ctx));
    try {
      const r = await withInput(ctx, src, (input) =>
        api.restore(
          input,
          {
            name: ctx.args[1],
            stop: ctx.flags.bool('force'),
            allowDevices: ctx.flags.bool('allow-devices'),
            plain: ctx.flags.bool('plain'),
            progress: progressEnabled(ctx),
            ...secretsOf(ctx),
          },
          (p) => progress.update(p),
        ),
      );
      progress.done();
      ctx.io.stdout.write(ctx.flags.bool('json') ? `${JSON.stringify(r)}\n` : `${r.volume}\n`);
    } finally {
      progress.done();
    }
  },
};

const verifyCmd: Command = {
  name: 'verify',
  usage: '[OPTIONS] ARCHIVE|-',
  short: 'Check a backup archive against its manifest',
  args: { exact: 1 },
  flags: [
    { name: 'restore-test', kind: 'bool', description: 'Also restore into a scratch directory and compare every entry' },
    IDENTITY_FLAG,
    PASSPHRASE_FLAG,
    JSON_FLAG,
  ],
  async run(ctx) {
    const src = ctx.args[0] as string;
    const api = new BackupApi(await ctx.client());
    const progress = new ProgressLine(ctx.io, 'verify', progressEnabled(ctx));
    try {
      const r = await withInput(ctx, src, (input) =>
        api.verify(input, { restoreTest: ctx.flags.bool('restore-test'), progress: progressEnabled(ctx), ...secretsOf(ctx) }, (p) =>
          progress.update(p),
        ),
      );
      progress.done();
      const restoreOk = r.restoreTest ? r.restoreTest.ok : true;
      if (ctx.flags.bool('json')) ctx.io.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        const vol = r.header?.volume.name ?? '?';
        ctx.io.stdout.write(
          `${r.verified ? 'OK' : 'NOT VERIFIED'}: ${src}: volume ${vol}, ${r.entries} entries, ${r.files} files, ${bytesSize(r.bytes)}` +
            `${r.encrypted ? ', encrypted' : ''}${r.header ? `, made ${r.header.createdAt}` : ''}\n`,
        );
        if (r.restoreTest) {
          ctx.io.stdout.write(r.restoreTest.ok ? 'restore test: OK, every entry matches\n' : 'restore test: FAILED\n');
          for (const d of r.restoreTest.differences) ctx.io.stdout.write(`  ${d}\n`);
        }
      }
      if (!r.verified || !restoreOk) return 1;
    } finally {
      progress.done();
    }
  },
};

// ---------------------------------------------------------------- clone / migrate

const cloneCmd: Command = {
  name: 'clone',
  usage: '[OPTIONS] SOURCE TARGET',
  short: 'Copy a volume (content, metadata and labels) into a new volume',
  args: { exact: 2 },
  flags: [QUIESCE_FLAG, JSON_FLAG],
  async run(ctx) {
    const api = new BackupApi(await ctx.client());
    const r = await api.clone(ctx.args[0] as string, ctx.args[1] as string, quiesceOf(ctx));
    ctx.io.stdout.write(ctx.flags.bool('json') ? `${JSON.stringify(r)}\n` : `${r.target}\n`);
  },
};

export interface SshTarget {
  user: string | undefined;
  host: string;
  port: number | undefined;
  socket: string | undefined;
}

/** ssh://[user@]host[:port][/path/to/socket] */
export function parseSshUrl(url: string): SshTarget {
  const m = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!m) throw new CliError(`invalid --to "${url}": expected ssh://user@host[:port][/socket]`, 125);
  return { user: m[1], host: (m[2] as string).replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined, socket: m[4] };
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const migrateCmd: Command = {
  name: 'migrate',
  usage: '[OPTIONS] VOLUME --to ssh://user@host[:port][/socket]',
  short: 'Move a volume to another ballast daemon over ssh (backup here, restore there)',
  args: { exact: 1 },
  flags: [
    { name: 'to', kind: 'string', description: 'Destination: ssh://user@host[:port][/path/to/ballast.sock]' },
    { name: 'name', kind: 'string', description: 'Name of the volume on the destination (default: the same)' },
    QUIESCE_FLAG,
    { name: 'compress', kind: 'string', description: 'zstd, gzip or none', defaultText: '"zstd"' },
    STOP_FLAG,
    { name: 'ssh-identity', kind: 'string', typeName: 'file', description: 'ssh private key' },
    { name: 'ssh-option', kind: 'stringArray', typeName: 'option', description: 'ssh -o option (repeatable)' },
    { name: 'remote-ballast', kind: 'string', description: 'ballast command on the destination', defaultText: '"ballast"' },
    JSON_FLAG,
  ],
  async run(ctx) {
    const name = ctx.args[0] as string;
    const to = ctx.flags.string('to');
    if (!to) throw new CliError('--to is required', 125);
    const t = parseSshUrl(to);
    const sshArgs: string[] = ['-o', 'BatchMode=yes'];
    const id = ctx.flags.string('ssh-identity');
    if (id) sshArgs.push('-i', resolve(ctx.cwd, id));
    for (const o of ctx.flags.strings('ssh-option')) sshArgs.push('-o', o);
    if (t.port !== undefined) sshArgs.push('-p', String(t.port));
    sshArgs.push(t.user ? `${t.user}@${t.host}` : t.host);
    const remote = [ctx.flags.string('remote-ballast') ?? 'ballast', 'volume', 'restore', '--json'];
    if (ctx.flags.bool('force')) remote.push('--force');
    remote.push('-', ctx.flags.string('name') ?? name);
    const env = t.socket ? `BALLAST_HOST=${shQuote(`unix://${t.socket}`)} ` : '';
    sshArgs.push('--', `${env}${remote.map(shQuote).join(' ')}`);

    const api = new BackupApi(await ctx.client());
    const d = await api.backupStream(name, { compress: ctx.flags.string('compress') ?? 'zstd', quiesce: quiesceOf(ctx) });
    const ssh = spawn('ssh', sshArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    let remoteOut = '';
    let remoteErr = '';
    ssh.stdout.on('data', (b: Buffer) => (remoteOut += b.toString('utf8')));
    ssh.stderr.on('data', (b: Buffer) => (remoteErr += b.toString('utf8')));
    ssh.stdin.on('error', () => undefined);
    const exited = new Promise<number>((res) => ssh.on('close', (code) => res(code ?? 255)));
    const progress = new ProgressLine(ctx.io, `${name} → ${t.host}`, progressEnabled(ctx));
    let local: BackupSummaryJson | undefined;
    let localError: unknown;
    try {
      await copyWithProgress(d.body, ssh.stdin, progress, true);
      local = await d.result();
    } catch (e) {
      localError = e;
      ssh.kill('SIGTERM');
    } finally {
      progress.done();
    }
    const code = await exited;
    // A remote failure stops ssh reading, which the local side sees as a broken pipe: say why.
    if (localError && code === 0) throw localError;
    if (code !== 0) {
      throw new CliError(`migration failed on ${t.host}: ${remoteErr.trim() || remoteOut.trim() || `ssh exit status ${code}`}`, 1);
    }
    const restored = remoteOut.trim().split('\n').pop() ?? '{}';
    if (ctx.flags.bool('json')) ctx.io.stdout.write(`${JSON.stringify({ backup: local, restore: JSON.parse(restored) as unknown })}\n`);
    else ctx.io.stdout.write(`${name} → ${to} (${local ? shortSummary(local) : ''})\n`);
  },
};

export const volumeBackupCommands: Command[] = [exportCmd, importCmd, backupCmd, restoreCmd, verifyCmd, cloneCmd, migrateCmd];
