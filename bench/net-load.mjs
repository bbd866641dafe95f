#!/usr/bin/env node
// HTTP load for bench/network.sh: one connection per request (like ab; busybox httpd closes
// after each answer), C workers for S seconds.   net-load.mjs URL [C=4] [S=5]
// Prints "<req/s> <p50 ms> <p99 ms>".
import { request } from 'node:http';

const [url, c = '4', s = '5'] = process.argv.slice(2);
const conc = Number(c);
const until = Date.now() + Number(s) * 1000;
const lat = [];
let errors = 0;

function once() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

async function worker() {
  while (Date.now() < until) await once();
}

const start = Date.now();
await Promise.all(Array.from({ length: conc }, worker));
const secs = (Date.now() - start) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
console.log(`${(lat.length / secs).toFixed(0)} ${q(0.5).toFixed(3)} ${q(0.99).toFixed(3)}${errors ? ` errors=${errors}` : ''}`);
