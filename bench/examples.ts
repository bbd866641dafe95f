/**
 * Example-workload benchmark: ballastd side by side with Debian's dockerd (temporary roots, started
 * as docs/architecture "Reference behaviour" says), both running the same postgres:15 image
 * imported from the same rootfs tarball.
 *
 *   1. time from `run` to the first successful query
 *        - fresh volume (the entrypoint runs initdb first) and existing volume (plain start);
 *        - the query over TCP from the host's psql (--network host), and through `exec psql`;
 *   2. `pg_dump` of a ~100 MB database through `exec` into a host file (and the same pg_dump
 *      inside the container to /dev/null, to separate the exec stream from pg_dump itself).
 *
 * The docker CLI drives both engines (same client); ballastd is also driven by `bin/ballast`.
 * Repetitions alternate between the engines so load drift on the machine hits both alike.
 *
 *   npm run build && node dist/bench/examples.js [--reps 5] [--db-mb 100] [--out docs/benchmarks-examples.md]
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runCli, type CliKind } from '../test/helpers/cli.js';
import { Ballastd } from '../test/helpers/daemon.js';
import { Dockerd } from '../test/helpers/dockerd.js';
import type { RestartableEngine } from '../test/helpers/engine.js';
import { sleep } from '../test/helpers/tmp.js';
import { freePort, hostPsql, imageTarballs, importImages, psqlTcp } from '../test/integration/examples-helpers.js';

interface Options { reps: number; dbMb: number; out: string }

function parseArgs(argv: string[]): Options {
  const o: Options = { reps: 5, dbMb: 100, out: 'docs/benchmarks-examples.md' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--reps' && v) { o.reps = Number(v); i++; } else if (a === '--db-mb' && v) { o.dbMb = Number(v); i++; } else if (a === '--out' && v) { o.out = v; i++; } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

interface Target { label: string; engine: RestartableEngine; cli: CliKind }

async function ok(t: Target, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await runCli(t.cli, t.engine.host, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${t.label}: ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

function pgRun(name: string, volume: string, port: number): string[] {
  return ['run', '-d', '--name', name, '-e', 'POSTGRES_PASSWORD=secret', '-e', `PGPORT=${port}`,
    '-v', `${volume}:/var/lib/postgresql/data`, '--network', 'host', 'postgres:15'];
}

/** ms from starting `run` to the first query that succeeds (over TCP, or via exec psql). */
async function timeToFirstQuery(t: Target, name: string, volume: string, via: 'tcp' | 'exec'): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  await ok(t, pgRun(name, volume, port));
  const deadline = t0 + 120_000;
  for (;;) {
    if (via === 'tcp') {
      const r = await psqlTcp(port, 'SELECT 1', 'secret', 5000);
      if (r.code === 0 && r.stdout.trim() === '1') break;
      await sleep(10);
    } else {
      const r = await runCli(t.cli, t.engine.host, ['exec', name, 'psql', '-U', 'postgres', '-tAc', 'SELECT 1']);
      if (r.code === 0 && r.stdout.trim() === '1') break;
    }
    if (performance.now() > deadline) throw new Error(`${t.label}: ${name} never answered`);
  }
  return performance.now() - t0;
}

async function waitReady(t: Target, name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await runCli(t.cli, t.engine.host, ['exec', name, 'pg_isready', '-U', 'postgres', '-q']);
    if (r.code === 0) return;
    await sleep(100);
  }
  throw new Error(`${t.label}: ${name} not ready`);
}

/** Run the client with stdout into `file`; returns ms. */
function timedToFile(t: Target, args: string[], file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = openSync(file, 'w');
    const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8' };
    delete env['DOCKER_HOST'];
    delete env['BALLAST_HOST'];
    if (t.cli === 'docker') { env['DOCKER_HOST'] = t.engine.host; env['DOCKER_CONFIG'] = '/tmp/ballast-it-docker-config'; } else env['BALLAST_HOST'] = t.engine.host;
    const bin = t.cli === 'docker' ? 'docker' : new URL('../../bin/ballast', import.meta.url).pathname;
    const t0 = performance.now();
    const child = spawn(bin, args, { env, stdio: ['ignore', fd, 'pipe'] });
    let err = '';
    child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      closeSync(fd);
      if (code !== 0) reject(new Error(`${t.label}: ${args.join(' ')}: exit ${code}: ${err}`));
      else resolve(ms);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const fmt = (xs: number[], unit = 's'): string => {
  if (xs.length === 0) return '–';
  const f = (x: number): string => (unit === 's' ? (x / 1000).toFixed(2) : x.toFixed(0));
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
};

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  hostPsql();
  const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
  process.stderr.write(`starting ballastd and dockerd (load average ${load0})\n`);
  const ballastd = await Ballastd.start();
  const dockerd = await Dockerd.start();
  const targets: Target[] = [
    { label: 'ballast (docker CLI)', engine: ballastd, cli: 'docker' },
    { label: 'dockerd (docker CLI)', engine: dockerd, cli: 'docker' },
    { label: 'ballast (ballast CLI)', engine: ballastd, cli: 'ballast' },
  ];
  const results = new Map<string, Map<string, number[]>>();
  const rec = (t: Target, what: string, ms: number): void => {
    const m = results.get(what) ?? new Map<string, number[]>();
    results.set(what, m);
    const l = m.get(t.label) ?? [];
    l.push(ms);
    m.set(t.label, l);
    process.stderr.write(`  ${what} · ${t.label}: ${(ms / 1000).toFixed(2)} s\n`);
  };
  const importMs = new Map<string, number>();
  const dumpBytes = new Map<string, number>();
  let dbSize = '';
  try {
    for (const [label, engine, kind] of [['ballastd', ballastd, 'docker'], ['dockerd', dockerd, 'docker']] as const) {
      const t0 = performance.now();
      await importImages(engine, kind, ['postgres']);
      importMs.set(label, performance.now() - t0);
    }

    // 1. run → first successful query.
    let n = 0;
    for (let rep = 0; rep < o.reps; rep++) {
      for (const t of targets) {
        for (const via of ['tcp', 'exec'] as const) {
          if (t.cli === 'ballast' && via === 'tcp') continue; // same engine path as the docker CLI
          const vol = `bench-${n++}`;
          rec(t, `fresh volume, first query via ${via}`, await timeToFirstQuery(t, 'pg-a', vol, via));
          await ok(t, ['rm', '-f', 'pg-a']);
          rec(t, `existing volume, first query via ${via}`, await timeToFirstQuery(t, 'pg-b', vol, via));
          await ok(t, ['rm', '-f', 'pg-b']);
          await ok(t, ['volume', 'rm', vol]);
        }
      }
    }

    // 2. pg_dump of a ~100 MB database through exec.
    const rows = Math.round((o.dbMb * 1024 * 1024) / 205);
    for (const t of targets.slice(0, 2)) {
      await ok(t, pgRun('pg-dump', 'bench-dump', await freePort()));
      await waitReady(t, 'pg-dump');
      await ok(t, ['exec', 'pg-dump', 'psql', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c',
        `CREATE TABLE big AS SELECT g AS id, md5(g::text) AS a, md5((g * 7)::text) AS b, repeat('x', 100) AS c FROM generate_series(1, ${rows}) g`,
        '-c', 'VACUUM ANALYZE big'], 600_000);
      dbSize = (await ok(t, ['exec', 'pg-dump', 'psql', '-U', 'postgres', '-tAc', "SELECT pg_size_pretty(pg_database_size('postgres'))"])).trim();
    }
    for (let rep = 0; rep < Math.max(3, Math.ceil(o.reps / 2)); rep++) {
      for (const t of targets) {
        const file = `/tmp/ballast-bench-dump-${process.pid}.sql`;
        rec(t, 'pg_dump through exec to a host file', await timedToFile(t, ['exec', 'pg-dump', 'pg_dump', '-U', 'postgres'], file));
        dumpBytes.set(t.label, statSync(file).size);
        rmSync(file, { force: true });
        const inside = performance.now();
        await ok(t, ['exec', 'pg-dump', 'sh', '-c', 'pg_dump -U postgres > /dev/null']);
        rec(t, 'pg_dump inside the container to /dev/null', performance.now() - inside);
      }
    }
  } finally {
    await ballastd.stop().catch((e: unknown) => process.stderr.write(`ballastd stop: ${String(e)}\n`));
    await dockerd.stop().catch((e: unknown) => process.stderr.write(`dockerd stop: ${String(e)}\n`));
  }

  const dockerVersion = await new Promise<string>((resolve) => {
    const c = spawn('dockerd', ['--version']);
    let s = '';
    c.stdout.on('data', (b: Buffer) => { s += b.toString(); });
    c.on('close', () => resolve(s.trim()));
    c.on('error', () => resolve('dockerd ?'));
  });
  const labels = targets.map((t) => t.label);
  const lines: string[] = [];
  lines.push('# Benchmarks: the reference examples (PostgreSQL) on ballast and on Docker');
  lines.push('');
  lines.push(`Measured by \`node dist/bench/examples.js --reps ${o.reps} --db-mb ${o.dbMb}\` on ${new Date().toISOString().slice(0, 10)}: ` +
    `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Linux ${release()}, load average ${load0} at the start ` +
    `(other work was running on the machine: compare the columns, not the absolute numbers). ` +
    `Reference: ${dockerVersion}, started on temporary roots with \`--iptables=false --bridge=none\`. ` +
    'Both engines run the same postgres:15 rootfs tarball (scripts/build-images.sh), imported with `import --change`; ' +
    'containers use `--network host`. Figures are the median (min–max) in seconds.');
  lines.push('');
  const tar = (await imageTarballs(['postgres'])).get('postgres') ?? '';
  lines.push(`Image import (postgres:15, a ${(statSync(tar).size / 1048576).toFixed(0)} MiB rootfs tarball, docker CLI): ` +
    [...importMs].map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ') + '.');
  lines.push('');
  lines.push(`| measurement | ${labels.join(' | ')} |`);
  lines.push(`|---|${labels.map(() => '---').join('|')}|`);
  for (const [what, byLabel] of results) {
    lines.push(`| ${what} | ${labels.map((l) => fmt(byLabel.get(l) ?? [])).join(' | ')} |`);
  }
  lines.push('');
  lines.push(`The dumped database is ${dbSize} (\`pg_database_size\`); the dump file is ` +
    [...dumpBytes].map(([k, v]) => `${(v / 1048576).toFixed(1)} MiB on ${k}`).join(', ') + '.');
  lines.push('');
  lines.push('How to read it:');
  lines.push('- "fresh volume" includes the entrypoint\'s `initdb` and its temporary server; "existing volume" is a plain start on a volume an earlier container initialised.');
  lines.push('- "via tcp" polls `psql -h 127.0.0.1 -c "SELECT 1"` from the host every 10 ms; "via exec" polls `exec <ctr> psql -U postgres -c "SELECT 1"` back to back, so it includes the cost of each exec.');
  lines.push('- "pg_dump inside the container to /dev/null" is the same dump without the exec output stream; the difference to the row above is what the stream to the host costs.');
  lines.push('');
  writeFileSync(o.out, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
