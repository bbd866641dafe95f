/** Exact-length reads over an async stream of chunks (a Readable or any async iterable of bytes). */

export class UnexpectedEof extends Error {
  constructor() {
    super('unexpected EOF');
    this.name = 'UnexpectedEof';
  }
}

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      if (r.value.length === 0) continue;
      const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      return true;
    }
  }

  /** Exactly n bytes; null when the stream ended before the first byte; throws on a short read. */
  async readExact(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) {
      if (!(await this.pull())) {
        if (this.buf.length === 0) return null;
        throw new UnexpectedEof();
      }
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Up to max bytes (at least one); null at end of stream. */
  async readSome(max: number): Promise<Buffer | null> {
    if (this.buf.length === 0 && !(await this.pull())) return null;
    const n = Math.min(max, this.buf.length);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Everything left in the stream. */
  async *rest(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = await this.readSome(1 << 20);
      if (!chunk) return;
      yield chunk;
    }
  }

  /** Stop the underlying iterator early (closes a Readable). */
  async close(): Promise<void> {
    if (!this.ended && this.it.return) {
      this.ended = true;
      await this.it.return();
    }
  }
}
