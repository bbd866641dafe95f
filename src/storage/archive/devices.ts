/**
 * Device nodes and FIFOs. Node cannot call mknod(2), so coreutils' mknod does,
 * many nodes per shell process to keep big layers (thousands of whiteouts) fast.
 */
import { run } from '../../lib/exec.js';

export interface NodeSpec {
  path: string;
  kind: 'char' | 'block' | 'fifo';
  major: number;
  minor: number;
  /** Permission bits; chmod follows anyway, so this only narrows the window. */
  mode: number;
}

const SCRIPT =
  'while [ "$#" -gt 0 ]; do ' +
  'if [ "$2" = p ]; then mknod -m "$1" "$5" p || exit 1; ' +
  'else mknod -m "$1" "$5" "$2" "$3" "$4" || exit 1; fi; shift 5; done';

const MAX_ARG_BYTES = 100_000;

export async function makeNodes(nodes: readonly NodeSpec[]): Promise<void> {
  let batch: string[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const r = await run('sh', ['-c', SCRIPT, 'sh', ...batch]);
    batch = [];
    bytes = 0;
    if (r.code !== 0) throw new Error(`mknod: ${r.stderr.trim() || `exit status ${r.code}`}`);
  };
  for (const n of nodes) {
    const type = n.kind === 'char' ? 'c' : n.kind === 'block' ? 'b' : 'p';
    const args = [(n.mode & 0o7777).toString(8).padStart(4, '0'), type, String(n.major), String(n.minor), n.path];
    batch.push(...args);
    bytes += args.reduce((s, a) => s + Buffer.byteLength(a) + 1, 0);
    if (bytes > MAX_ARG_BYTES) await flush();
  }
  await flush();
}
