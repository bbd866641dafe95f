/** Worker thread entry: a TapCore fed with batches the main thread transfers. */
import { parentPort, workerData } from 'node:worker_threads';
import { TapCore, type TapInit, type TapResult } from './tap-core.js';

export type TapMessage =
  | { readonly type: 'ack'; readonly bytes: number; readonly entries: number }
  | ({ readonly type: 'result' } & TapResult)
  | { readonly type: 'error'; readonly message: string; readonly name: string };

const port = parentPort;
if (!port) throw new Error('tap-worker must run as a worker thread');
const core = new TapCore(workerData as TapInit);
let seen = 0;
let acked = 0;
let failed = false;

port.on('message', (msg: Uint8Array | { type: 'end' }) => {
  if (failed) return;
  try {
    if (msg instanceof Uint8Array) {
      core.push(Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength));
      seen += msg.byteLength;
      if (seen - acked >= 1 << 20) {
        acked = seen;
        port.postMessage({ type: 'ack', bytes: seen, entries: core.members } satisfies TapMessage);
      }
      return;
    }
    port.postMessage({ type: 'result', ...core.finish() } satisfies TapMessage);
  } catch (e) {
    failed = true;
    core.close();
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: 'error', message: err.message, name: err.name } satisfies TapMessage);
  }
});
