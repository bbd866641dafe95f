/** sha256 digests ("sha256:<hex>") computed while bytes stream past. */
import { createHash } from 'node:crypto';

export type Digest = `sha256:${string}`;

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface HashingTap {
  stream: AsyncIterable<Buffer>;
  /** Valid once the stream has been read to its end. */
  digest(): Digest;
  bytes(): number;
}

export function hashingTap(source: AsyncIterable<Uint8Array>): HashingTap {
  const hash = createHash('sha256');
  let n = 0;
  let result: Digest | undefined;
  async function* gen(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
      hash.update(b);
      n += b.length;
      yield b;
    }
    result = `sha256:${hash.digest('hex')}`;
  }
  return {
    stream: gen(),
    digest: () => {
      if (!result) throw new Error('digest requested before the stream ended');
      return result;
    },
    bytes: () => n,
  };
}
