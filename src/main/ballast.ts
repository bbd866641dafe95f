/** ballast: the Docker-compatible CLI, a client of ballastd's API. */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runCli } from '../cli/cli.js';
import { BALLAST_VERSION, DEFAULT_HOST } from './config.js';

const here = dirname(fileURLToPath(import.meta.url));
// The bundle (dist/ballast.mjs, scripts/bundle-cli.mjs) sits two levels above this module.
const daemonEntry = process.env['BALLAST_BUNDLED'] === '1' ? join(here, 'src', 'main', 'ballastd.js') : join(here, 'ballastd.js');

// A closed pipe (`ballast logs x | head`) ends the CLI quietly with 141, like a Go program
// killed by SIGPIPE; Node ignores SIGPIPE and would otherwise crash on the 'error' event.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
}

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
