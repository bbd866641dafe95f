/**
 * The daemon's JSON message streams (pull, import, load): one JSON object after
 * another. Printed like the docker CLI's jsonmessage.DisplayJSONMessagesStream
 * does for a non-terminal: "stream" text as is, "status" lines with their id,
 * progress bars skipped; an "errorDetail" ends the stream with its message.
 */
import type { Readable, Writable } from 'node:stream';

interface JsonMessage {
  stream?: string;
  status?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  errorDetail?: { code?: number; message?: string };
  error?: string;
  aux?: unknown;
}

/** A failure reported inside the stream (JSONError): its text is printed as is. */
export class JsonStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonStreamError';
  }
}

/** Splits concatenated JSON values (the daemon writes them with or without newlines). */
export async function* jsonValues(src: Readable): AsyncGenerator<unknown> {
  let buf = '';
  for await (const chunk of src) {
    buf += (chunk as Buffer).toString('utf8');
    for (;;) {
      const end = endOfValue(buf);
      if (end < 0) break;
      const text = buf.slice(0, end).trim();
      buf = buf.slice(end);
      if (text) yield JSON.parse(text) as unknown;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as unknown;
}

/** Index just past the first complete top-level JSON object/array in `s`, or -1. */
function endOfValue(s: string): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      depth++;
      started = true;
    } else if (c === '}' || c === ']') {
      depth--;
      if (started && depth === 0) return i + 1;
    }
  }
  return -1;
}

function rfc3339NanoFixed(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const iso = new Date(ms).toISOString().slice(0, 19);
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso}.${frac}Z`;
}

/**
 * Prints every message to `out` and resolves when the stream ends; rejects with
 * JsonStreamError at the first errorDetail. `onAux` receives "aux" payloads.
 */
export async function displayJsonMessages(src: Readable, out: Writable, onAux?: (aux: unknown) => void): Promise<void> {
  for await (const value of jsonValues(src)) {
    const jm = value as JsonMessage;
    if (jm.aux !== undefined) {
      onAux?.(jm.aux);
      continue;
    }
    if (jm.errorDetail) throw new JsonStreamError(jm.errorDetail.message ?? '');
    const p = jm.progressDetail;
    if (p && ((p.current ?? 0) > 0 || (p.total ?? 0) > 0)) continue; // progress bars: terminals only
    let line = '';
    if (jm.timeNano) line += `${rfc3339NanoFixed(BigInt(jm.timeNano))} `;
    else if (jm.time) line += `${rfc3339NanoFixed(BigInt(jm.time) * 1_000_000_000n)} `;
    if (jm.id) line += `${jm.id}: `;
    if (jm.from) line += `(from ${jm.from}) `;
    if (jm.progress && !jm.stream) line += `${jm.status ?? ''} ${jm.progress}`;
    else if (jm.stream) line += jm.stream;
    else line += `${jm.status ?? ''}\n`;
    out.write(line);
  }
}
