/** ballast: the Docker-compatible CLI, a client of ballastd's API. */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runCli } from '../cli/cli.js';
import { BALLAST_VERSION, DEFAULT_HOST } from './config.js';

const here = dirname(fileURLToPath(import.meta.url));
// The bundle (dist/ballast.mjs, scripts/bundle-cli.mjs) sits two levels above this module.
const daemonEntry = process.env['BALLAST_BUNDLED'] === '1' ? join(here, 'src', 'main', 'ballastd.js') : join(here, 'ballastd.js');

const code = await runCli(process.argv.slice(2), {
  io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  env: { ...process.env, BALLAST_CLI_VERSION: BALLAST_VERSION },
  cwd: process.cwd(),
  program: 'ballast',
  daemonEntry,
  defaultHost: DEFAULT_HOST,
  version: BALLAST_VERSION,
});
// Let stdout drain before exiting (pipes are async in Node).
process.exitCode = code;
