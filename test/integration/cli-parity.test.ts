/**
 * CLI parity: the same commands through the stock docker CLI (28.x) and through
 * bin/ballast, both against one private reference dockerd, must give the same
 * exit code, stdout and stderr once the program name, ids, timestamps and ages
 * are normalised. This pins the ballast CLI's container and image commands
 * (flags, request shapes, output formats, messages, exit codes) to docker's.
 *
 * Each case runs all its steps with docker first, then with ballast; the engine
 * is reset in between (containers and volumes removed, images back to the two
 * fixtures), and names carry a per-client token ({n}) so each client works on
 * its own objects. dockerd, its temp tree and any mount it left are removed at
 * the end, even when a case fails.
 *
 * Env: BALLAST_PARITY_CASES=name1,name2 runs a subset.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliBinary, cliEnv, runCli, type CliKind, type CliResult } from '../helpers/cli.js';
import { Dockerd } from '../helpers/dockerd.js';
import type { Json } from '../helpers/http.js';
import { resetEngine, lineDiff } from '../helpers/table.js';
import { makeTempDir, removeTempDir, repoRoot } from '../helpers/tmp.js';

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

interface CliStep {
  args: string[];
  stdin?: string;
  /** A file ({w}/{tar} expanded) fed as stdin. */
  stdinFile?: string;
  /** Compare output lines as sets (the daemon's order is not stable, e.g. map iteration). */
  sort?: boolean;
  /** What to compare (default everything). */
  check?: 'all' | 'rc' | 'rc+stderr';
  /** Run under a pseudo-terminal (script(1)), stdout and stderr merged. */
  tty?: boolean;
  timeoutMs?: number;
}

/** A host command (sh -c), run the same way for both clients, its output compared too. */
interface ShStep {
  sh: string;
}

type Step = CliStep | ShStep;

interface Case {
  name: string;
  steps: Step[];
}

const run = (...args: string[]): CliStep => ({ args });
const C = (args: string[], opts: Omit<CliStep, 'args'> = {}): CliStep => ({ args, ...opts });

const CASES: Case[] = [
  // -- run/create: daemon errors, client-side option errors, exit codes --------------------------
  { name: 'run: image not found, pull fails', steps: [run('run', 'nope-img'), run('run', '--pull', 'never', 'nope-img'), run('run', '-q', 'nope-img')] },
  { name: 'create: image not found', steps: [run('create', 'nope-img'), run('create', '--pull', 'never', 'nope-img:1')] },
  { name: 'run: references', steps: [run('run', 'UPPER'), run('create', 'UPPER'), run('run', 'sha256:1234')] },
  { name: 'run: exit codes 125/126/127', steps: [run('run', '--rm', 'busybox'), run('run', '--rm', 'busybox', '/nonexistent'), run('run', '--rm', 'busybox', '/etc')] },
  { name: 'run: status of the process', steps: [run('run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3'), run('run', '--rm', 'bbsh', 'true')] },
  {
    name: 'run: -v/--mount/--tmpfs client stage',
    steps: [
      run('run', '-v', ':/x', 'busybox', 'true'),
      run('create', '-v', ':/x', 'busybox', 'true'),
      run('run', '-v', '/a:/b:/c:/d', 'busybox', 'true'),
      run('run', '-v', '', 'busybox', 'true'),
      run('run', '-v', 'a:/b:xx', 'busybox', 'true'),
      run('run', '--mount', 'type=foo', 'busybox'),
      run('run', '--mount', 'type=bind,src=/nonexist-src,dst=/x', 'busybox', 'true'),
      run('create', '--mount', 'type=bind,src=/nonexist-src,dst=/x', 'busybox', 'true'),
      run('run', '--tmpfs', '', 'busybox', 'true'),
    ],
  },
  {
    name: 'run: other option errors',
    steps: [
      run('run', '-e', '', 'busybox', 'true'),
      run('run', '--env-file', '/nonexist-env', 'busybox', 'true'),
      run('run', '-p', 'bad', 'busybox', 'true'),
      run('run', '-p', '99999:80', 'busybox', 'true'),
      run('run', '--restart', 'bad', 'busybox', 'true'),
      run('run', '--rm', '--restart', 'always', 'busybox', 'true'),
      run('run', '--pull', 'bad', 'busybox'),
      run('run', '--stop-timeout', 'x', 'busybox'),
      run('run', '-l', '', 'busybox'),
      run('run', '--network', 'host', '--network-alias', 'x', 'busybox'),
      run('run', '-it', 'busybox', 'true'),
      run('run', '-d', '-a', 'stdout', 'busybox'),
    ],
  },
  {
    name: 'container group forms and argument counts',
    steps: [
      run('container', 'create', '-v', ':/x', 'busybox'),
      run('container', 'run', '--rm', 'busybox', '/nonexistent'),
      run('container', 'run', 'nope-img'),
      run('container', 'ls', '-a', '--format', '{{.Names}}'),
      run('image', 'ls', '--format', '{{.Repository}}'),
      run('run'),
      run('exec', 'x'),
      run('cp', 'a'),
      run('rename', 'a'),
      run('logs'),
      run('ps', 'x'),
      run('port'),
      run('port', 'a', 'b', 'c'),
      run('import'),
      run('import', '/nonexist-a', 'b', 'c'),
      run('load', 'x'),
      run('run', '--bogus', 'busybox'),
      run('ps', '--bogus'),
    ],
  },
  {
    name: 'run: stdin',
    steps: [
      C(['run', '--rm', '-i', 'busybox', 'cat'], { stdin: 'hello\nworld\n' }),
      C(['run', '--rm', 'busybox', 'cat'], { stdin: 'not read\n' }),
      C(['run', '-a', 'stdin', '-i', 'busybox', 'sh', '-c', 'cat >/dev/null; exit 3'], { stdin: 'x\n' }),
      C(['run', '-a', 'stderr', 'busybox', 'sh', '-c', 'echo o; echo e >&2']),
    ],
  },
  {
    name: 'run: env and labels',
    steps: [
      { sh: 'printf "A=1\\n# comment\\n  B=2\\nPARITY_SET\\nPARITY_UNSET\\n" > {w}/env' },
      C(['run', '--rm', '--env-file', '{w}/env', '-e', 'PARITY_SET', '-e', 'C=3', '-w', '/tmp', '-u', '1000', '-h', 'hn', 'busybox', 'sh', '-c', 'env | sort | grep -v ^PATH=; id -u; pwd; hostname']),
      C(['run', '-d', '--name', 'l-{n}', '-l', 'a=b', '--label-file', '{w}/env', 'busybox', 'true']),
      C(['wait', 'l-{n}']),
      C(['inspect', '-f', '{{json .Config.Labels}} {{.Config.Cmd}} {{.Config.Entrypoint}} {{.HostConfig.RestartPolicy.Name}}', 'l-{n}']),
    ],
  },
  {
    name: 'run -d, logs, exec, diff, pause, rename, kill, wait, start, restart, stop, rm',
    steps: [
      C(['run', '-d', '--name', 'c-{n}', 'busybox', 'sh', '-c', 'echo o1; mkdir /newdir; touch /etc/x; rm /bin/vi; sleep 1000']),
      { sh: 'sleep 1' },
      C(['logs', 'c-{n}']),
      C(['logs', '-t', 'c-{n}']),
      C(['logs', '--tail', '1', 'c-{n}']),
      C(['exec', 'c-{n}', 'sh', '-c', 'echo x; echo y >&2; exit 4']),
      C(['exec', '-i', 'c-{n}', 'cat'], { stdin: 'input\n' }),
      C(['exec', '-u', '1000', '-w', '/tmp', '-e', 'V=1', 'c-{n}', 'sh', '-c', 'id -u; pwd; echo $V']),
      C(['exec', '-d', 'c-{n}', 'true']),
      C(['exec', 'c-{n}', '/nonexistent']),
      C(['diff', 'c-{n}'], { sort: true }),
      C(['pause', 'c-{n}']),
      C(['ps', '--format', '{{.Names}} {{.State}}']),
      C(['exec', 'c-{n}', 'true']),
      C(['unpause', 'c-{n}']),
      C(['rename', 'c-{n}', 'c2-{n}']),
      C(['rename', 'c2-{n}', 'c2-{n}']),
      C(['port', 'c2-{n}']),
      C(['port', 'c2-{n}', '80']),
      C(['kill', '-s', 'KILL', 'c2-{n}']),
      C(['wait', 'c2-{n}']),
      C(['kill', 'c2-{n}']),
      C(['start', 'c2-{n}', 'nosuch']),
      C(['restart', '-t', '0', 'c2-{n}']),
      C(['stop', '-t', '0', 'c2-{n}']),
      C(['stop', 'c2-{n}']),
      C(['rm', '-v', 'c2-{n}']),
      C(['ps', '-aq']),
    ],
  },
  {
    name: 'start -a / -ai, create',
    steps: [
      C(['create', '--name', 'sa-{n}', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 2']),
      C(['start', '-a', 'sa-{n}']),
      C(['create', '-i', '--name', 'si-{n}', 'busybox', 'sh', '-c', 'cat; exit 3']),
      C(['start', '-ai', 'si-{n}'], { stdin: 'piped\n' }),
      C(['start', '-a', 'sa-{n}', 'si-{n}']),
      C(['wait', 'sa-{n}', 'si-{n}', 'nosuch']),
      C(['rm', 'sa-{n}', 'nosuch', 'si-{n}']),
      C(['rm', '-f', 'nosuch']),
      C(['create', '--name', 'bad-{n}', 'busybox', '/nonexistent']),
      C(['start', 'bad-{n}']),
      C(['start', '-a', 'bad-{n}']),
      C(['run', '--name', 'bad-{n}', 'busybox', 'true']),
      C(['create', '--name', 'bad-{n}', 'busybox', 'true']),
      C(['run', '--rm', '--read-only', 'busybox', 'touch', '/x']),
      C(['run', '--rm', '--entrypoint', '', 'bbsh', 'echo', 'hi']),
    ],
  },
  {
    name: 'ps formats',
    steps: [
      C(['create', '--name', 'p1-{n}', '-l', 'k=v', '-v', '/anon', 'busybox', 'sh', '-c', 'echo a very long command line here']),
      C(['run', '--name', 'p2-{n}', 'busybox', 'sh', '-c', 'exit 3']),
      C(['run', '-d', '--name', 'p3-{n}', 'busybox', 'sleep', '1000']),
      C(['ps']),
      C(['ps', '-a']),
      C(['ps', '-a', '--no-trunc']),
      C(['ps', '-as']),
      C(['ps', '-aq']),
      C(['ps', '-a', '--format', 'table {{.Names}}\t{{.Labels}}\t{{.State}}\t{{.Command}}']),
      C(['ps', '-a', '--format', '{{.Names}} {{.Label "k"}} {{.LocalVolumes}} {{.Networks}} {{.Platform}}']),
      C(['ps', '-a', '--format', 'json']),
      C(['ps', '-n', '1']),
      C(['ps', '-l', '-q']),
      C(['ps', '-a', '--filter', 'status=exited']),
      C(['ps', '-a', '--filter', 'name=p1-{n}', '--format', '{{.Names}}']),
      C(['ps', '-q', '--format', '{{.Names}}']),
      C(['ps', '--format', '{{.Nope}}']),
      C(['ps', '--format', '{{.Nope']),
      C(['ps', '-a', '--filter', 'bad']),
    ],
  },
  {
    name: 'inspect',
    steps: [
      C(['create', '--name', 'i-{n}', '-p', '8080:80', '-e', 'A=1', '-l', 'x=y', '-v', '/anon', '--tmpfs', '/t:size=1m', 'busybox', 'sh']),
      C(['inspect', 'busybox']),
      C(['image', 'inspect', 'busybox', 'bbsh']),
      C(['inspect', '--format', 'json', 'bbsh']),
      C(['inspect', '-f', '{{.Config.Cmd}} {{.Config.Env}} {{.Config.Labels}} {{.Config.Volumes}} {{.HostConfig.Tmpfs}} {{.HostConfig.PortBindings}} {{.SizeRw}} {{.HostConfig.Init}} {{.Config.ExposedPorts}}', 'i-{n}', 'busybox']),
      C(['container', 'inspect', '-f', '{{.Name}} {{.State.Status}} {{index .Config.Labels "x"}}', 'i-{n}', 'nosuch']),
      C(['inspect', '-s', '-f', '{{.SizeRw}}', 'i-{n}', 'busybox']),
      C(['inspect', '-f', '{{.Nope}}', 'i-{n}', 'busybox']),
      C(['inspect', '-f', '{{.Nope', 'i-{n}']),
      C(['inspect', 'nosuch']),
      C(['inspect', '-f', '{{.Id}}', 'nosuch']),
      C(['inspect', '--type', 'container', 'busybox']),
      C(['inspect', '--type', 'foo', 'x']),
      C(['image', 'inspect', 'nosuch']),
    ],
  },
  {
    name: 'not found everywhere',
    steps: [
      run('stop', 'nosuch', 'nosuch2'),
      run('kill', 'nosuch'),
      run('restart', 'nosuch'),
      run('pause', 'nosuch'),
      run('unpause', 'nosuch'),
      run('rm', 'nosuch'),
      run('wait', 'nosuch'),
      run('diff', 'nosuch'),
      run('rename', 'nosuch', 'x'),
      run('port', 'nosuch'),
      run('logs', 'nosuch'),
      run('exec', 'nosuch', 'true'),
      run('start', 'nosuch'),
      run('start', '-a', 'nosuch'),
      run('cp', 'nosuch:/x', '/tmp/parity-nowhere'),
      run('rmi', 'nosuch'),
      run('tag', 'nosuch', 'x'),
      run('history', 'nosuch'),
      run('save', 'nosuch'),
    ],
  },
  {
    name: 'cp both directions',
    steps: [
      C(['run', '-d', '--name', 'cp-{n}', 'busybox', 'sh', '-c', 'mkdir -p /data/sub; echo hello > /data/f; echo n > /data/sub/n; ln -s f /data/lnk; sleep 1000']),
      { sh: 'sleep 1; mkdir -p {w}/local' },
      C(['cp', 'cp-{n}:/data', '{w}/out']),
      C(['cp', 'cp-{n}:/data/f', '{w}/f1']),
      C(['cp', 'cp-{n}:/data/f', '{w}/out']),
      C(['cp', 'cp-{n}:/data/f', '{w}/nodir/']),
      C(['cp', 'cp-{n}:/nonexist', '{w}/x']),
      C(['cp', 'cp-{n}:/data/.', '{w}/dot']),
      C(['cp', '-L', 'cp-{n}:/data/lnk', '{w}/lnkf']),
      C(['cp', 'cp-{n}:/data/lnk', '{w}/lnk2']),
      { sh: 'cd {w} && find out dot f1 lnkf lnk2 -printf "%p %y %s\\n" | sort' },
      C(['cp', '{w}/out/.', 'cp-{n}:/data2']),
      C(['cp', '{w}/f1', 'cp-{n}:/data/newf']),
      C(['cp', '{w}/f1', 'cp-{n}:/nonexist/x']),
      C(['cp', '{w}/nonexist', 'cp-{n}:/data']),
      C(['cp', '{w}/out', 'cp-{n}:/data/out']),
      C(['cp', '{w}/f1', 'cp-{n}:/data/f/x']),
      C(['cp', 'cp-{n}:/data/f', '-'], { check: 'rc' }),
      C(['cp', '-', 'cp-{n}:/data/f']),
      C(['exec', 'cp-{n}', 'find', '/data', '/data2'], { sort: true }),
      C(['cp', 'a', 'b']),
      C(['cp', 'cp-{n}:/a', 'cp-{n}:/b']),
    ],
  },
  {
    name: 'images: import, tag, ls, save, load, history, rmi, prune',
    steps: [
      C(['import', '-c', 'CMD ["sh"]', '-c', 'ENV A=b', '-m', 'a msg', '{tar}', 'imp-{n}:1']),
      C(['import', '{tar}', 'bad:UPPER:x']),
      C(['import', '/nonexist-tar']),
      C(['import', '-c', 'BOGUS x', '{tar}']),
      C(['inspect', '-f', '{{.Comment}} {{.Config.Cmd}} {{.Config.Env}} {{.RepoTags}}', 'imp-{n}:1']),
      C(['tag', 'imp-{n}:1', 'imp-{n}:2']),
      C(['tag', 'imp-{n}:1', 'BAD']),
      C(['images', 'imp-{n}']),
      C(['images', '-q', 'imp-{n}']),
      C(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.Size}}', '--filter', 'reference=imp-{n}']),
      C(['images', '--no-trunc', '--format', '{{.ID}}', 'imp-{n}:1']),
      C(['images', '--format', 'json', 'imp-{n}']),
      C(['import', '-', 'imp-{n}:stdin'], { stdinFile: '{tar}' }),
      // Images created within one second come in the daemon's (unstable) order.
      C(['images', '--format', '{{.Repository}}:{{.Tag}}', 'imp-{n}'], { sort: true }),
      C(['save', '-o', '{w}/save.tar', 'imp-{n}:1']),
      C(['save', 'imp-{n}:1', 'imp-{n}:2'], { check: 'rc' }),
      C(['save', '-o', '/nonexist-dir/x.tar', 'imp-{n}:1']),
      C(['rmi', 'imp-{n}:1', 'imp-{n}:2']),
      C(['load', '-i', '{w}/save.tar']),
      C(['load', '-i', '/nonexist-tar']),
      C(['rmi', 'imp-{n}:1']),
      C(['load'], { stdinFile: '{w}/save.tar' }),
      C(['load', '-q', '-i', '{w}/save.tar']),
      C(['history', 'imp-{n}:1']),
      C(['history', '-H=false', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}', 'imp-{n}:1']),
      C(['history', '-q', 'imp-{n}:1']),
      C(['image', 'rm', '-f', 'imp-{n}:1', 'nosuch']),
      C(['rmi', 'nosuch', 'imp-{n}:1']),
      C(['image', 'prune', '-f']),
    ],
  },
  {
    name: 'container prune',
    steps: [
      C(['create', '--name', 'pr1-{n}', 'busybox', 'true']),
      C(['create', '--name', 'pr2-{n}', 'busybox', 'true']),
      C(['container', 'prune', '-f'], { sort: true }),
      C(['container', 'prune', '-f']),
    ],
  },
  {
    name: 'tty',
    steps: [
      C(['run', '--rm', '-it', 'busybox', 'sh', '-c', 'tty; echo err >&2; exit 5'], { tty: true }),
      C(['run', '-d', '--name', 't-{n}', 'busybox', 'sleep', '1000']),
      C(['exec', '-it', 't-{n}', 'sh', '-c', 'tty; exit 6'], { tty: true }),
      C(['exec', '-t', 't-{n}', 'sh', '-c', 'echo a; exit 7'], { tty: true }),
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

const TOKEN: Record<CliKind, string> = { docker: 'xdockerx', ballast: 'xballastx' };
const AGE = /(Less than a second|About a minute|About an hour|\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))/g;

function normalize(text: string, kind: CliKind, scratch: string, root: string): string {
  return (
    text
      .split(scratch)
      .join('<w>')
      .split(root)
      .join('<root>')
      .split(TOKEN[kind])
      .join('<n>')
      // The program name: "docker: …", "Run 'docker run --help'", "Usage:  docker run".
      .replace(/\b(docker|ballast)\b/g, '<cli>')
      .replace(/\b(Docker|ballast) daemon\b/g, '<cli> daemon')
      .replace(/\b[0-9a-f]{64}\b/g, '<hex>')
      .replace(/\b[0-9a-f]{12}\b/g, '<id>')
      // An anonymous volume name, ellipsized in `ps` (Mounts column).
      .replace(/\b[0-9a-f]{14}…/g, '<vol>…')
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, '<time>')
      .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \w+/g, '<time>')
      .replace(AGE, '<age>')
      // Table columns are padded to their widest cell, which depends on the ages above.
      .replace(/ {2,}/g, '  ')
      .replace(/ +$/gm, '')
  );
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

interface StepResult {
  label: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** Extra environment of both clients (`-e NAME` and bare names in --env-file read it). */
const CLIENT_ENV = { PARITY_SET: 'from-client-env' };

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs a client under script(1): a pseudo-terminal of 33x111, stdout and stderr merged. */
function runTty(kind: CliKind, host: string, args: readonly string[], timeoutMs: number): Promise<CliResult> {
  const cmd = `stty rows 33 cols 111; exec ${[cliBinary(kind), ...args].map(shellQuote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: cliEnv(kind, host, CLIENT_ENV),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? -1, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    // Keep the terminal's input open: when script(1) sees EOF it sends an EOF/NUL to the
    // pty, which lands in the output at a random point.
    child.on('close', () => child.stdin.destroy());
  });
}

async function runSteps(ref: Dockerd, kind: CliKind, c: Case, scratch: string, tar: string): Promise<StepResult[]> {
  const expand = (s: string): string => s.replaceAll('{n}', TOKEN[kind]).replaceAll('{w}', scratch).replaceAll('{tar}', tar);
  const results: StepResult[] = [];
  for (const step of c.steps) {
    if ('sh' in step) {
      const r = spawnSync('sh', ['-c', expand(step.sh)], { encoding: 'utf8' });
      results.push({ label: `sh: ${step.sh}`, code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
      continue;
    }
    const args = step.args.map(expand);
    const timeoutMs = step.timeoutMs ?? 60_000;
    const r = step.tty
      ? await runTty(kind, ref.host, args, timeoutMs)
      : await runCli(kind, ref.host, args, {
          ...(step.stdin !== undefined ? { stdin: expand(step.stdin) } : {}),
          ...(step.stdinFile !== undefined ? { stdin: readFileSync(expand(step.stdinFile)) } : {}),
          timeoutMs,
          env: CLIENT_ENV,
        });
    const norm = (s: string): string => {
      const n = normalize(s, kind, scratch, ref.root);
      return step.sort ? n.split('\n').filter((l) => l !== '').sort().join('\n') : n;
    };
    results.push({ label: args.map(shellQuote).join(' '), code: r.code, stdout: norm(r.stdout), stderr: norm(r.stderr) });
  }
  return results;
}

const BASE_IMAGES = new Set(['busybox:latest', 'bbsh:latest']);

/** Removes every image but the two fixtures (after resetEngine removed the containers). */
async function resetImages(ref: Dockerd): Promise<void> {
  const list = (await ref.api.json('GET', '/images/json?all=1')) as Json;
  for (const img of Array.isArray(list) ? list : []) {
    if (!img || typeof img !== 'object' || Array.isArray(img)) continue;
    const tags = Array.isArray(img['RepoTags']) ? img['RepoTags'].filter((t): t is string => typeof t === 'string') : [];
    if (tags.some((t) => BASE_IMAGES.has(t))) {
      for (const t of tags) if (!BASE_IMAGES.has(t)) await ref.api.request('DELETE', `/images/${t}?force=1`);
      continue;
    }
    if (typeof img['Id'] === 'string') await ref.api.request('DELETE', `/images/${img['Id']}?force=1`);
  }
}

function busyboxTarball(): string {
  const r = spawnSync(join(repoRoot(), 'test/fixtures/busybox-rootfs.sh'), [], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`busybox rootfs: ${r.stderr}`);
  return r.stdout.trim();
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

describe('ballast CLI parity with the docker CLI (reference dockerd)', () => {
  let ref: Dockerd | undefined;
  let work = '';
  let tar = '';

  before(async () => {
    work = makeTempDir('ballast-parity');
    tar = busyboxTarball();
    ref = await Dockerd.start();
    const imp = (args: string[]) => runCli('docker', (ref as Dockerd).host, args, { timeoutMs: 120_000 });
    const a = await imp(['import', tar, 'busybox:latest']);
    assert.equal(a.code, 0, `import busybox: ${a.stderr}`);
    // A second apart, so that `images` lists them in a stable order.
    await new Promise((r) => setTimeout(r, 1100));
    const b = await imp(['import', '--change', 'CMD ["sh"]', tar, 'bbsh:latest']);
    assert.equal(b.code, 0, `import bbsh: ${b.stderr}`);
  });

  after(async () => {
    try {
      if (ref) {
        await ref.stop();
        assert.deepEqual(ref.leakedMounts, [], 'dockerd left mounts behind');
      }
    } finally {
      if (work) removeTempDir(work);
    }
  });

  const only = (process.env['BALLAST_PARITY_CASES'] ?? '').split(',').filter((s) => s !== '');
  for (const c of CASES) {
    const skip = only.length > 0 && !only.some((o) => c.name.includes(o));
    it(c.name, { skip }, async () => {
      const engine = ref as Dockerd;
      const results = {} as Record<CliKind, StepResult[]>;
      for (const kind of ['docker', 'ballast'] as const) {
        await resetEngine(engine);
        await resetImages(engine);
        const scratch = join(work, `${c.name.replace(/\W+/g, '-')}-${kind}`);
        mkdirSync(scratch, { recursive: true });
        writeFileSync(join(scratch, '.keep'), '');
        results[kind] = await runSteps(engine, kind, c, scratch, tar);
      }
      await resetEngine(engine);
      const failures: string[] = [];
      c.steps.forEach((step, i) => {
        const d = results.docker[i] as StepResult;
        const b = results.ballast[i] as StepResult;
        const check = 'sh' in step ? 'all' : (step.check ?? 'all');
        const problems: string[] = [];
        if (d.code !== b.code) problems.push(`  exit code: docker ${d.code}, ballast ${b.code}`);
        if (check === 'all' && d.stdout !== b.stdout) problems.push(`  stdout (- docker, + ballast):\n${lineDiff(d.stdout, b.stdout)}`);
        if (check !== 'rc' && d.stderr !== b.stderr) problems.push(`  stderr (- docker, + ballast):\n${lineDiff(d.stderr, b.stderr)}`);
        if (problems.length > 0) failures.push(`step ${i + 1}: ${d.label}\n${problems.join('\n')}`);
      });
      assert.equal(failures.length, 0, `\n${failures.join('\n\n')}`);
    });
  }
});
