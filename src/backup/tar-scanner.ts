/**
 * A streaming tar scanner: it reads a tar byte stream chunk by chunk, works
 * out every member exactly as GNU tar will see it (pax and GNU long names,
 * sparse 1.0 maps), hashes regular-file contents (logical content: sparse
 * holes count as zeros), and decides per member whether its bytes go on.
 *
 * Two uses: as a tap beside a running `tar --create` (observe and hash), and
 * as a gate in front of `tar --extract` (a member's header blocks are only
 * passed on once the caller accepted the member, so tar never sees anything
 * that was refused). Work per byte is native (hash.update on slices); JS only
 * touches header blocks.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  ArchiveFormatError,
  BLOCK,
  END_OF_ARCHIVE,
  decodeHeader,
  isZeroBlock,
  paddedSize,
  parsePax,
  type HeaderBlock,
} from './tar-blocks.js';

export type MemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface Member {
  /** Name as GNU tar extracts it (byte string). */
  readonly name: string;
  /** Every name GNU tar might use for it (sparse name, pax path, long name, header name). */
  readonly names: readonly string[];
  /** The placeholder name of a sparse member (GNUSparseFile.N/…), for tars that ignore pax. */
  readonly decoys: readonly string[];
  readonly type: MemberType;
  /** Permission bits including setuid/setgid/sticky. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch as stored ("1700000000" or "1700000000.123456789"). */
  readonly mtime: string;
  /** Logical content size of a regular file (the real size of a sparse one); 0 otherwise. */
  readonly size: number;
  /** Symlink target or hard-link target name (byte string). */
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** Extended attributes and ACL records, sorted by name; values are byte strings. */
  readonly xattrs: ReadonlyArray<readonly [string, string]>;
  readonly sparse: boolean;
  /** Bytes of the member's payload in the archive (map + data for sparse files). */
  readonly payloadSize: number;
}

export type Decision = 'forward' | 'skip' | 'collect';

export interface ScanHooks {
  /** Decide what to do with a member before any of its bytes are passed on. Throw to refuse the archive. */
  onMember(m: Member): Decision;
  /** The member's payload went by: the checksum of its logical content for regular files. */
  onMemberDone?(m: Member, digest: string | undefined): void;
  /** Content of a member the hook chose to 'collect' (metadata files). */
  onCollected?(m: Member, content: Buffer): void;
}

/** Per-file checksums: CRC-32 (zlib's, as in gzip and zip; ~4× cheaper) or SHA-256. */
export type ChecksumAlgorithm = 'crc32' | 'sha256';

interface Digester {
  update(data: Buffer): void;
  digest(): string;
}

function digester(alg: ChecksumAlgorithm): Digester {
  if (alg === 'sha256') {
    const h = createHash('sha256');
    return { update: (d) => void h.update(d), digest: () => h.digest('hex') };
  }
  let v = 0;
  return { update: (d) => void (v = crc32(d, v)), digest: () => (v >>> 0).toString(16).padStart(8, '0') };
}

export interface ScannerOptions {
  /** Checksum regular-file contents (default sha256; false: none). */
  hash?: boolean | ChecksumAlgorithm;
  /** Limit for collected members and pax headers (default 256 MiB). */
  maxCollect?: number;
}

const TYPES: Record<string, MemberType> = {
  '0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

type State =
  | { kind: 'header' }
  | { kind: 'extended'; typeflag: string; remaining: number; padded: number; parts: Buffer[]; start: number }
  | { kind: 'payload'; member: Member; decision: Decision; remaining: number; dataLeft: number; sink: PayloadSink }
  | { kind: 'end' };

interface Pending {
  blocks: Buffer[];
  pax: Map<string, string>;
  longName?: string;
  longLink?: string;
}

const ZEROS = Buffer.alloc(1 << 20);

/** Where the content bytes of one member go: a hash (sparse-aware), a collector, or nowhere. */
class PayloadSink {
  private readonly hash: Digester | undefined;
  private collected: Buffer[] | undefined;
  private collectedBytes = 0;
  // sparse 1.0: map text first, then the data regions back to back.
  private mapText: Buffer[] | undefined;
  private mapBytes = 0;
  private mapSkip = 0;
  private regions: Array<[number, number]> = [];
  private regionIndex = 0;
  private regionLeft = 0;
  private logical = 0;

  constructor(
    private readonly member: Member,
    hash: ChecksumAlgorithm | undefined,
    collect: boolean,
    private readonly maxCollect: number,
  ) {
    this.hash = hash && member.type === 'file' ? digester(hash) : undefined;
    if (collect) this.collected = [];
    if (member.sparse) this.mapText = [];
  }

  write(data: Buffer): void {
    if (this.collected) {
      this.collectedBytes += data.length;
      if (this.collectedBytes > this.maxCollect) throw new ArchiveFormatError('metadata member too large');
      this.collected.push(Buffer.from(data));
    }
    if (!this.hash) return;
    if (!this.member.sparse) {
      this.hash.update(data);
      return;
    }
    if (this.mapText) {
      this.mapText.push(Buffer.from(data));
      this.mapBytes += data.length;
      if (this.mapBytes > 64 << 20) throw new ArchiveFormatError('sparse map too large');
      const all = Buffer.concat(this.mapText);
      const mapLen = this.parseMap(all);
      if (mapLen === undefined) return;
      this.mapText = undefined;
      if (all.length > mapLen) this.feed(all.subarray(mapLen));
      else this.mapSkip = mapLen - all.length;
      return;
    }
    if (this.mapSkip > 0) {
      const n = Math.min(this.mapSkip, data.length);
      this.mapSkip -= n;
      data = data.subarray(n);
    }
    if (data.length > 0) this.feed(data);
  }

  /** The map's length in the payload (padded) once complete, else undefined. */
  private parseMap(all: Buffer): number | undefined {
    const numbers: number[] = [];
    let pos = 0;
    for (;;) {
      const nl = all.indexOf(0x0a, pos);
      if (nl < 0) {
        if (!/^[0-9]*$/.test(all.subarray(pos, Math.min(all.length, pos + 32)).toString('latin1'))) {
          throw new ArchiveFormatError('malformed sparse map');
        }
        return undefined;
      }
      const text = all.subarray(pos, nl).toString('latin1');
      if (!/^[0-9]{1,20}$/.test(text)) throw new ArchiveFormatError('malformed sparse map');
      numbers.push(Number(text));
      pos = nl + 1;
      const count = numbers[0] ?? 0;
      if (numbers.length === 1 + 2 * count) {
        for (let i = 0; i < count; i++) this.regions.push([numbers[1 + 2 * i] ?? 0, numbers[2 + 2 * i] ?? 0]);
        return paddedSize(pos);
      }
    }
  }

  /** Data regions, back to back. */
  private feed(data: Buffer): void {
    const h = this.hash as Digester;
    let off = 0;
    while (off < data.length) {
      if (this.regionLeft === 0) {
        if (!this.nextRegion()) throw new ArchiveFormatError('sparse file data beyond its map');
        continue;
      }
      const n = Math.min(this.regionLeft, data.length - off);
      h.update(data.subarray(off, off + n));
      this.regionLeft -= n;
      this.logical += n;
      off += n;
    }
  }

  private nextRegion(): boolean {
    const r = this.regions[this.regionIndex++];
    if (!r) return false;
    const [offset, size] = r;
    if (offset < this.logical) throw new ArchiveFormatError('sparse map regions overlap');
    this.zeroFill(offset - this.logical);
    this.regionLeft = size;
    return true;
  }

  private zeroFill(n: number): void {
    const h = this.hash as Digester;
    let left = n;
    while (left > 0) {
      const k = Math.min(left, ZEROS.length);
      h.update(ZEROS.subarray(0, k));
      left -= k;
    }
    this.logical += n;
  }

  finish(): { digest: string | undefined; content: Buffer | undefined } {
    if (this.hash && this.member.sparse) {
      if (this.mapText || this.mapSkip > 0 || this.regionLeft > 0) throw new ArchiveFormatError('truncated sparse file');
      // What is left of the map are empty regions (GNU tar ends it with "realsize 0").
      while (this.regionIndex < this.regions.length) {
        this.nextRegion();
        if (this.regionLeft > 0) throw new ArchiveFormatError('sparse file shorter than its map');
      }
      if (this.member.size < this.logical) throw new ArchiveFormatError('sparse map beyond the real size');
      this.zeroFill(this.member.size - this.logical);
    }
    return {
      digest: this.hash?.digest(),
      content: this.collected ? Buffer.concat(this.collected) : undefined,
    };
  }
}

export class TarScanner {
  private state: State = { kind: 'header' };
  private pending: Pending = { blocks: [], pax: new Map() };
  private carry: Buffer = Buffer.alloc(0);
  /** The checksum for members to come (a reader may learn it from the archive's first member). */
  algorithm: ChecksumAlgorithm | undefined;
  private readonly maxCollect: number;
  /** Bytes of archive consumed so far. */
  position = 0;
  /** Members seen (all decisions). */
  members = 0;
  /** Content bytes of regular files seen. */
  contentBytes = 0;
  /** Stream offset of the end-of-archive marker, once seen (-1 before). */
  endAt = -1;

  constructor(
    private readonly hooks: ScanHooks,
    opts: ScannerOptions = {},
  ) {
    const h = opts.hash ?? true;
    this.algorithm = h === true ? 'sha256' : h === false ? undefined : h;
    this.maxCollect = opts.maxCollect ?? 256 << 20;
  }

  get ended(): boolean {
    return this.state.kind === 'end';
  }

  /** Feeds bytes; returns the bytes to pass on (accepted members, and the end-of-archive blocks). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    let off = 0;
    while (off < data.length) {
      const st = this.state;
      if (st.kind === 'end') {
        this.position += data.length - off;
        return out;
      }
      if (st.kind === 'payload') {
        const n = Math.min(st.remaining, data.length - off);
        const slice = data.subarray(off, off + n);
        const content = slice.subarray(0, Math.min(n, st.dataLeft));
        if (content.length > 0) st.sink.write(content);
        st.dataLeft -= content.length;
        if (st.decision === 'forward') out.push(slice);
        st.remaining -= n;
        off += n;
        this.position += n;
        if (st.remaining === 0) this.finishPayload(st);
        continue;
      }
      if (st.kind === 'extended') {
        const n = Math.min(st.padded, data.length - off);
        const slice = data.subarray(off, off + n);
        this.pending.blocks.push(Buffer.from(slice));
        const used = Math.min(n, st.remaining);
        if (used > 0) st.parts.push(Buffer.from(slice.subarray(0, used)));
        st.remaining -= used;
        st.padded -= n;
        off += n;
        this.position += n;
        if (st.padded === 0) this.finishExtended(st);
        continue;
      }
      // header: need a whole block
      if (data.length - off < BLOCK) {
        this.carry = Buffer.from(data.subarray(off));
        return out;
      }
      const block = data.subarray(off, off + BLOCK);
      off += BLOCK;
      this.position += BLOCK;
      if (isZeroBlock(block)) {
        // GNU tar stops at the first zero block (a lone one only earns a warning): so do we.
        if (this.pending.blocks.length > 0) throw new ArchiveFormatError('archive ends inside a member header');
        this.state = { kind: 'end' };
        this.endAt = this.position - BLOCK;
        out.push(END_OF_ARCHIVE);
        this.position += data.length - off;
        return out;
      }
      out.push(...this.header(Buffer.from(block)));
    }
    data = Buffer.alloc(0);
    return out;
  }

  /** The input is over: it must have ended with the end-of-archive marker. */
  finish(): void {
    if (this.state.kind !== 'end') throw new ArchiveFormatError('unexpected end of archive');
  }

  private header(block: Buffer): Buffer[] {
    const h = decodeHeader(block);
    if (h.typeflag === 'x' || h.typeflag === 'g' || h.typeflag === 'L' || h.typeflag === 'K') {
      if (h.size > this.maxCollect) throw new ArchiveFormatError('extended header too large');
      const start = this.pending.blocks.length;
      this.pending.blocks.push(block);
      const padded = paddedSize(h.size);
      const st: State = { kind: 'extended', typeflag: h.typeflag, remaining: h.size, padded, parts: [], start };
      if (padded === 0) this.finishExtended(st);
      else this.state = st;
      return [];
    }
    const member = this.resolve(h);
    const blocks = [...this.pending.blocks, block];
    this.pending = { blocks: [], pax: new Map() };
    this.members++;
    const decision = this.hooks.onMember(member);
    const sink = new PayloadSink(member, this.algorithm, decision === 'collect', this.maxCollect);
    const payload = paddedSize(member.payloadSize);
    const st: Extract<State, { kind: 'payload' }> = {
      kind: 'payload',
      member,
      decision,
      remaining: payload,
      dataLeft: member.payloadSize,
      sink,
    };
    if (member.type === 'file') this.contentBytes += member.size;
    if (payload === 0) {
      this.finishPayload(st);
    } else {
      this.state = st;
    }
    return decision === 'forward' ? blocks : [];
  }

  private finishExtended(st: Extract<State, { kind: 'extended' }>): void {
    const data = Buffer.concat(st.parts);
    this.state = { kind: 'header' };
    if (st.typeflag === 'x') {
      for (const [k, v] of parsePax(data)) this.pending.pax.set(k, v);
    } else if (st.typeflag === 'g') {
      // Global headers would change every later member behind our back: they are not passed on.
      const keys = [...parsePax(data).keys()];
      this.pending.blocks.length = st.start;
      if (keys.some((k) => k === 'path' || k === 'linkpath' || k.startsWith('GNU.sparse'))) {
        throw new ArchiveFormatError('global pax header changes member names');
      }
    } else {
      const nul = data.indexOf(0);
      const text = (nul >= 0 ? data.subarray(0, nul) : data).toString('latin1');
      if (st.typeflag === 'L') this.pending.longName = text;
      else this.pending.longLink = text;
    }
  }

  private finishPayload(st: Extract<State, { kind: 'payload' }>): void {
    this.state = { kind: 'header' };
    const { digest, content } = st.sink.finish();
    if (content !== undefined) this.hooks.onCollected?.(st.member, content);
    this.hooks.onMemberDone?.(st.member, digest);
  }

  private resolve(h: HeaderBlock): Member {
    const pax = this.pending.pax;
    const type = TYPES[h.typeflag];
    if (type === undefined) {
      throw new ArchiveFormatError(`unsupported tar member type '${printable(h.typeflag)}' for ${printable(h.name)}`);
    }
    const names: string[] = [];
    const decoys: string[] = [];
    const paxPath = pax.get('path');
    const sparseName = pax.get('GNU.sparse.name');
    const plain = this.pending.longName ?? h.name;
    if (sparseName !== undefined) {
      names.push(sparseName);
      if (paxPath !== undefined) names.push(paxPath);
      else decoys.push(plain);
    } else {
      names.push(paxPath ?? plain);
    }
    const name = names[0] as string;
    const linkname = pax.get('linkpath') ?? this.pending.longLink ?? h.linkname;
    const payloadSize = pax.has('size') ? paxInt(pax.get('size') as string) : h.size;
    const major = pax.get('GNU.sparse.major');
    const sparse = major !== undefined || pax.has('GNU.sparse.realsize') || pax.has('GNU.sparse.size');
    if (sparse && (major !== '1' || pax.get('GNU.sparse.minor') !== '0')) {
      throw new ArchiveFormatError(`unsupported sparse format for ${printable(name)} (only pax sparse 1.0)`);
    }
    const realSize = sparse ? paxInt(pax.get('GNU.sparse.realsize') ?? pax.get('GNU.sparse.size') ?? '0') : payloadSize;
    const xattrs: Array<[string, string]> = [];
    for (const [k, v] of pax) {
      if (k.startsWith('SCHILY.xattr.')) xattrs.push([k.slice('SCHILY.xattr.'.length), v]);
      else if (k === 'SCHILY.acl.access' || k === 'SCHILY.acl.default') xattrs.push([k, v]);
    }
    xattrs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      name,
      names,
      decoys,
      type: type === 'file' && name.endsWith('/') ? 'dir' : type,
      mode: h.mode & 0o7777,
      uid: pax.has('uid') ? paxInt(pax.get('uid') as string) : h.uid,
      gid: pax.has('gid') ? paxInt(pax.get('gid') as string) : h.gid,
      mtime: pax.get('mtime') ?? h.mtime,
      size: type === 'file' ? realSize : 0,
      linkname: type === 'symlink' || type === 'hardlink' ? linkname : '',
      devmajor: pax.has('SCHILY.devmajor') ? paxInt(pax.get('SCHILY.devmajor') as string) : h.devmajor,
      devminor: pax.has('SCHILY.devminor') ? paxInt(pax.get('SCHILY.devminor') as string) : h.devminor,
      xattrs,
      sparse,
      payloadSize,
    };
  }
}

function paxInt(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw new ArchiveFormatError(`invalid number in pax header: ${printable(s)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ArchiveFormatError('number too large in pax header');
  return n;
}

/** A byte-string name, shown safely (control bytes escaped, UTF-8 decoded where valid). */
export function printable(bytes: string): string {
  const text = Buffer.from(bytes, 'latin1').toString('utf8');
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
