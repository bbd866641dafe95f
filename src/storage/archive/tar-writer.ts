/**
 * Streaming tar writer. Entries come from an async iterable; the result is a
 * Readable that pulls them on demand, so backpressure reaches the producer.
 */
import { Readable } from 'node:stream';
import { END_OF_ARCHIVE, encodeHeader, paddingFor, type TarHeader } from './tar-format.js';

export type TarBody = Buffer | AsyncIterable<Uint8Array>;

export interface TarWriteEntry {
  header: TarHeader;
  /** Required for files with size > 0; must deliver exactly header.size bytes. */
  body?: TarBody;
}

/** Bytes of one entry: header (with pax prefix when needed), content, padding. */
export async function* encodeEntry(entry: TarWriteEntry): AsyncGenerator<Buffer> {
  const { header } = entry;
  const size = header.type === 'file' ? header.size : 0;
  yield encodeHeader({ ...header, size });
  if (size === 0) return;
  if (!entry.body) throw new Error(`tar writer: no content for ${header.name}`);
  let written = 0;
  if (Buffer.isBuffer(entry.body)) {
    written = entry.body.length;
    if (written !== size) throw new Error(`tar writer: ${header.name}: size ${size} but ${written} bytes given`);
    yield entry.body;
  } else {
    for await (const chunk of entry.body) {
      written += chunk.length;
      if (written > size) throw new Error(`tar writer: ${header.name}: content longer than ${size} bytes`);
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    }
    if (written !== size) throw new Error(`tar writer: ${header.name}: content shorter than ${size} bytes (file changed?)`);
  }
  const pad = paddingFor(size);
  if (pad) yield Buffer.alloc(pad);
}

/** A whole archive: the entries, then the two zero blocks. */
export async function* encodeTar(entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>): AsyncGenerator<Buffer> {
  for await (const entry of entries) yield* encodeEntry(entry);
  yield END_OF_ARCHIVE;
}

export function tarStream(entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>): Readable {
  return Readable.from(encodeTar(entries), { objectMode: false });
}
