#!/usr/bin/env node
// Runs the compiled test files on node's built-in runner, in one run so its closing summary
// covers everything: unit tests (dist/src/**/*.test.js) and integration tests
// (dist/test/**/*.test.js). Files run BALLAST_TEST_CONCURRENCY at a time (default 3): each
// integration file starts its own daemons on its own temporary root and socket, and most of
// their time is spent waiting on real processes, so a 2-core machine runs three at once.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const onlyIntegration = args.includes('--integration');
const onlyUnit = args.includes('--unit');

function find(dir) {
  const out = [];
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const n of names) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (n.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const files = [];
if (!onlyIntegration) files.push(...find('dist/src'));
if (!onlyUnit) files.push(...find('dist/test'));
const filter = process.env.BALLAST_TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
const concurrency = process.env.BALLAST_TEST_CONCURRENCY ?? '3';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
