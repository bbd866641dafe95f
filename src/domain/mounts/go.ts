/**
 * Small ports of Go standard-library behaviour that Docker's error messages and
 * path handling depend on. Kept exact, because the messages users see are built
 * from them.
 */

/** Go's `path.Clean` (slash-separated, lexical). */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.charAt(0) === '/';
  const n = p.length;
  const out: string[] = [];
  let r = 0;
  let dotdot = 0;
  if (rooted) {
    out.push('/');
    r = 1;
    dotdot = 1;
  }
  while (r < n) {
    const c = p.charAt(r);
    if (c === '/') {
      r++;
    } else if (c === '.' && (r + 1 === n || p.charAt(r + 1) === '/')) {
      r++;
    } else if (c === '.' && p.charAt(r + 1) === '.' && (r + 2 === n || p.charAt(r + 2) === '/')) {
      r += 2;
      if (out.length > dotdot) {
        // Back up to (and drop) the previous '/', as Go's lazybuf does.
        let w = out.length - 1;
        while (w > dotdot && out[w] !== '/') w--;
        out.length = w;
      } else if (!rooted) {
        if (out.length > 0) out.push('/');
        out.push('.', '.');
        dotdot = out.length;
      }
    } else {
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out.push('/');
      for (; r < n && p.charAt(r) !== '/'; r++) out.push(p.charAt(r));
    }
  }
  if (out.length === 0) return '.';
  return out.join('');
}

/** Go's `path.IsAbs`. */
export function goPathIsAbs(p: string): boolean {
  return p.startsWith('/');
}

/** Go's `filepath.Abs` on Linux, with the working directory given. */
export function goFilepathAbs(p: string, cwd: string): string {
  if (goPathIsAbs(p)) return goPathClean(p);
  return goPathClean(`${cwd}/${p}`);
}

/** `strconv.ParseBool`: undefined when the text is not a Go bool. */
export function goParseBool(s: string): boolean | undefined {
  switch (s) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false;
    default:
      return undefined;
  }
}

/** `strconv.ParseUint(s, 8, 32)`: undefined on any error (syntax or range). */
export function goParseOctalUint32(s: string): number | undefined {
  if (!/^[0-7]+$/.test(s)) return undefined;
  const v = Number.parseInt(s, 8);
  return v <= 0xffffffff ? v : undefined;
}

/** Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols, ASCII space). */
function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

/** `strconv.Quote`: Go's double-quoted string literal (what `%q` prints). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate is invalid UTF-8 once encoded; Go would see U+FFFD.
      out += '\\ufffd';
    } else if (isPrint(cp)) {
      out += ch;
    } else {
      switch (ch) {
        case '\u0007': out += '\\a'; break;
        case '\b': out += '\\b'; break;
        case '\f': out += '\\f'; break;
        case '\n': out += '\\n'; break;
        case '\r': out += '\\r'; break;
        case '\t': out += '\\t'; break;
        case '\v': out += '\\v'; break;
        default:
          if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
          else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
          else out += `\\U${cp.toString(16).padStart(8, '0')}`;
      }
    }
  }
  return `${out}"`;
}

/** `fmt.Sprintf("%q", []string{...})`: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** Go's `strings.SplitN(s, sep, n)` for n > 0. */
export function goSplitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** Go's `strings.Cut`. */
export function goCut(s: string, sep: string): { before: string; after: string; found: boolean } {
  const i = s.indexOf(sep);
  if (i < 0) return { before: s, after: '', found: false };
  return { before: s.slice(0, i), after: s.slice(i + sep.length), found: true };
}
