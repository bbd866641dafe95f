/**
 * `run true` latency through ContainerRuntime: create (conmon → sync line),
 * start, wait (exit file), delete; optionally with an attach between create
 * and start (the `docker run` foreground path). Prints medians per step.
 *
 *   node dist/src/runtime/latency-bench.js [iterations=30] [crun|runc|both]
 *
 * Root only; uses the cached busybox rootfs (test/fixtures/busybox-rootfs.sh).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeCgroupParent } from './cgroups.js';
import { ContainerRuntime } from './runtime.js';
import type { RuntimeName } from './runtime-cli.js';
import { copyRootfs, realContainersUnavailable, tempDir, testSpec, TEST_CGROUP_PARENT } from './testkit.js';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function bench(name: RuntimeName, n: number, attach: boolean): Promise<void> {
  const base = tempDir(`ballast-bench-${name}-`);
  const rt = new ContainerRuntime({ stateDir: join(base, 'state'), runtime: name });
  const rootfs = copyRootfs(join(base, 'rootfs'));
  const steps: Record<'create' | 'attach' | 'start' | 'wait' | 'delete' | 'total', number[]> = {
    create: [],
    attach: [],
    start: [],
    wait: [],
    delete: [],
    total: [],
  };
  try {
    for (let i = -3; i < n; i++) {
      const id = `bench-${name}-${process.pid}-${i + 3}`;
      const ref = { id, dir: join(base, id) };
      const spec = testSpec(id, rootfs, { args: ['true'] });
      const t0 = performance.now();
      await rt.create({ ...ref, spec });
      const t1 = performance.now();
      const a = attach ? await rt.attach(ref, { stdin: false }) : null;
      a?.stdout.resume();
      a?.stderr.resume();
      const t2 = performance.now();
      await rt.start(ref);
      const t3 = performance.now();
      const st = await rt.wait(ref);
      const t4 = performance.now();
      await rt.delete(ref);
      const t5 = performance.now();
      if (st.exitCode !== 0) throw new Error(`exit ${st.exitCode}`);
      rmSync(ref.dir, { recursive: true, force: true });
      if (i < 0) continue; // warm-up
      steps.create.push(t1 - t0);
      steps.attach.push(t2 - t1);
      steps.start.push(t3 - t2);
      steps.wait.push(t4 - t3);
      steps.delete.push(t5 - t4);
      steps.total.push(t5 - t0);
    }
  } finally {
    rt.close();
    removeCgroupParent(TEST_CGROUP_PARENT);
    rmSync(base, { recursive: true, force: true });
  }
  const fmt = (xs: number[]): string => `${pct(xs, 50).toFixed(1)} (p10 ${pct(xs, 10).toFixed(1)}, p90 ${pct(xs, 90).toFixed(1)})`;
  console.log(`${name}${attach ? ' +attach' : ''}: n=${n} total median ${fmt(steps.total)} ms`);
  for (const k of ['create', ...(attach ? ['attach'] : []), 'start', 'wait', 'delete'] as const) {
    console.log(`  ${k.padEnd(7)} ${fmt(steps[k as keyof typeof steps])}`);
  }
}

const n = Number(process.argv[2] ?? 30);
const which = process.argv[3] ?? 'both';
const names: RuntimeName[] = which === 'both' ? ['crun', 'runc'] : [which as RuntimeName];
for (const name of names) {
  const why = realContainersUnavailable(name);
  if (why) {
    console.log(`${name}: skipped (${why})`);
    continue;
  }
  await bench(name, n, false);
  await bench(name, n, true);
}
