#!/usr/bin/env node
// The backup benchmark's data set (backup-landscape.md §6.1), deterministic for a seed:
// 20,000 files of 4–64 KiB in 20 directories (half log-like text, half random bytes) plus
// three 100 MiB files (random, text, half and half), scaled by --scale (1 ≈ 1 GiB).
//   node bench/gen-backup-data.mjs DIR [--scale 1] [--seed 1]
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  console.error('usage: gen-backup-data.mjs DIR [--scale S] [--seed N]');
  process.exit(2);
}
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const scale = opt('--scale', 1);
let seed = opt('--seed', 1) >>> 0 || 1;

// xorshift32: fast and seeded; random bytes come 4 at a time.
function next() {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed;
}
function randomBytes(n) {
  const b = Buffer.allocUnsafe(n + 4);
  for (let i = 0; i < n; i += 4) b.writeUInt32LE(next(), i);
  return b.subarray(0, n);
}
const WORDS = ('GET POST PUT DELETE /api/v1/users /api/v1/orders /static/app.js /health 200 201 204 301 404 500 ' +
  'INFO WARN ERROR DEBUG user session token cache miss hit db query took ms upstream timeout retry ' +
  'connection accepted closed worker started stopped scheduler job queue payload bytes').split(' ');
function text(n) {
  const parts = [];
  let len = 0;
  let t = 1_700_000_000 + (next() % 1_000_000);
  while (len < n) {
    t += next() % 5;
    const line = `${new Date(t * 1000).toISOString()} ${WORDS[next() % WORDS.length]} ${WORDS[next() % WORDS.length]} ` +
      `${WORDS[next() % WORDS.length]} id=${next().toString(16)} ip=10.${next() % 256}.${next() % 256}.${next() % 256} ` +
      `dur=${next() % 5000}ms req=${next().toString(36)}${next().toString(36)}\n`;
    parts.push(line);
    len += line.length;
  }
  return Buffer.from(parts.join('').slice(0, n));
}

const files = Math.round(20_000 * scale);
const dirs = 20;
for (let d = 0; d < dirs; d++) mkdirSync(join(dir, `dir${String(d).padStart(2, '0')}`), { recursive: true });
for (let i = 0; i < files; i++) {
  const size = 4096 + (next() % (60 * 1024));
  const textual = i % 2 === 0;
  writeFileSync(join(dir, `dir${String(i % dirs).padStart(2, '0')}`, `file${i}.${textual ? 'log' : 'bin'}`), textual ? text(size) : randomBytes(size));
}
const big = Math.round(100 * 1024 * 1024 * scale);
const chunk = 4 << 20;
function bigFile(name, kind) {
  const fd = openSync(join(dir, name), 'w');
  for (let off = 0; off < big; off += chunk) {
    const n = Math.min(chunk, big - off);
    const useText = kind === 'text' || (kind === 'mixed' && off >= big / 2);
    writeSync(fd, useText ? text(n) : randomBytes(n));
  }
  closeSync(fd);
}
bigFile('big-random.bin', 'random');
bigFile('big-text.log', 'text');
bigFile('big-mixed.bin', 'mixed');
