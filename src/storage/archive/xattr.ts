/**
 * Extended attributes through attr's setfattr/getfattr (Debian package `attr`):
 * Node has no xattr calls. Work is batched (one process per call), and never
 * follows symlinks (-h).
 */
import { run } from '../../lib/exec.js';

export interface XattrSet {
  path: string;
  name: string;
  value: Buffer;
}

/** getfattr/setfattr dump quoting: octal escapes for anything unusual. */
function quote(path: string): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9/._+,:@%-]/.test(c)) out += c;
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

function unquote(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (ch === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export async function setXattrs(items: readonly XattrSet[]): Promise<void> {
  if (items.length === 0) return;
  let dump = '';
  for (const it of items) {
    dump += `# file: ${quote(it.path)}\n${quote(it.name)}=0x${it.value.toString('hex')}\n\n`;
  }
  const r = await run('setfattr', ['-h', '--restore=-'], { input: dump });
  if (r.code !== 0) {
    throw new Error(`setfattr: ${r.stderr.trim() || `exit status ${r.code}`}`);
  }
}

/**
 * All xattrs matching a regex under (and including) a path, recursively
 * unless `recursive` is false. Map of absolute path → (name → value).
 */
export async function getXattrs(
  path: string,
  opts: { match?: string; recursive?: boolean } = {},
): Promise<Map<string, Map<string, Buffer>>> {
  const args = ['-h', '-d', '-e', 'hex', '--absolute-names', '-m', opts.match ?? '-'];
  if (opts.recursive !== false) args.push('-R');
  args.push(path);
  const r = await run('getfattr', args);
  // getfattr exits 1 when some file has no matching attribute but still prints the rest.
  if (r.code !== 0 && r.stdout === '' && r.stderr.trim() !== '') {
    throw new Error(`getfattr: ${r.stderr.trim()}`);
  }
  const out = new Map<string, Map<string, Buffer>>();
  let current: Map<string, Buffer> | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = new Map();
      out.set(unquote(line.slice('# file: '.length)), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq <= 0) continue;
    const name = unquote(line.slice(0, eq));
    const raw = line.slice(eq + 1);
    current.set(name, decodeValue(raw));
  }
  return out;
}

function decodeValue(raw: string): Buffer {
  if (raw.startsWith('0x')) return Buffer.from(raw.slice(2), 'hex');
  if (raw.startsWith('0s')) return Buffer.from(raw.slice(2), 'base64');
  if (raw.startsWith('"') && raw.endsWith('"')) return Buffer.from(unquote(raw.slice(1, -1)), 'utf8');
  return Buffer.from(raw, 'utf8');
}

export async function getXattr(path: string, name: string): Promise<Buffer | undefined> {
  const all = await getXattrs(path, { match: `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, recursive: false });
  for (const attrs of all.values()) return attrs.get(name);
  return undefined;
}
