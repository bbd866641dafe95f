// Turns the hyperfine JSON files of bench/volumes.sh into a markdown table with ratios.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const [dir, nvol, runs] = process.argv.slice(2);
const median = (name) => JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8')).results[0].median * 1000;
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
const rows = [
  ['create', 'create'],
  ['inspect', 'inspect'],
  ['ls', 'ls'],
  ['rm', 'rm'],
  [`ls with ${nvol} volumes`, 'ls-many'],
  [`the daemon alone: \`GET /volumes\` with ${nvol} volumes (curl)`, 'api-many'],
];
const cpu = execFileSync('sh', ['-c', "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim().split('\n');
console.log(`## Volume operations (issue 2)

Measured by \`bench/volumes.sh\` on ${new Date().toISOString().slice(0, 10)} (${cpu[0]} cores,${cpu[1] ?? ''}), hyperfine medians of ${runs} runs
(${Math.min(5, Number(runs))} for the ${nvol}-volume list), each daemon on its own temporary root, both running at once.
\`docker\` is the stock CLI 28.2.2; dockerd is Debian's 20.10.24. Ratio < 1 means ballast is faster.

| operation | docker → dockerd | docker → ballastd | ballast → ballastd | docker→ballastd / dockerd | ballast / dockerd |
|---|---|---|---|---|---|`);
for (const [label, key] of rows) {
  const d = median(`D-${key}`), bd = median(`BD-${key}`), bb = median(`BB-${key}`);
  console.log(`| ${label} | ${fmt(d)} | ${fmt(bd)} | ${fmt(bb)} | ${ratio(bd, d)} | ${ratio(bb, d)} |`);
}
console.log(`\nThe last row has no CLI in it (the ballast column repeats the ballastd figure): it is the daemon's own answer time.`);
console.log(`\nRerun: \`bench/volumes.sh [--runs N] [--volumes N]\` (as root; needs docker.io and hyperfine, which \`scripts/setup.sh\` installs).`);
