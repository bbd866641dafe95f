/**
 * Tar header encoding and decoding: ustar, pax extended headers (including
 * SCHILY.xattr.* records) and GNU long names. Pure functions over buffers; the
 * streaming reader and writer sit on top.
 */

export const BLOCK = 512;

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarHeader {
  /** Entry name as stored (may start with "./"; directories may end with "/"). */
  name: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Content size; 0 for everything but regular files. */
  size: number;
  /** Seconds since the epoch; pax headers may carry a fraction. */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from SCHILY.xattr.* pax records, raw values. */
  xattrs: Map<string, Buffer>;
}

export function makeHeader(partial: Partial<TarHeader> & { name: string; type: EntryType }): TarHeader {
  return {
    mode: partial.type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
    ...partial,
  };
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

// ---- decoding -------------------------------------------------------------

function cstring(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const nul = slice.indexOf(0);
  return (nul >= 0 ? slice.subarray(0, nul) : slice).toString('utf8');
}

/** Numeric field: octal text (space/NUL padded) or GNU base-256 when the top bit is set. */
function numeric(buf: Buffer, off: number, len: number): number {
  const first = buf[off] ?? 0;
  if (first & 0x80) {
    // base-256, two's complement; 0xff lead byte means negative.
    const negative = first === 0xff;
    let v = 0n;
    for (let i = 0; i < len; i++) {
      let b = buf[off + i] ?? 0;
      if (i === 0) b &= 0x7f;
      v = (v << 8n) | BigInt(negative ? b ^ 0xff : b);
    }
    const n = Number(v);
    return negative ? -(n + 1) : n;
  }
  const text = buf
    .subarray(off, off + len)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('archive/tar: invalid tar header');
  return parseInt(text, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

export function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum;
}

/** Some old tars computed the checksum over signed bytes. */
function signedChecksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    sum += b > 127 ? b - 256 : b;
  }
  return sum;
}

export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  format: 'ustar' | 'gnu' | 'v7';
}

export function decodeRawHeader(block: Buffer): RawHeader {
  const stored = numeric(block, 148, 8);
  if (stored !== checksumOf(block) && stored !== signedChecksumOf(block)) {
    throw new TarFormatError('archive/tar: invalid tar header');
  }
  const magic = block.subarray(257, 263).toString('latin1');
  const version = block.subarray(263, 265).toString('latin1');
  const format = magic === 'ustar\0' ? 'ustar' : magic === 'ustar ' && version === ' \0' ? 'gnu' : 'v7';
  let name = cstring(block, 0, 100);
  if (format === 'ustar') {
    const prefix = cstring(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const typeflagByte = block[156] ?? 0;
  return {
    name,
    mode: numeric(block, 100, 8),
    uid: numeric(block, 108, 8),
    gid: numeric(block, 116, 8),
    size: numeric(block, 124, 12),
    mtime: numeric(block, 136, 12),
    typeflag: typeflagByte === 0 ? '0' : String.fromCharCode(typeflagByte),
    linkname: cstring(block, 157, 100),
    uname: format === 'v7' ? '' : cstring(block, 265, 32),
    gname: format === 'v7' ? '' : cstring(block, 297, 32),
    devmajor: format === 'v7' ? 0 : numeric(block, 329, 8),
    devminor: format === 'v7' ? 0 : numeric(block, 337, 8),
    format,
  };
}

/** Pax records "LEN key=value\n"; LEN counts the whole record in bytes. */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break; // NUL padding at the end of some writers' records
    const sp = data.indexOf(0x20, off);
    if (sp < 0) throw new TarFormatError('archive/tar: invalid tar header');
    const len = Number(data.subarray(off, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= sp - off || off + len > data.length) {
      throw new TarFormatError('archive/tar: invalid tar header');
    }
    const record = data.subarray(sp + 1, off + len);
    if (record[record.length - 1] !== 0x0a) throw new TarFormatError('archive/tar: invalid tar header');
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('archive/tar: invalid tar header');
    const key = record.subarray(0, eq).toString('utf8');
    out.set(key, Buffer.from(record.subarray(eq + 1, record.length - 1)));
    off += len;
  }
  return out;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '7': 'file', // contiguous file: a regular file for every practical purpose
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

export function entryTypeOf(typeflag: string, name: string): EntryType | undefined {
  const t = TYPES[typeflag];
  // Pre-POSIX tars mark directories only with a trailing slash.
  if (t === 'file' && name.endsWith('/')) return 'dir';
  return t;
}

/** Apply pax overrides to a decoded raw header. */
export function applyPax(pax: Map<string, Buffer>, header: TarHeader): void {
  for (const [key, value] of pax) {
    const text = (): string => value.toString('utf8');
    switch (key) {
      case 'path':
        header.name = text();
        break;
      case 'linkpath':
        header.linkname = text();
        break;
      case 'size':
        header.size = paxInt(text());
        break;
      case 'uid':
        header.uid = paxInt(text());
        break;
      case 'gid':
        header.gid = paxInt(text());
        break;
      case 'uname':
        header.uname = text();
        break;
      case 'gname':
        header.gname = text();
        break;
      case 'mtime': {
        const v = Number(text());
        if (!Number.isFinite(v)) throw new TarFormatError('archive/tar: invalid tar header');
        header.mtime = v;
        break;
      }
      case 'SCHILY.devmajor':
        header.devmajor = paxInt(text());
        break;
      case 'SCHILY.devminor':
        header.devminor = paxInt(text());
        break;
      default:
        if (key.startsWith('SCHILY.xattr.')) header.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
        else if (key.startsWith('GNU.sparse.')) throw new TarFormatError('archive/tar: sparse files are not supported');
    }
  }
}

function paxInt(s: string): number {
  if (!/^-?[0-9]+$/.test(s)) throw new TarFormatError('archive/tar: invalid tar header');
  return Number(s);
}

// ---- encoding -------------------------------------------------------------

const TYPEFLAG: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function fitsOctal(n: number, len: number): boolean {
  return Number.isInteger(n) && n >= 0 && n < 8 ** (len - 1);
}

function writeOctal(block: Buffer, off: number, len: number, n: number): void {
  const s = n.toString(8).padStart(len - 1, '0');
  block.write(s, off, len - 1, 'latin1');
  block[off + len - 1] = 0;
}

function writeString(block: Buffer, off: number, len: number, s: string): void {
  block.write(s, off, len, 'utf8');
}

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x01-\x7f]*$/.test(s);
}

/** Split a long name into ustar prefix (≤155) and name (≤100) at a slash. */
function splitUstarName(name: string): [string, string] | undefined {
  if (name.length <= 100) return ['', name];
  if (name.length > 256) return undefined;
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (rest.length > 0 && rest.length <= 100) return [prefix, rest];
    if (rest.length > 100) return undefined;
  }
  return undefined;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  // The length prefix counts itself.
  let len = body.length + 1;
  while (String(len).length + body.length > len) len++;
  return Buffer.concat([Buffer.from(String(len), 'latin1'), body]);
}

function padToBlock(data: Buffer): Buffer {
  const rem = data.length % BLOCK;
  return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rem)]);
}

function encodeUstarBlock(fields: {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode);
  writeOctal(block, 108, 8, fields.uid);
  writeOctal(block, 116, 8, fields.gid);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, fields.mtime);
  block.write(fields.typeflag, 156, 1, 'latin1');
  writeString(block, 157, 100, fields.linkname);
  block.write('ustar\0', 257, 6, 'latin1');
  block.write('00', 263, 2, 'latin1');
  writeString(block, 265, 32, fields.uname);
  writeString(block, 297, 32, fields.gname);
  writeOctal(block, 329, 8, fields.devmajor);
  writeOctal(block, 337, 8, fields.devminor);
  writeString(block, 345, 155, fields.prefix);
  const sum = checksumOf(block);
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return block;
}

/**
 * Encode a header as one ustar block, preceded by a pax extended header when a
 * field does not fit ustar (long or non-ASCII names, big numbers, fractional
 * mtimes, xattrs). This is what Go's archive/tar does, so Docker reads it.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const pax: Buffer[] = [];
  let name = h.name;
  let prefix = '';
  const split = isAscii(h.name) ? splitUstarName(h.name) : undefined;
  if (split) [prefix, name] = split;
  else {
    pax.push(paxRecord('path', Buffer.from(h.name, 'utf8')));
    name = asciiStub(h.name, 100);
  }
  let linkname = h.linkname;
  if (linkname.length > 100 || !isAscii(linkname)) {
    pax.push(paxRecord('linkpath', Buffer.from(linkname, 'utf8')));
    linkname = asciiStub(linkname, 100);
  }
  const num = (key: string, v: number, len: number): number => {
    if (fitsOctal(v, len)) return v;
    pax.push(paxRecord(key, Buffer.from(String(v), 'latin1')));
    return 0;
  };
  const uid = num('uid', h.uid, 8);
  const gid = num('gid', h.gid, 8);
  const size = num('size', h.size, 12);
  const wholeMtime = Math.floor(h.mtime);
  let mtime = wholeMtime;
  if (h.mtime !== wholeMtime || !fitsOctal(wholeMtime, 12)) {
    pax.push(paxRecord('mtime', Buffer.from(formatPaxTime(h.mtime), 'latin1')));
    mtime = fitsOctal(wholeMtime, 12) ? wholeMtime : 0;
  }
  const devmajor = num('SCHILY.devmajor', h.devmajor, 8);
  const devminor = num('SCHILY.devminor', h.devminor, 8);
  let uname = h.uname;
  if (uname.length > 32 || !isAscii(uname)) {
    pax.push(paxRecord('uname', Buffer.from(uname, 'utf8')));
    uname = '';
  }
  let gname = h.gname;
  if (gname.length > 32 || !isAscii(gname)) {
    pax.push(paxRecord('gname', Buffer.from(gname, 'utf8')));
    gname = '';
  }
  for (const key of [...h.xattrs.keys()].sort()) {
    pax.push(paxRecord(`SCHILY.xattr.${key}`, h.xattrs.get(key) ?? Buffer.alloc(0)));
  }
  const main = encodeUstarBlock({
    name,
    prefix,
    mode: h.mode & 0o7777,
    uid,
    gid,
    size,
    mtime,
    typeflag: TYPEFLAG[h.type],
    linkname,
    uname,
    gname,
    devmajor,
    devminor,
  });
  if (pax.length === 0) return main;
  const paxData = Buffer.concat(pax);
  const paxName = asciiStub(`PaxHeaders.0/${h.name.replace(/\/$/, '').split('/').pop() ?? ''}`, 100);
  const paxHeader = encodeUstarBlock({
    name: paxName,
    prefix: '',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: paxData.length,
    mtime: fitsOctal(wholeMtime, 12) ? wholeMtime : 0,
    typeflag: 'x',
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, padToBlock(paxData), main]);
}

/** An ASCII-only, length-limited stand-in for readers that ignore pax. */
function asciiStub(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const ascii = s.replace(/[^\x01-\x7f]/g, '_');
  return Buffer.byteLength(ascii) <= max ? ascii : ascii.slice(0, max);
}

function formatPaxTime(t: number): string {
  const whole = Math.floor(t);
  const frac = t - whole;
  if (frac === 0) return String(whole);
  // Nine digits like Go, then trim trailing zeros.
  const digits = Math.round(frac * 1e9)
    .toString()
    .padStart(9, '0')
    .replace(/0+$/, '');
  return digits ? `${whole}.${digits}` : String(whole);
}

export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

export function paddingFor(size: number): number {
  const rem = size % BLOCK;
  return rem === 0 ? 0 : BLOCK - rem;
}
