/**
 * Streaming tar reader: an async generator of entries whose bodies stream from
 * the source. Handles ustar, pax (local and global), GNU long names/links.
 *
 * An entry's body must be read before asking for the next entry; whatever is
 * left unread is skipped. `onMeta` sees every byte that is not file content, in
 * order (headers, pax and long-name blocks, padding, end marker, trailing
 * bytes), which is what the layer store records to rebuild the exact tar later.
 */
import { ByteReader, UnexpectedEof } from './byte-reader.js';
import {
  BLOCK,
  TarFormatError,
  applyPax,
  decodeRawHeader,
  entryTypeOf,
  isZeroBlock,
  paddingFor,
  parsePaxRecords,
  type TarHeader,
} from './tar-format.js';

export interface TarEntry {
  header: TarHeader;
  /** The file content (empty for non-files). Single use. */
  body(): AsyncGenerator<Buffer>;
}

export interface ReadTarOptions {
  onMeta?: (chunk: Buffer) => void;
}

const MAX_META = 16 << 20; // pax / long-name payloads larger than this are not plausible

export async function* readTar(source: AsyncIterable<Uint8Array>, opts: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  const meta = opts.onMeta ?? ((): void => {});
  let globalPax = new Map<string, Buffer>();
  let pending: { remaining: number; padding: number } | undefined;

  const finishPending = async (): Promise<void> => {
    if (!pending) return;
    const p = pending;
    pending = undefined;
    while (p.remaining > 0) {
      const chunk = await reader.readSome(p.remaining);
      if (!chunk) throw new UnexpectedEof();
      p.remaining -= chunk.length;
      meta(chunk);
    }
    if (p.padding > 0) {
      const pad = await reader.readExact(p.padding);
      if (!pad) throw new UnexpectedEof();
      meta(pad);
    }
  };

  const readPayload = async (size: number): Promise<Buffer> => {
    if (size > MAX_META) throw new TarFormatError('archive/tar: invalid tar header');
    const total = size + paddingFor(size);
    const data = total === 0 ? Buffer.alloc(0) : await reader.readExact(total);
    if (!data) throw new UnexpectedEof();
    meta(data);
    return data.subarray(0, size);
  };

  try {
    let localPax = new Map<string, Buffer>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      await finishPending();
      const block = await reader.readExact(BLOCK);
      if (!block) break; // clean EOF at a block boundary
      meta(block);
      if (isZeroBlock(block)) {
        // End of archive: one or two zero blocks. Everything after is passed through.
        for await (const rest of reader.rest()) meta(rest);
        break;
      }
      const raw = decodeRawHeader(block);
      switch (raw.typeflag) {
        case 'x':
          localPax = new Map([...localPax, ...parsePaxRecords(await readPayload(raw.size))]);
          continue;
        case 'g':
          globalPax = new Map([...globalPax, ...parsePaxRecords(await readPayload(raw.size))]);
          continue;
        case 'L':
          longName = nulTerminated(await readPayload(raw.size));
          continue;
        case 'K':
          longLink = nulTerminated(await readPayload(raw.size));
          continue;
        case 'S':
          throw new TarFormatError('archive/tar: sparse files are not supported');
        default:
          break;
      }
      const type = entryTypeOf(raw.typeflag, raw.name);
      const header: TarHeader = {
        name: longName ?? raw.name,
        type: type ?? 'file',
        mode: raw.mode & 0o7777,
        uid: raw.uid,
        gid: raw.gid,
        size: raw.size,
        mtime: raw.mtime,
        linkname: longLink ?? raw.linkname,
        uname: raw.uname,
        gname: raw.gname,
        devmajor: raw.devmajor,
        devminor: raw.devminor,
        xattrs: new Map(),
      };
      applyPax(new Map([...globalPax, ...localPax]), header);
      localPax = new Map();
      longName = undefined;
      longLink = undefined;
      const size = header.size;
      pending = { remaining: size, padding: paddingFor(size) };
      if (type === undefined) continue; // volume labels, dump dirs …: skipped with their data
      if (type !== 'file') {
        // Links and devices carry no content even if a writer put a size in the header.
        header.size = 0;
        yield { header, body: emptyBody };
        continue;
      }
      const state = pending;
      let used = false;
      yield {
        header,
        body: async function* () {
          if (used) throw new Error('tar entry body read twice');
          used = true;
          while (state.remaining > 0) {
            const chunk = await reader.readSome(state.remaining);
            if (!chunk) throw new UnexpectedEof();
            state.remaining -= chunk.length;
            yield chunk;
          }
        },
      };
    }
  } finally {
    await reader.close();
  }
}

async function* emptyBody(): AsyncGenerator<Buffer> {
  // nothing
}

function nulTerminated(b: Buffer): string {
  const nul = b.indexOf(0);
  return (nul >= 0 ? b.subarray(0, nul) : b).toString('utf8');
}
