/**
 * Tar header blocks, read binary-safe: names are kept as "byte strings"
 * (latin1, one char per byte) so odd names (invalid UTF-8, newlines) survive
 * exactly; conversion to text happens only for display and the manifest.
 * Covers what GNU tar writes and reads: ustar, pax ('x'; 'g' is recognised),
 * GNU long names ('L'/'K'), GNU base-256 numbers, and pax sparse 1.0.
 */

export const BLOCK = 512;

export class ArchiveFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveFormatError';
  }
}

export interface HeaderBlock {
  /** ustar prefix + name, byte string. */
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** Integer seconds as text (pax may refine it). */
  readonly mtime: string;
  readonly typeflag: string;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
}

export function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function field(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return (nul >= 0 ? s.subarray(0, nul) : s).toString('latin1');
}

function numeric(b: Buffer, off: number, len: number): number {
  const first = b[off] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new ArchiveFormatError('negative number in tar header');
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(i === 0 ? first & 0x7f : (b[off + i] ?? 0));
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArchiveFormatError('number too large in tar header');
    return Number(v);
  }
  // Octal digits, optionally surrounded by spaces and NULs (hot path: no strings, no regexps).
  let i = off;
  const end = off + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i] ?? 0;
    if (c < 0x30 || c > 0x37) break;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0) throw new ArchiveFormatError('invalid number in tar header');
  }
  return digits === 0 ? 0 : v;
}

function checksum(b: Buffer, signed: boolean): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    sum += signed && v > 127 ? v - 256 : v;
  }
  return sum;
}

export function decodeHeader(b: Buffer): HeaderBlock {
  const stored = numeric(b, 148, 8);
  if (stored !== checksum(b, false) && stored !== checksum(b, true)) {
    throw new ArchiveFormatError('tar header checksum mismatch (not a tar archive, or corrupt)');
  }
  const magic = b.subarray(257, 263).toString('latin1');
  let name = field(b, 0, 100);
  if (magic === 'ustar\0') {
    const prefix = field(b, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const tf = b[156] ?? 0;
  return {
    name,
    mode: numeric(b, 100, 8),
    uid: numeric(b, 108, 8),
    gid: numeric(b, 116, 8),
    size: numeric(b, 124, 12),
    mtime: String(numeric(b, 136, 12)),
    typeflag: tf === 0 ? '0' : String.fromCharCode(tf),
    linkname: field(b, 157, 100),
    devmajor: magic.startsWith('ustar') ? numeric(b, 329, 8) : 0,
    devminor: magic.startsWith('ustar') ? numeric(b, 337, 8) : 0,
  };
}

/** pax records "LEN key=value\n"; values are byte strings. Repeated keys keep the last (0.0 sparse aside). */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break;
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw new ArchiveFormatError('malformed pax record');
    const len = Number(data.subarray(off, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= sp - off + 1 || off + len > data.length) {
      throw new ArchiveFormatError('malformed pax record');
    }
    const rec = data.subarray(sp + 1, off + len);
    if (rec[rec.length - 1] !== 0x0a) throw new ArchiveFormatError('malformed pax record');
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new ArchiveFormatError('malformed pax record');
    const key = rec.subarray(0, eq).toString('latin1');
    out.set(key, rec.subarray(eq + 1, rec.length - 1).toString('latin1'));
    off += len;
  }
  return out;
}

export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Byte string (latin1) → text, if it is valid UTF-8. */
export function utf8OrUndefined(bytes: string): string | undefined {
  const buf = Buffer.from(bytes, 'latin1');
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) ? text : undefined;
}

/** Text → byte string (latin1). */
export function byteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

function octal(b: Buffer, off: number, len: number, n: number): void {
  b.write(n.toString(8).padStart(len - 1, '0'), off, len - 1, 'latin1');
}

/**
 * A plain regular-file member (ASCII name ≤ 100 bytes): ballast writes its own
 * small metadata members this way, and tests build archives with it.
 */
export function fileMember(name: string, content: Buffer, opts: { mode?: number; mtime?: number } = {}): Buffer {
  return rawMember({ name, typeflag: '0', content, mode: opts.mode ?? 0o644, mtime: opts.mtime ?? 0 });
}

export interface RawMemberSpec {
  name: string;
  typeflag: string;
  content?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra pax records written in an 'x' header before this member. */
  pax?: Record<string, string>;
}

/**
 * The header (and, for sizes past ustar's 8 GiB, a pax size record) of a
 * regular file whose content the caller writes next, padded to 512 bytes.
 */
export function memberHeader(name: string, size: number, mtime: number): Buffer {
  const big = size >= 8 ** 11;
  const pax = big ? { size: String(size) } : undefined;
  const withHeader = rawMember({ name, typeflag: '0', mode: 0o644, mtime, ...(pax ? { pax } : {}) });
  // rawMember wrote a zero size and no content: patch the size field of the last header.
  const header = withHeader.subarray(withHeader.length - BLOCK);
  if (!big) {
    header.write(size.toString(8).padStart(11, '0'), 124, 11, 'latin1');
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += header[i] ?? 0;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  }
  return withHeader;
}

/** Any member, names as given (tests use this to build hostile archives). */
export function rawMember(spec: RawMemberSpec): Buffer {
  const parts: Buffer[] = [];
  if (spec.pax && Object.keys(spec.pax).length > 0) {
    let body = Buffer.alloc(0);
    for (const [k, v] of Object.entries(spec.pax)) body = Buffer.concat([body, paxRecord(k, Buffer.from(v, 'latin1'))]);
    parts.push(headerBlock({ name: 'PaxHeaders/x', typeflag: 'x', size: body.length }));
    parts.push(body, Buffer.alloc(paddedSize(body.length) - body.length));
  }
  const content = spec.content ?? Buffer.alloc(0);
  parts.push(headerBlock({ ...spec, size: content.length }));
  parts.push(content, Buffer.alloc(paddedSize(content.length) - content.length));
  return Buffer.concat(parts);
}

function headerBlock(spec: RawMemberSpec & { size: number }): Buffer {
  const b = Buffer.alloc(BLOCK);
  const name = Buffer.from(spec.name, 'latin1');
  if (name.length > 100) throw new Error(`name too long for a plain header: ${spec.name}`);
  name.copy(b, 0);
  octal(b, 100, 8, spec.mode ?? 0o644);
  octal(b, 108, 8, spec.uid ?? 0);
  octal(b, 116, 8, spec.gid ?? 0);
  octal(b, 124, 12, spec.size);
  octal(b, 136, 12, spec.mtime ?? 0);
  b.write(spec.typeflag, 156, 1, 'latin1');
  Buffer.from(spec.linkname ?? '', 'latin1').copy(b, 157, 0, 100);
  b.write('ustar\0', 257, 6, 'latin1');
  b.write('00', 263, 2, 'latin1');
  octal(b, 329, 8, spec.devmajor ?? 0);
  octal(b, 337, 8, spec.devminor ?? 0);
  b.write(`${checksum(b, false).toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length > len) len++;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

/** Two zero blocks: the end of an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);
