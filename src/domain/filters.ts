/**
 * Docker's `filters` query parameter: a JSON object whose values are either
 * the CLI's map form {"label":{"a=b":true}} or docker-py's list form {"label":["a=b"]}.
 */
import { invalidArgument } from './errors.js';

export type Filters = ReadonlyMap<string, readonly string[]>;

export function parseFilters(raw: string | null | undefined): Filters {
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter: ${raw}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return out;
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      out.set(key, value.map(String));
    } else if (value && typeof value === 'object') {
      out.set(
        key,
        Object.entries(value as Record<string, unknown>)
          .filter(([, on]) => on === true)
          .map(([k]) => k),
      );
    }
  }
  return out;
}

/** Rejects keys outside `accepted` with Docker's message. */
export function requireFilterKeys(filters: Filters, accepted: readonly string[]): void {
  for (const key of filters.keys()) {
    if (!accepted.includes(key)) throw invalidArgument(`Invalid filter '${key}'`);
  }
}

/** `label=k` (presence) and `label=k=v` (value) terms, all of which must hold. */
export function matchesLabels(labels: Readonly<Record<string, string>> | null, terms: readonly string[]): boolean {
  return terms.every((term) => labelTermMatches(labels, term));
}

export function labelTermMatches(labels: Readonly<Record<string, string>> | null, term: string): boolean {
  const eq = term.indexOf('=');
  const key = eq < 0 ? term : term.slice(0, eq);
  if (!labels || !Object.prototype.hasOwnProperty.call(labels, key)) return false;
  return eq < 0 || labels[key] === term.slice(eq + 1);
}

/** dockerd's boolean filter values: only true/1/false/0 (else "Invalid filter 'k=[v]'"). */
export function boolFilter(filters: Filters, key: string): boolean | undefined {
  const values = filters.get(key);
  if (!values || values.length === 0) return undefined;
  let result: boolean | undefined;
  for (const v of values) {
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === '1') result = true;
    else if (lower === 'false' || lower === '0') result = result ?? false;
    else throw invalidArgument(`Invalid filter '${key}=[${values.join(' ')}]'`);
  }
  return result;
}
