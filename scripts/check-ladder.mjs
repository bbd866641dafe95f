#!/usr/bin/env node
// Enforces the architecture's import ladder: a layer may import only from layers below it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = join(root, 'src');

// Which layers each layer may import (besides itself).
const allowed = {
  lib: [],
  domain: ['lib'],
  state: ['lib', 'domain'],
  'storage/mounts': ['lib', 'domain'],
  'storage/archive': ['lib', 'domain'],
  'storage/layers': ['lib', 'domain', 'storage/mounts', 'storage/archive'],
  'storage/volumes': ['lib', 'domain', 'storage/mounts', 'storage/archive'],
  runtime: ['lib', 'domain', 'storage/mounts'],
  network: ['lib', 'domain'],
  images: ['lib', 'domain', 'state', 'storage/mounts', 'storage/archive', 'storage/layers'],
  backup: ['lib', 'domain', 'state', 'storage/mounts', 'storage/archive', 'storage/volumes'],
  engine: ['lib', 'domain', 'state', 'storage/mounts', 'storage/archive', 'storage/layers', 'storage/volumes', 'runtime', 'network', 'images', 'backup'],
  api: ['lib', 'domain', 'engine'],
  client: ['lib', 'domain'],
  cli: ['lib', 'domain', 'client'],
  main: ['*'],
};

function layerOf(file) {
  const rel = relative(src, file).split('/');
  if (rel[0] === 'storage') return `storage/${rel[1]}`;
  return rel[0];
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const problems = [];
for (const file of walk(src)) {
  const from = layerOf(file);
  const rules = allowed[from];
  if (!rules) { problems.push(`${relative(root, file)}: unknown layer '${from}'`); continue; }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1]);
    if (!target.startsWith(src)) continue;
    const to = layerOf(target);
    if (to === from || rules.includes('*') || rules.includes(to)) continue;
    // Tests may import helpers of any layer below main, but never main itself.
    if (file.endsWith('.test.ts') && to !== 'main') continue;
    problems.push(`${relative(root, file)}: layer '${from}' may not import '${to}' (${m[1]})`);
  }
}
if (problems.length) {
  console.error('Import ladder violations:\n' + problems.join('\n'));
  process.exit(1);
}
console.log('import ladder: ok');
