/**
 * One record of Go's `encoding/csv` Reader with its defaults (comma ',', no
 * comment character, strict quotes, no trimming) — what `docker --mount` uses
 * to split its value. A port of `readRecord`, so fields, quoting and the
 * `parse error on line L, column C: …` messages (columns are 1-based byte
 * offsets) match Go exactly.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const NL = 0x0a;
const CR = 0x0d;

export const ERR_BARE_QUOTE = 'bare " in non-quoted-field';
export const ERR_QUOTE = 'extraneous or missing " in quoted-field';

/** Thrown for malformed input; `message` is what Go's error prints. */
export class CsvParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvParseError';
  }
}

class LineReader {
  private pos = 0;
  numLine = 0;
  constructor(private readonly data: Uint8Array) {}

  /** Next line including its '\n'; eof is true only when nothing was read. */
  readLine(): { line: Uint8Array; eof: boolean } {
    if (this.pos >= this.data.length) {
      this.numLine++;
      return { line: new Uint8Array(0), eof: true };
    }
    const nl = this.data.indexOf(NL, this.pos);
    const end = nl < 0 ? this.data.length : nl + 1;
    let line = this.data.slice(this.pos, end);
    this.pos = end;
    // A last line without '\n' drops one trailing '\r' (backwards compatibility in Go).
    if (nl < 0 && line.length > 0 && line[line.length - 1] === CR) line = line.slice(0, line.length - 1);
    this.numLine++;
    const n = line.length;
    if (n >= 2 && line[n - 2] === CR && line[n - 1] === NL) {
      const fixed = line.slice(0, n - 1);
      fixed[n - 2] = NL;
      line = fixed;
    }
    return { line, eof: false };
  }
}

const lengthNL = (b: Uint8Array): number => (b.length > 0 && b[b.length - 1] === NL ? 1 : 0);

function parseError(startLine: number, line: number, column: number, err: string): CsvParseError {
  if (startLine !== line) {
    return new CsvParseError(`record on line ${startLine}; parse error on line ${line}, column ${column}: ${err}`);
  }
  return new CsvParseError(`parse error on line ${line}, column ${column}: ${err}`);
}

/**
 * Reads the first record of `input`. Empty input (or only blank lines) throws
 * `EOF`, like `csv.Reader.Read` returning io.EOF.
 */
export function readCsvRecord(input: string): string[] {
  const r = new LineReader(new TextEncoder().encode(input));
  let line: Uint8Array = new Uint8Array(0);
  let eof = false;
  for (;;) {
    ({ line, eof } = r.readLine());
    if (!eof && line.length === lengthNL(line)) continue; // skip empty lines
    break;
  }
  if (eof) throw new CsvParseError('EOF');

  const recLine = r.numLine;
  const buffer: number[] = [];
  const fieldEnds: number[] = [];
  let col = 1;
  let lineNo = r.numLine;

  parseField: for (;;) {
    if (line.length === 0 || line[0] !== QUOTE) {
      // Non-quoted field.
      const i = line.indexOf(COMMA);
      const field = i >= 0 ? line.subarray(0, i) : line.subarray(0, line.length - lengthNL(line));
      const j = field.indexOf(QUOTE);
      if (j >= 0) throw parseError(recLine, r.numLine, col + j, ERR_BARE_QUOTE);
      for (const b of field) buffer.push(b);
      fieldEnds.push(buffer.length);
      if (i >= 0) {
        line = line.subarray(i + 1);
        col += i + 1;
        continue parseField;
      }
      break parseField;
    }
    // Quoted field.
    line = line.subarray(1);
    col += 1;
    for (;;) {
      const i = line.indexOf(QUOTE);
      if (i >= 0) {
        for (const b of line.subarray(0, i)) buffer.push(b);
        line = line.subarray(i + 1);
        col += i + 1;
        const next = line.length > 0 ? line[0] : undefined;
        if (next === QUOTE) {
          buffer.push(QUOTE); // "" is an escaped quote
          line = line.subarray(1);
          col += 1;
        } else if (next === COMMA) {
          line = line.subarray(1);
          col += 1;
          fieldEnds.push(buffer.length);
          continue parseField;
        } else if (lengthNL(line) === line.length) {
          fieldEnds.push(buffer.length);
          break parseField;
        } else {
          throw parseError(recLine, r.numLine, col - 1, ERR_QUOTE);
        }
      } else if (line.length > 0) {
        // End of line inside quotes: the field continues on the next line.
        // (Go's errRead is reset on EOF here, so reaching the end of input
        // lands in the "abrupt end" branch below.)
        for (const b of line) buffer.push(b);
        col += line.length;
        line = r.readLine().line;
        if (line.length > 0) {
          lineNo++;
          col = 1;
        }
      } else {
        // Abrupt end of input inside a quoted field.
        throw parseError(recLine, lineNo, col, ERR_QUOTE);
      }
    }
  }

  const bytes = Uint8Array.from(buffer);
  const decoder = new TextDecoder();
  const out: string[] = [];
  let prev = 0;
  for (const end of fieldEnds) {
    out.push(decoder.decode(bytes.subarray(prev, end)));
    prev = end;
  }
  return out;
}
