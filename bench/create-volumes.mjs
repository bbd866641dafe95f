// Creates N volumes through the Engine API of the daemon on a unix socket, 16 requests at a time.
import { request } from 'node:http';
const [sock, nArg] = process.argv.slice(2);
const n = Number(nArg);
const create = (i) =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ Name: `bench-many-${i}`, Driver: 'local' });
    const req = request(
      { socketPath: sock, method: 'POST', path: '/v1.41/volumes/create', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => { while (next < n) await create(next++); }));
