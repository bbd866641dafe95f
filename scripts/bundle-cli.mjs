#!/usr/bin/env node
// Bundles the CLI into one file (dist/ballast.mjs): a CLI runs for every command,
// and loading ~100 modules one by one costs more than the command itself.
// bin/ballast prefers the bundle and falls back to dist/src/main/ballast.js.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/main/ballast.js'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/ballast.mjs',
  // Native addons stay outside the bundle; the CLI never loads them.
  external: ['better-sqlite3', 'node-unix-socket'],
  // The CLI locates ballastd relative to itself.
  define: { 'process.env.BALLAST_BUNDLED': '"1"' },
  logLevel: 'warning',
});
